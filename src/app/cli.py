"""`python -m app.cli`: the same command line as the `backflow` console script (kept for scripts that
start the daemon by module; the code lives in `app.entrypoints.cli`)."""

from __future__ import annotations

import sys

from app.entrypoints.cli import main

if __name__ == "__main__":
    sys.exit(main())
