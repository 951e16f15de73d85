"""One ingest: files -> validated rows in the lake, in ONE lake transaction.

A crash or kill anywhere leaves the lake exactly as before (the transaction commits by
one atomic rename). The same content again is skipped (sha256 in the manifest) when the
same principal loaded it before and that load loaded rows: a file someone else loaded, or
one whose every row was rejected, is read again for this reader. A newer
export overlapping earlier ones replaces their rows by natural key: files are loaded in
the order given and the last one wins.

Line files (ES-003) replace per entry: the entries a file holds replace those entries'
older lines, all of them, and their headers; entries it does not hold stay. ACE's ES-003
for a date range holds every line and ordinal of each entry in it, so a re-pull of a
month replaces that month, a pull of the next month overlapping it by a few days counts
nothing twice (the overlap's rows are the same rows), and a line or Chapter 99 ordinal a
correction took away disappears instead of staying as a stale duty; the file's note says
how many such rows it dropped. The parts of one file (a workbook's sheets) are one
download: they replace older rows together, never each other.
Files stream batch by batch, so memory stays bounded whatever their size.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow as pa

from data_access import access, lake
from data_access.access import CBP, Principal
from data_access.ingest import derive, quarantine, readers, sources, storage, validate, values
from data_access.ingest.mapping import MappingError, Plan, joined, plan_for
from data_access.schema import ENTRY_LINES, ENTRY_SUMMARIES, TABLES

Progress = Callable[[str, int, int], None]  # (file, bytes done, bytes in all)
REPLACE_KEYS = {ENTRY_LINES.name: ("entry_number",)}  # lines: the entry is the unit (above)
# What a bad file raises (CSV parse errors, text that is not UTF-8 or cp1252, bytes the
# csv sniffer chokes on: UTF-16, binary). Any other error fails that file too, as long
# as the transaction lost nothing yet (only new files to drop); past that, it aborts the
# whole transaction and the lake stays as it was.
FILE_ERRORS = (readers.ReadError, MappingError, pa.ArrowInvalid, UnicodeError, csv.Error)
log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What happened to one file (the `--json` line and the page's summary)."""

    file: str
    status: str = "loaded"  # loaded | skipped | failed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    note: str = ""
    sha256: str = ""

    def to_json(self) -> dict:
        return asdict(self)


class _NothingLoaded(Exception):
    """Every file was skipped or failed: drop the transaction, the lake stays as it is."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def ingest(
    where: Path,
    files: Sequence[Path],
    *,
    labels: Sequence[str] | None = None,
    principal: Principal = CBP,
    mapping: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Load `files` into the lake at `where`; one result per file, in the order given."""
    labels = list(labels or [f.name for f in files])
    results: list[FileResult] = []
    try:
        with lake.transaction(where) as tx:
            known = _loaded_hashes(where, principal)
            for path, label in zip(files, labels, strict=True):
                results.append(_one_file(tx, path, label, known, principal, mapping, progress))
            if not any(r.status == "loaded" for r in results):
                raise _NothingLoaded
    except _NothingLoaded:
        pass
    return results


def _loaded_hashes(where: Path, principal: Principal) -> dict[str, str]:
    """Content hash -> file name of the files `principal` loaded rows from before.

    Only their own loads count: another principal's load of the same bytes loaded that
    principal's rows (an importer's upload may load none of CBP's), and its file name is
    theirs to see."""
    loaded = lake.manifest(where)
    if loaded.is_empty() or not {"sha256", "loaded_for", "rows_loaded"} <= set(loaded.columns):
        return {}
    rows = loaded.filter(
        (pl.col("sha256").fill_null("") != "")
        & (pl.col("loaded_for") == principal.key)
        & (pl.col("rows_loaded").fill_null(0) > 0)
    )
    return dict(zip(rows["sha256"].to_list(), rows["file"].to_list(), strict=True))


