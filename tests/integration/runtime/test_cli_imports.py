"""`import app.entrypoints.cli` (what `backflow run` starts from) loads neither Textual and the console
nor the development tooling: `backflow tui`, `sim` and `demo` import theirs inside their handlers."""

from __future__ import annotations

import subprocess
import sys

LOADED = (
    "import sys, app.entrypoints.cli\n"
    "roots = {'textual', 'tui', 'devtools'}\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in roots))\n"
)


def test_the_cli_module_loads_no_console_and_no_devtools() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
