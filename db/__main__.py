"""``python -m db``: database commands (see :mod:`db.cli`)."""

import sys

from db.cli import main

sys.exit(main())