def _one_file(
    tx: lake.Transaction,
    path: Path,
    label: str,
    known: dict[str, str],
    principal: Principal,
    mapping: dict[str, str] | None,
    progress: Progress | None,
) -> FileResult:
    result = FileResult(label, sha256=sha256_of(path))
    if result.sha256 in known:
        result.status = "skipped"
        result.note = f"same content as {known[result.sha256]}, already loaded"
        return result
    before = _all_files(tx)
    try:
        planned = _plans(sources.parts(path, label, mapping), mapping, principal, result)
        with tempfile.TemporaryDirectory(prefix="itrac-ingest-") as staging:
            loading = _FileLoad(Path(staging))
            for part, plan in planned:
                _load_part(tx, part, plan, principal, result, progress, loading)
            _check_headers(loading, label)  # before anything is replaced
            _replace_overlaps(tx, loading, result)
    except Exception as error:
        now = _all_files(tx)
        if before - now or storage.problem(error) or isinstance(error, MemoryError):
            raise  # rows replaced already, or the disk or memory failed (no file's fault)
        for created in now - before:  # only this file's new files
            created.unlink()
        return FileResult(
            label, status="failed", errors=[_message(error, path, label)], sha256=result.sha256
        )
    if result.rows_loaded:
        known[result.sha256] = label
    tx.record(
        file=label,
        kind="ingest",
        sha256=result.sha256,
        size_bytes=path.stat().st_size,
        tables=", ".join(result.tables),
        rows_read=result.rows_read,
        rows_loaded=result.rows_loaded,
        rows_rejected=result.rows_rejected,
        rows_replaced=result.rows_replaced,
        loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        loaded_by=principal.name or principal.role,
        loaded_for=principal.key,
    )
    return result


def _message(error: Exception, path: Path, label: str) -> str:
    """What went wrong, naming the file as the user named it (never a server path)."""
    text = str(error).replace(str(path), label).replace(str(path.parent), "")
    if path.name != label:
        text = text.replace(path.name, label)
    if isinstance(error, csv.Error):  # UTF-16 or binary bytes: not delimited text
        text = (
            f"not readable as delimited text ({text}); save it from Excel as "
            "CSV UTF-8 (or .xlsx) and load it again"
        )
    elif not isinstance(error, FILE_ERRORS):  # an unexpected error: say what it was
        log.exception("ingest of %s failed", label)
        text = f"could not be read ({type(error).__name__}: {text})"
    return text if text.startswith(label) else f"{label}: {text}"


def _plans(
    parts: list[readers.Part],
    mapping: dict[str, str] | None,
    principal: Principal,
    result: FileResult,
) -> list[tuple[readers.Part, Plan]]:
    """Each part with its plan; a workbook's sheets that hold no table are passed over."""
    planned, errors = [], []
    for part in parts:
        try:
            plan = plan_for(part.headers, mapping or {}, part.name)
        except MappingError as error:
            errors.append(str(error))
            continue
        if not principal.can_see(plan.table):
            label = TABLES[plan.table].label
            raise readers.ReadError(f"{part.name}: {label} data is not available to brokers")
        planned.append((part, plan))
    if not planned:
        raise MappingError(joined(errors))
    if errors:
        result.note = "passed over: " + joined(errors)
    return planned


def _all_files(tx: lake.Transaction) -> set[Path]:
    return {p for name in (*TABLES, lake.QUARANTINE) for p in tx.path(name).rglob("*.parquet")}


def _table_files(tx: lake.Transaction, name: str) -> list[Path]:
    return lake.files(tx.path(name))


@dataclass
class _FileLoad:
    """One file's writes until they replace what they overlap. A file's parts (a
    workbook's sheets) are one download: they replace older rows together, never each
    other, and an entry whose lines span two sheets gets one header from all of them."""

    staging: Path
    before: dict[str, set[Path]] = field(default_factory=dict)  # table -> files before
    partials: dict[frozenset[str], Path] = field(default_factory=dict)  # header partials
    batches: int = 0

    def partials_for(self, present: set[str]) -> Path:
        """The folder of derived-header partials of parts with these columns."""
        key = frozenset(present)
        if key not in self.partials:
            self.partials[key] = self.staging / f"headers-{len(self.partials)}"
            self.partials[key].mkdir()
        return self.partials[key]


