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

sys.exit(main())
