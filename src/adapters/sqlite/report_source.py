"""`ReportSource` on SQLite: written once in adapters.sqlstore over SQLite's dialect."""

from __future__ import annotations

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlstore.report_source import ReportSource


class SqliteReportSource(ReportSource):
    dialect = SQLITE
