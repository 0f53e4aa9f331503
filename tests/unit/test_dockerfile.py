"""The container cannot be built here, so check it installs exactly what `make test` proves."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def _instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.upper().startswith(name + " ")]


def _pip_installs(text: str) -> list[list[str]]:
    commands = []
    for chunk in re.split(r"&&|\n", text):
        if "pip install" not in chunk:
            continue
        words = shlex.split(chunk)
        if "pip" in words and "install" in words:
            commands.append(words[words.index("install") + 1 :])
    return commands


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_both_install_the_project_under_the_same_lock() -> None:
    docker = [args for args in _pip_installs(" && ".join(_instructions("RUN"))) if "--upgrade" not in args]
    make = [args for args in _pip_installs(MAKEFILE) if "--upgrade" not in args]
    assert docker and make
    for args in docker + make:
        assert args[args.index("-c") + 1] == "requirements.lock", args
    assert any(a.startswith(".") for a in docker[0]), "the image installs the project itself"


def test_the_lock_pins_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = _lock()
    for requirement in declared:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0]).lower()
        assert name in pins, f"{name} is declared in pyproject.toml but not pinned in requirements.lock"


def test_the_image_is_multi_stage_slim_non_root_and_health_checked() -> None:
    bases = _instructions("FROM")
    assert len(bases) >= 2 and all("slim" in base for base in bases)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(p) for p in requires.removeprefix(">=").split("."))
    for base in bases:
        version = re.search(r"python:(\d+)\.(\d+)", base)
        assert version and (int(version[1]), int(version[2])) >= minimum
    user = _instructions("USER")
    assert user and user[-1].strip() not in {"root", "0"}
    assert "/healthz" in _instructions("HEALTHCHECK")[0]
    assert "backflow" in _instructions("CMD")[-1] and "run" in _instructions("CMD")[-1]
    assert _instructions("VOLUME")
    assert "BACKFLOW_HTTP_HOST=0.0.0.0" in DOCKERFILE
