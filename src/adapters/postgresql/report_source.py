"""`ReportSource` on PostgreSQL: written once in adapters.sqlstore over PostgreSQL's dialect."""

from __future__ import annotations

from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.sqlstore.report_source import ReportSource


class PostgresReportSource(ReportSource):
    dialect = POSTGRES
