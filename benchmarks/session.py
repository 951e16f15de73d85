"""A dashboard session's memory: a real `streamlit run dashboard.py` over the lake, every
page opened in chromium (5-year period, demo mode: the first demo user, CBP), and the
server process's resident memory read from /proc after each page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ROOT, emit

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGE_TIMEOUT_MS = 600_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mib(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of process `pid` in MiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def _start(lake: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "ITRAC_DEMO": "1", "ITRAC_LAKE": str(lake), "ITRAC_ENGINE": "duckdb"}
    users = ROOT / "config" / "demo_users.yaml"
    if users.exists():
        env["ITRAC_USERS"] = str(users)
    argv = [sys.executable, "-m", "streamlit", "run", "dashboard.py"]
    argv += ["--server.port", str(port), "--server.headless", "true"]
    argv += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    server = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError(f"the dashboard did not start; see {log}")


def run_session(lake: Path, out: Callable[[str], None] = print) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from benchmarks.pages import PAGES
    from dashboard import PAGES as FRAME_PAGES
    from tests.browser.helpers import COUNT_RUNS, wait_for_app

    urls = {module: (url, title) for module, title, _icon, url, _table in FRAME_PAGES}

    port = _free_port()
    server = _start(lake, port, lake.parent / f"{lake.name}-session.log")
    lines = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.add_init_script(COUNT_RUNS)
            for module in PAGES:
                url, title = urls[module]
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/{url}?period=Last+5+years")
                wait_for_app(page, timeout_ms=PAGE_TIMEOUT_MS)
                shown = page.locator("h1").first.inner_text()
                if title not in shown:  # landed elsewhere: the figure would be meaningless
                    raise RuntimeError(f"/{url} showed {shown!r}, not {title!r}")
                rss, peak = _memory_mib(server.pid)
                line = {
                    "bench": "session",
                    "page": module,
                    "render_s": time.perf_counter() - started,
                    "rss_mib": rss,
                    "peak_rss_mib": peak,
                    "met": "yes" if peak < 1024 else "no",
                }
                lines.append(emit(line, out))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return lines
