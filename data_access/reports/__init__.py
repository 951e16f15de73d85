"""Report functions, one module per category; importing this registers them all."""

from data_access.reports import overview  # noqa: F401
from data_access.reports.base import REPORTS, Report, Scope, report

__all__ = ["REPORTS", "Report", "Scope", "report"]
