"""Import hygiene (harlequin's check): the daemon's code loads no TUI, simulator or demo module.

`backflow run` must not carry the test rig into production: the console script's module, `run --help`,
and every module of the product proper are imported in a fresh interpreter and `sys.modules` is read.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

FORBIDDEN = ("textual", "backflow.tui", "backflow.devtools")
_REPORT = (
    "import json, sys\n"
    "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m.startswith({prefixes!r}))\n"
    "sys.stderr.write('\\nLOADED:' + json.dumps(bad) + '\\n')\n"
)


def _loaded(code: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    script = code + "\n" + _REPORT.format(prefixes=FORBIDDEN[1:])
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    marker = result.stderr.rsplit("LOADED:", 1)
    assert len(marker) == 2, result.stdout + result.stderr
    return json.loads(marker[1]), result


def test_run_help_loads_no_tui_simulator_or_demo() -> None:
    loaded, result = _loaded(
        "from backflow.app.entrypoints.cli import main\n"
        "try:\n    main(['run', '--help'])\n"
        "except SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
    )
    assert "usage: backflow run" in result.stdout
    assert loaded == []


def test_every_daemon_module_imports_without_tui_simulator_or_demo() -> None:
    loaded, result = _loaded(
        "import importlib, pkgutil\n"
        "import backflow.domain, backflow.ports, backflow.adapters, backflow.app\n"
        "for package in (backflow.domain, backflow.ports, backflow.adapters, backflow.app):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if not info.name.endswith('.__main__'):\n            importlib.import_module(info.name)\n"
        "print('imported')\n"
    )
    assert "imported" in result.stdout, result.stderr
    assert loaded == []


def test_the_check_itself_sees_a_tui_import() -> None:
    """The probe is real: importing the TUI's app module is reported."""
    loaded, _ = _loaded("import backflow.tui.app")
    assert "textual" in {name.split(".")[0] for name in loaded}
    assert "backflow.tui.app" in loaded
