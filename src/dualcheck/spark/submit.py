"""Entry point for spark-submit: runs the `dualcheck` command line with the arguments after this file.

    spark-submit [spark options] path/to/dualcheck/spark/submit.py spark screen INPUT OUT
"""

from __future__ import annotations

import sys

from dualcheck.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
