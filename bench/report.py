"""Write one `## Heading` section of a markdown report, keeping every other section as it is."""

from __future__ import annotations

import re
from pathlib import Path


def replace_section(path: Path, heading: str, section: str, title: str) -> None:
    """Replace the section `## {heading}` with `section`, or append it (a new file is titled `title`)."""
    text = path.read_text() if path.exists() else f"# {title}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip() + "\n")
