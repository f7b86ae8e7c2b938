"""``python -m scoring``: the offline scorer (see :mod:`scoring.cli`)."""

import sys

from scoring.cli import main

sys.exit(main())
