"""Backflow, installed under one name.

The code lives in `src/domain`, `src/ports`, `src/adapters`, `src/app`, `src/devtools` and `tui/`; the
entries of this folder are links to them, so the wheel (and an editable install) exposes them as
`backflow.domain`, `backflow.ports`, ... and puts nothing else into site-packages.
"""
