"""Loads that survive reruns: the Data page's ingest runs in a thread of its own.

A load run inside the script dies with the run: a widget changed while it works stops
the script at its next Streamlit call (the progress bar), and the transaction is dropped.
So the page hands the uploaded bytes to a `LoadJob` here and returns; the job runs
`ingest_uploads` in a background thread, keeps its progress and its results, and every
later run of the page (any rerun, any widget) reads them back by `session_key`: the
session, the principal and the lake, so a result is only ever shown to whoever loaded it.

The thread never calls Streamlit (no st.* off the script thread): it only writes the
job's fields, under the job's lock. The principal and the lake path are captured by
value when the job starts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from data_access.access import Principal
from data_access.ingest.load import FileResult
from data_access.ingest.uploads import ingest_uploads
from ui.words import counted

log = logging.getLogger(__name__)
KEEP_FINISHED_S = 6 * 3600  # a finished job's result stays this long (then it is dropped)
Key = tuple[str, str, str]  # (session id, principal key, lake)
Loader = Callable[..., list[FileResult]]


@dataclass
class LoadJob:
    """One load: its files (the user's names), progress, and in the end its results."""

    files: tuple[str, ...]
    principal: Principal
    total_bytes: int
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    current: str = ""  # the file (part) being read
    done_bytes: int = 0  # of the files before `current`, plus `current`'s progress
    results: list[FileResult] | None = None
    error: str = ""  # the whole load failed (nothing was written)
    _before: int = 0  # bytes of the files finished before `current`
    _sizes: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.finished is None

    def fraction(self) -> float:
        with self._lock:
            return min(self.done_bytes / max(self.total_bytes, 1), 1.0)

    def status(self) -> str:
        """One line for the progress bar: which file, how far."""
        with self._lock:
            name = self.current or (self.files[0] if self.files else "")
            percent = min(self.done_bytes / max(self.total_bytes, 1), 1.0) * 100
        return f"Loading {name}: {percent:.0f}% of {counted(len(self.files), 'file')}…"

    def progress(self, part: str, done: int, total: int) -> None:
        """The ingest's progress callback (runs in the job's thread)."""
        with self._lock:
            if part != self.current:
                if self.current:
                    self._before += self._sizes.get(self.current, 0)
                self.current = part
            self._sizes[part] = total
            self.done_bytes = self._before + min(done, total)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (tests and shutdown); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


_JOBS: dict[Key, LoadJob] = {}
_LOCK = threading.Lock()


def session_key(session_id: str, principal: Principal, where: Path) -> Key:
    return (session_id, principal.key, str(where))


def current(key: Key) -> LoadJob | None:
    """The running or last finished load of this session and principal."""
    with _LOCK:
        return _JOBS.get(key)


def start(
    key: Key,
    where: Path,
    uploads: Sequence[tuple[str, bytes]],
    principal: Principal,
    *,
    loader: Loader = ingest_uploads,
) -> LoadJob:
    """Start loading `uploads` (name, bytes) as `principal`; the running job if one is."""
    with _LOCK:
        _prune()
        running = _JOBS.get(key)
        if running is not None and running.running:
            return running
        job = LoadJob(
            files=tuple(name for name, _ in uploads),
            principal=principal,
            total_bytes=sum(len(content) for _, content in uploads),
        )
        files = list(uploads)  # by value: the thread owns them from here
        job._thread = threading.Thread(
            target=_run,
            args=(job, loader, Path(where), files, principal),
            name=f"itrac-load-{principal.key}",
            daemon=True,
        )
        _JOBS[key] = job
    job._thread.start()
    return job


def _run(
    job: LoadJob,
    loader: Loader,
    where: Path,
    files: list[tuple[str, bytes]],
    principal: Principal,
) -> None:
    try:
        results = loader(where, files, principal, job.progress)
        with job._lock:
            job.results = results
            job.done_bytes = job.total_bytes
    except Exception as error:  # the whole transaction was dropped: say so, keep serving
        log.exception("load of %s as %s failed", ", ".join(job.files), principal.key)
        with job._lock:
            job.error = f"{type(error).__name__}: {error}"
    finally:
        files.clear()  # the uploaded bytes are not kept once loaded
        with job._lock:
            job.finished = time.monotonic()


def _prune() -> None:
    """Drop results finished long ago (called under _LOCK)."""
    now = time.monotonic()
    for key in [k for k, j in _JOBS.items() if j.finished and now - j.finished > KEEP_FINISHED_S]:
        del _JOBS[key]


def wait_all(timeout: float = 60.0) -> bool:
    """Wait for every running load (tests); True when none is left running."""
    deadline = time.monotonic() + timeout
    with _LOCK:
        jobs = list(_JOBS.values())
    for job in jobs:
        job.wait(max(deadline - time.monotonic(), 0))
    return all(not j.running for j in jobs)
