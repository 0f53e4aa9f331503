"""`python -m app.entrypoints.cli`: the `backflow` command line."""

import sys

from backflow.app.entrypoints.cli import main

sys.exit(main())
