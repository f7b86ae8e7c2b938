"""Performance benchmark of the scorer on a generated city-scale bundle (see README.md)."""
