"""Report functions, one module per category; importing this registers them all."""

import data_access.reports.audit
import data_access.reports.bond
import data_access.reports.bond_sufficiency
import data_access.reports.cargo_release
import data_access.reports.cf_forms
import data_access.reports.entry_summary
import data_access.reports.entry_summary_duties
import data_access.reports.exams
import data_access.reports.filers
import data_access.reports.layers
import data_access.reports.reconciliation
import data_access.reports.refunds  # noqa: F401
from data_access.reports import overview  # noqa: F401
from data_access.reports.base import REPORTS, Report, Scope, report

__all__ = ["REPORTS", "Report", "Scope", "report"]
