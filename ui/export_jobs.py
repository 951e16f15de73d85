"""Files built in the background, with their progress on the page.

A large Excel file takes minutes (xlsxwriter writes cell by cell), a large CSV or Parquet
file some seconds; a download button's
callable runs while the browser waits, silently, and the browser gave up at 180 s. So the
page starts an `ExportJob` here: a thread writes the file (export.write_batches, in
bounded memory) to a temporary folder and counts its rows; every run of the page shows
the job's progress, then the download of the finished file. A job is keyed by the
session, the principal and what it exports (`Key`), so a file is only ever offered to
whoever asked for it, and for the rows on screen (changed filters: another key).

The thread never calls Streamlit: it only writes the job's fields, under its lock. What
it exports (a callable writing the file) captures the principal and filters by value.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from data_access import export

log = logging.getLogger(__name__)
KEEP_FINISHED_S = 3600  # a built file stays this long, then it is deleted
Key = tuple[str, ...]  # (session id, principal key, export name, headers, what it holds)
Write = Callable[[Path, export.Progress], int]  # (file, progress) -> rows written


@dataclass
class ExportJob:
    """One file being built: its rows so far, and in the end the file or an error
    (`too_large`: it grew past the size allowed, export.TooLarge; `error` says how)."""

    file_name: str
    total: int
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="itrac-export-")))
    done: int = 0
    finished: float | None = None
    error: str = ""
    too_large: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        return self.folder / self.file_name

    @property
    def running(self) -> bool:
        return self.finished is None

    def fraction(self) -> float:
        with self._lock:
            return min(self.done / max(self.total, 1), 1.0)

    def status(self) -> str:
        with self._lock:
            return f"Building {self.file_name}: {self.done:,} of {self.total:,} rows…"

    def progress(self, done: int) -> None:
        with self._lock:
            self.done = done

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the file is built (tests); True when it is."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


_JOBS: dict[Key, ExportJob] = {}
_LOCK = threading.Lock()


def current(key: Key) -> ExportJob | None:
    with _LOCK:
        return _JOBS.get(key)


def start(key: Key, write: Write, *, file_name: str, total: int) -> ExportJob:
    """Build `file_name` of `total` rows with `write`; the job already running or built
    for `key` if there is one (a failed one is started again)."""
    with _LOCK:
        _prune()
        job = _JOBS.get(key)
        if job is not None and not job.error:
            return job
        job = ExportJob(file_name=file_name, total=total)
        job._thread = threading.Thread(
            target=_run, args=(job, write), name=f"export-{file_name}", daemon=True
        )
        _JOBS[key] = job
        job._thread.start()
        return job


def _run(job: ExportJob, write: Write) -> None:
    try:
        write(job.path, job.progress)
    except export.TooLarge as error:  # the page says why and what to do instead
        job.error, job.too_large = str(error), True
    except Exception as error:  # the page says so; the server goes on
        log.exception("building %s failed", job.file_name)
        job.error = f"{type(error).__name__}: {error}"
    finally:
        job.finished = time.monotonic()


def _prune() -> None:
    """Drop (and delete the files of) jobs finished more than KEEP_FINISHED_S ago."""
    now = time.monotonic()
    for key, job in list(_JOBS.items()):
        if job.finished is not None and now - job.finished > KEEP_FINISHED_S:
            shutil.rmtree(job.folder, ignore_errors=True)
            del _JOBS[key]
