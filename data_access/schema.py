"""The lake contract: tables, their columns and types, partitioning and sort order.

Codes are strings (leading zeros are data), money is decimal(18,2), entry numbers are
11 characters without dashes. Every other module names columns through this one.

Money is bounded: a stored amount is at most MONEY_CEILING ($10 billion), and every sum
of amounts is MONEY_TOTAL (decimal(38,2), what DuckDB's SUM of decimal(18,2) gives).
An entry summary is the sum of its lines, and a 5-year total of 50 million lines with
six amounts each at the ceiling is 3e18 dollars: past decimal(18,2) (just under 1e16),
far inside decimal(38,2) (just under 1e36). The ceiling is generous for real trade (the
largest single entries, aircraft and vessels, are hundreds of millions of dollars).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import polars as pl

MONEY = pl.Decimal(18, 2)
MONEY_TOTAL = pl.Decimal(38, 2)  # the type of every sum of money
MONEY_TOTAL_SQL = "decimal(38, 2)"
MONEY_CEILING = Decimal("10000000000.00")  # the largest amount a row may carry
MONEY_MAX = Decimal("9999999999999999.99")  # the largest decimal(18,2) (a derived header)
TEXT = pl.String
DATE = pl.Date
FLAG = pl.Boolean


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    label: str
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    date_column: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    importer_column: str = "importer_number"
    filer_column: str | None = "filer_code"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def polars_schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})

    @property
    def sort_columns(self) -> list[str]:
        return [self.importer_column, self.date_column]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, dtype: pl.DataType, label: str, *, required: bool = False) -> Column:
    return Column(name, dtype, label, required)


ENTRY_SUMMARIES = Table(
    name="entry_summaries",
    label="Entry Summary Header",
    date_column="entry_date",
    key=("entry_number",),
    columns=(
        _c("entry_number", TEXT, "Entry Summary Number", required=True),
        _c("entry_type", TEXT, "Entry Type Code", required=True),
        _c("importer_number", TEXT, "Importer Number", required=True),
        _c("importer_name", TEXT, "Importer Name"),
        _c("filer_code", TEXT, "Filer Code", required=True),
        _c("filer_name", TEXT, "Filer Name"),
        _c("port_of_entry", TEXT, "Port of Entry Code", required=True),
        _c("entry_date", DATE, "Entry Date", required=True),
        _c("entry_summary_date", DATE, "Entry Summary Date"),
        _c("mode_of_transport", TEXT, "Mode of Transportation Code"),
        _c("country_of_export", TEXT, "Country of Export Code"),
        _c("export_date", DATE, "Export Date"),
        _c("port_of_unlading", TEXT, "Port of Unlading Code"),
        _c("carrier_code", TEXT, "Carrier Code"),
        _c("ultimate_consignee", TEXT, "Ultimate Consignee Number"),
        _c("bond_type", TEXT, "Bond Type Code"),
        _c("surety_code", TEXT, "Surety Code"),
        _c("recon_flag", TEXT, "Reconciliation Issue Code"),
        _c("fta_recon_flag", FLAG, "FTA Reconciliation Indicator"),
        # ES-003's Y/N: flagged for reconciliation, the issue not said (the Reconciliation
        # report and Access CDs give the issue code, recon_flag).
        _c("recon_indicator", FLAG, "Reconciliation Indicator"),
        _c("entered_value", MONEY, "Entered Value", required=True),
        _c("duty_amount", MONEY, "Duty Amount"),
        _c("tax_amount", MONEY, "Tax Amount"),
        _c("fee_amount", MONEY, "Fee Amount"),
        _c("liquidation_date", DATE, "Liquidation Date"),
        _c("liquidation_type", TEXT, "Liquidation Type Code"),
        _c("liquidation_status", TEXT, "Liquidation Status"),
        _c("cf28_issued", FLAG, "CF-28 Issued"),
        _c("cf29_issued", FLAG, "CF-29 Issued"),
        # ES-003's Y/N: the entry summary was corrected by a post-summary correction (the
        # line-level "Line Post Summary Correction Indicator" is not kept).
        _c("psc_indicator", FLAG, "Post Summary Correction Indicator"),
    ),
)

# entry_type, port_of_entry and mode_of_transport are repeated from the header so the
# global filters prune lines without a join (the largest table, the hottest queries).
ENTRY_LINES = Table(
    name="entry_lines",
    label="Entry Summary Line Tariff Details",
    date_column="entry_date",
    key=("entry_number", "line_number", "tariff_ordinal"),
    columns=(
        _c("entry_number", TEXT, "Entry Summary Number", required=True),
        _c("line_number", pl.Int32, "Entry Summary Line Number", required=True),
        _c("tariff_ordinal", pl.Int16, "Tariff Ordinal Number"),
        _c("importer_number", TEXT, "Importer Number", required=True),
        _c("filer_code", TEXT, "Filer Code"),
        _c("entry_type", TEXT, "Entry Type Code"),
        _c("port_of_entry", TEXT, "Port of Entry Code"),
        _c("mode_of_transport", TEXT, "Mode of Transportation Code"),
        _c("entry_date", DATE, "Entry Date", required=True),
        _c("hts_number", TEXT, "HTS Number - Full", required=True),
        _c("country_of_origin", TEXT, "Country of Origin Code", required=True),
        _c("manufacturer_id", TEXT, "Manufacturer ID"),
        _c("spi", TEXT, "Line SPI Code"),
        _c("related_party", FLAG, "Related Party Indicator"),
        _c("quantity", pl.Float64, "Line Tariff Quantity (1)"),
        _c("unit_of_measure", TEXT, "Line Tariff UOM (1) Code"),
        _c("entered_value", MONEY, "Line Tariff Goods Value Amount", required=True),
        _c("duty_rate", pl.Float64, "Column 1 Current Primary Duty Rate"),
        _c("duty_amount", MONEY, "Line Tariff Duty Amount"),
        _c("tax_amount", MONEY, "Line Tax Amount"),
        _c("mpf_amount", MONEY, "Line MPF Amount"),
        _c("hmf_amount", MONEY, "Line HMF Amount"),
        _c("add_amount", MONEY, "Line ADD Amount"),
        _c("cvd_amount", MONEY, "Line CVD Amount"),
        _c("add_case_number", TEXT, "AD Case Number"),
        _c("cvd_case_number", TEXT, "CVD Case Number"),
    ),
)

CARGO_RELEASES = Table(
    name="cargo_releases",
    label="Cargo Release Details",
    date_column="arrival_date",
    key=("entry_number",),
    columns=(
        _c("entry_number", TEXT, "Entry Number", required=True),
        _c("importer_number", TEXT, "Importer Number", required=True),
        _c("filer_code", TEXT, "Filer Code"),
        _c("port_of_entry", TEXT, "Port of Entry Code"),
        _c("mode_of_transport", TEXT, "Mode of Transportation Code"),
        _c("carrier_code", TEXT, "Carrier Code"),
        _c("bill_of_lading", TEXT, "Bill of Lading Number"),
        _c("arrival_date", DATE, "Arrival Date", required=True),
        _c("release_date", DATE, "Release Date"),
        _c("release_status", TEXT, "Release Status"),
        _c("hold_agency", TEXT, "Hold Agency"),
    ),
)

EXAMS = Table(
    name="exams",
    label="Exam Details",
    date_column="exam_date",
    key=("exam_id",),
    columns=(
        _c("exam_id", TEXT, "Exam ID", required=True),
        _c("entry_number", TEXT, "Entry Number", required=True),
        _c("importer_number", TEXT, "Importer Number", required=True),
        _c("filer_code", TEXT, "Filer Code"),
        _c("port_of_entry", TEXT, "Port of Entry Code"),
        _c("mode_of_transport", TEXT, "Mode of Transportation Code"),
        _c("entry_type", TEXT, "Entry Type Code"),
        _c("exam_type", TEXT, "Exam Type"),
        _c("exam_date", DATE, "Exam Date", required=True),
        _c("result", TEXT, "Exam Result"),
        _c("discrepancy_type", TEXT, "Discrepancy Type"),
        _c("hts_number", TEXT, "HTS Number"),
        _c("country_of_origin", TEXT, "Country of Origin Code"),
    ),
)

BONDS = Table(
    name="bonds",
    label="Bond Details",
    date_column="effective_date",
    key=("bond_number",),
    filer_column=None,
    columns=(
        _c("bond_number", TEXT, "Bond Number", required=True),
        _c("importer_number", TEXT, "Importer Number", required=True),
        _c("bond_type", TEXT, "Bond Type Code", required=True),
        _c("activity_code", TEXT, "Bond Activity Code"),
        _c("surety_code", TEXT, "Surety Code"),
        _c("bond_amount", MONEY, "Bond Amount", required=True),
        _c("effective_date", DATE, "Bond Effective Date", required=True),
        _c("termination_date", DATE, "Bond Termination Date"),
        _c("status", TEXT, "Bond Status"),
        _c("entry_number", TEXT, "Entry Number"),
    ),
)

RECONCILIATIONS = Table(
    name="reconciliations",
    label="Reconciliation Details",
    date_column="flagged_date",
    key=("flagged_entry_number",),
    columns=(
        _c("flagged_entry_number", TEXT, "Entry Summary Number", required=True),
        _c("importer_number", TEXT, "Importer Number", required=True),
        _c("filer_code", TEXT, "Filer Code"),
        _c("flag_type", TEXT, "Reconciliation Issue Code", required=True),
        _c("fta_flag", FLAG, "NAFTA Reconciliation Indicator"),
        _c("entry_date", DATE, "Entry Date"),
        _c("flagged_date", DATE, "Entry Summary Date", required=True),
        _c("due_date", DATE, "Reconciliation Due Date"),
        _c("recon_entry_number", TEXT, "Reconciliation Entry Summary Number"),
        _c("filed_date", DATE, "Reconciliation Filed Date"),
        _c("status", TEXT, "Reconciliation Status"),
        _c("value_adjustment", MONEY, "Value Adjustment"),
        _c("duty_adjustment", MONEY, "Duty Adjustment"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (ENTRY_SUMMARIES, ENTRY_LINES, CARGO_RELEASES, EXAMS, BONDS, RECONCILIATIONS)
}


def table(name: str) -> Table:
    """The table of the lake contract called `name` (KeyError names the valid ones)."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no lake table {name!r}; tables: {', '.join(TABLES)}") from None


def conform(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with exactly the table's columns, in order, cast to the contract's types."""
    spec = table(name)
    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        frame = frame.with_columns(pl.lit(None).alias(c) for c in missing)
    return frame.select(pl.col(c.name).cast(c.dtype) for c in spec.columns)