def _load_part(
    tx: lake.Transaction,
    part: readers.Part,
    plan: Plan,
    principal: Principal,
    result: FileResult,
    progress: Progress | None,
    loading: _FileLoad,
) -> None:
    loading.before.setdefault(plan.table, set(_table_files(tx, plan.table)))
    headers = {**plan.columns, **plan.header_extras}
    if "entry_number" in headers:
        headers.setdefault("filer_code", headers["entry_number"])
    present = {*plan.columns, *plan.header_extras, "filer_code"}
    partials = loading.partials_for(present) if plan.derived_summaries else None
    folder = tx.path(lake.QUARANTINE) / quarantine.folder_name(result.sha256)
    batch_index = len(list(folder.glob("*.parquet"))) if folder.exists() else 0
    loaded = 0
    keys = validate.FileKeys(plan.table)  # duplicate rows within the file
    if progress:
        progress(part.name, 0, part.size)  # which part is loading, before its first batch
    for raw, done in part.batches():
        checked = validate.check(values.parse(raw, plan), plan, principal, keys)
        checked = _refuse_others_entries(tx, plan.table, checked, principal)
        loaded += tx.write(plan.table, checked.good)
        batch_index += 1
        loading.batches += 1
        if partials and not checked.good.is_empty():
            derive.write_partial(checked.good, present, partials, loading.batches)
        quarantine.write(
            folder, quarantine.rows(part.name, raw, checked.failures, headers), batch_index
        )
        _count(result, raw.height, checked)
        if progress:
            progress(part.name, done, part.size)
    _ragged(part, folder, batch_index + 1, result)
    result.tables[plan.table] = result.tables.get(plan.table, 0) + loaded


def _replace_overlaps(tx: lake.Transaction, loading: _FileLoad, result: FileResult) -> None:
    """The file's rows replace older rows of the same keys (lines: of the same entries),
    then its derived headers replace the headers of its entries."""
    for name, before in loading.before.items():
        new_files = set(_table_files(tx, name)) - before
        key = REPLACE_KEYS.get(name, TABLES[name].key)
        replaced = replace_overlap(tx, name, new_files, key, TABLES[name].key)
        result.rows_replaced += replaced.rows
        if replaced.dropped:
            _add_note(result, DROPPED.format(rows=replaced.dropped))
    for present, partials in loading.partials.items():
        derived = derive.header_batches(partials, set(present))
        written, replaced_headers = _write_headers(tx, derived, set(present))
        name = ENTRY_SUMMARIES.name
        result.tables[name] = result.tables.get(name, 0) + written
        result.rows_replaced += replaced_headers


DROPPED = (
    "dropped {rows:,} tariff row(s) the lake held for entries this file holds: a download "
    "holds each entry whole, so a line or ordinal missing from it was corrected away"
)


def _add_note(result: FileResult, note: str) -> None:
    result.note = f"{result.note}; {note}" if result.note else note


OTHERS_ENTRY = "already loaded for an importer you may not see; only CBP can replace it"


def _refuse_others_entries(
    tx: lake.Transaction, name: str, checked: validate.Checked, principal: Principal
) -> validate.Checked:
    """Reject rows whose key is already in the lake under someone the uploader may not
    see: replacing them would delete that importer's rows and merge its header fields
    into the uploader's."""
    key = list(REPLACE_KEYS.get(name, TABLES[name].key))
    if principal.role == "cbp" or checked.good.is_empty():
        return checked
    theirs = _others_keys(tx, name, key, principal)
    if key == ["entry_number"] and name != ENTRY_SUMMARIES.name:
        theirs = pl.concat([theirs, _others_keys(tx, ENTRY_SUMMARIES.name, key, principal)])
    hit = checked.good.join(theirs.unique(), on=key, how="semi")
    if hit.is_empty():
        return checked
    failures = hit.select("_row", column=pl.lit(key[0]), reason=pl.lit(OTHERS_ENTRY))
    return validate.Checked(
        checked.good.join(hit.select("_row"), on="_row", how="anti"),
        pl.concat([checked.failures, failures]).sort("_row", "column"),
    )


