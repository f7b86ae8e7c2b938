"""``python -m db``: database commands (see :mod:`db.cli`)."""

import os
import sys

from db.cli import main

# Leave without the interpreter's teardown of native thread pools: arrow's CPU pool (the
# multi-threaded CSV reader) can be destroyed at exit while one of its workers is still
# joinable, and the process then aborts with "terminate called without an active
# exception" (SIGABRT, exit -6) after its work is done and its exit status decided
# (apache/arrow#34314; seen once in CI on `db import-bundle` of a refused bundle).
# Everything has been written and committed by then; only the output is still buffered.
status = main()
sys.stdout.flush()
sys.stderr.flush()
os._exit(status if isinstance(status, int) else 0)
