"""Write one `## Heading` section of a markdown report, keeping every other section as it is."""

from __future__ import annotations

import re
from pathlib import Path


def replace_section(path: Path, heading: str, section: str, title: str, *, after: str | None = None) -> None:
    """Replace the section `## {heading}` with `section`; a new one goes right after the section
    `## {after}` when there is one, else at the end (a new file is titled `title`)."""
    text = path.read_text() if path.exists() else f"# {title}\n"
    pattern = _section(heading)
    neighbour = _section(after).search(text) if after else None
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    elif neighbour is not None:
        text = text[: neighbour.end()].rstrip() + "\n\n" + section + "\n" + text[neighbour.end() :]
    else:
        text = text.rstrip() + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip() + "\n")


def _section(heading: str) -> re.Pattern[str]:
    return re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