def _others_keys(
    tx: lake.Transaction, name: str, key: list[str], principal: Principal
) -> pl.DataFrame:
    files = _table_files(tx, name)
    if not files:
        return pl.DataFrame(schema={k: TABLES[name].polars_schema[k] for k in key})
    rows = pl.scan_parquet(files).filter(~access.owned(principal, TABLES[name]))
    return rows.select(key).collect()


def _count(result: FileResult, read: int, checked: validate.Checked) -> None:
    result.rows_read += read
    result.rows_loaded += checked.good.height
    result.rows_rejected += read - checked.good.height
    if checked.failures.is_empty():
        return
    counted = checked.failures.group_by("column", "reason").len()
    for column, reason, count in counted.iter_rows():
        key = f"{column}: {reason}"
        result.reasons[key] = result.reasons.get(key, 0) + count


def _ragged(part: readers.Part, folder: Path, index: int, result: FileResult) -> None:
    if not part.ragged:
        return
    quarantine.write(
        folder, quarantine.ragged_rows(part.name, part.ragged, len(part.headers)), index
    )
    result.rows_read += len(part.ragged)
    result.rows_rejected += len(part.ragged)
    key = "(whole line): wrong number of fields"
    result.reasons[key] = result.reasons.get(key, 0) + len(part.ragged)


@dataclass(frozen=True)
class Replaced:
    rows: int  # older rows replaced
    dropped: int = 0  # of those, rows whose full key the new rows do not carry


def replace_overlap(
    tx: lake.Transaction,
    name: str,
    new_files: set[Path],
    key: Sequence[str],
    grain: Sequence[str] = (),
) -> Replaced:
    """Drop the rows of files older than `new_files` whose `key` the new rows carry;
    `dropped` counts the replaced rows whose `grain` (a finer key) they do not carry."""
    older = [f for f in _table_files(tx, name) if f not in new_files]
    if not new_files or not older:
        return Replaced(0)
    new_rows = pl.scan_parquet(sorted(new_files))
    keys = new_rows.select(key).unique().collect()  # distinct keys
    replaced = dropped = 0
    for file in older:
        rows = pl.scan_parquet(file)
        hits = rows.join(keys.lazy(), on=list(key), how="semi").select(pl.len()).collect().item()
        if not hits:
            continue
        if grain and list(grain) != list(key):
            dropped += _gone(rows.join(keys.lazy(), on=list(key), how="semi"), new_rows, grain)
        kept = rows.join(keys.lazy(), on=list(key), how="anti").collect()
        file.unlink()  # never edit in place: the file may be a link into the last snapshot
        tx.write(name, kept)
        replaced += hits
    return Replaced(replaced, dropped)


def _gone(old: pl.LazyFrame, new: pl.LazyFrame, grain: Sequence[str]) -> int:
    """How many of the `old` rows' `grain` keys the `new` rows do not carry."""
    carried = new.select(grain).join(old.select(grain), on=list(grain), how="semi")
    return old.join(carried, on=list(grain), how="anti").select(pl.len()).collect().item()


def _check_headers(loading: _FileLoad, source: str) -> None:
    """Fail the file `source` if an entry's lines sum past what its header can hold
    (more than a million lines at the ceiling on one entry)."""
    for present, partials in loading.partials.items():
        for batch in derive.header_batches(partials, set(present)):
            if problem := derive.too_large(batch):
                raise readers.ReadError(f"{source}: {problem}")


def _write_headers(
    tx: lake.Transaction, derived: Iterator[pl.DataFrame], present: set[str]
) -> tuple[int, int]:
    """Write derived entry summaries batch by batch (bounded memory), completed from and
    then replacing earlier rows of the same entries; returns (written, replaced)."""
    name = ENTRY_SUMMARIES.name
    old = _table_files(tx, name)
    written = 0
    for batch in derived:
        existing = (
            pl.scan_parquet(old)
            .join(batch.lazy().select("entry_number"), on="entry_number", how="semi")
            .collect()
            if old
            else pl.DataFrame()
        )
        written += tx.write(name, derive.merge_existing(batch, existing, present))
    new_files = set(_table_files(tx, name)) - set(old)
    return written, replace_overlap(tx, name, new_files, ("entry_number",)).rows
