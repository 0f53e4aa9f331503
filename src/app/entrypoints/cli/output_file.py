"""`--output PATH` for the report commands: never overwrite a file unless told to (`--force`), and
say in one line why a path cannot be written (a directory, a missing permission, a read-only disk)."""

from __future__ import annotations

from pathlib import Path

REFUSED = 2
"""Exit status when the path exists and --force was not given (or is a directory)."""
UNWRITABLE = 1
"""Exit status when the operating system refused the write."""


class OutputRefused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_output(path: Path, *, force: bool) -> None:
    """Before the report is built: refuse a directory, and an existing file without `force`."""
    if path.is_dir():
        raise OutputRefused(REFUSED, f"cannot write the report to {path}: it is a directory")
    if path.exists() and not force:
        raise OutputRefused(REFUSED, f"{path} already exists; give --force to overwrite it")


def write_output(path: Path, text: str, *, force: bool) -> None:
    """Create `path` (and missing folders); an existing file only with `force`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        blocker = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), path.parent)
        message = f"cannot write the report to {path}: {blocker} is a file, not a folder"
        raise OutputRefused(UNWRITABLE, message) from exc
    except OSError as exc:
        raise OutputRefused(UNWRITABLE, f"cannot create the folder {path.parent}: {_why(exc)}") from exc
    try:
        with path.open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError as exc:
        raise OutputRefused(REFUSED, f"{path} already exists; give --force to overwrite it") from exc
    except IsADirectoryError as exc:
        raise OutputRefused(REFUSED, f"cannot write the report to {path}: it is a directory") from exc
    except OSError as exc:
        raise OutputRefused(UNWRITABLE, f"cannot write the report to {path}: {_why(exc)}") from exc


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
