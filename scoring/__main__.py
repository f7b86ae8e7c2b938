"""``python -m scoring``: the offline scorer (see :mod:`scoring.cli`)."""

import os
import sys

# Process settings of the command line, read by numpy and pyarrow as they load (a
# person's own environment wins). The scorer makes a few hundred large, short-lived
# arrays: with numpy's transparent huge pages the kernel compacts memory on their
# first touch (defrag=madvise, the usual default), and arrow's mimalloc pool maps
# fresh pages that the C library's allocator would reuse; measured on a city bundle,
# the two cost a quarter of the scorer's CPU time in the kernel.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from scoring.cli import main

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
