"""A real sign-in proxy in front of a test server: Debian's nginx on loopback.

A deployment behind an authenticating proxy (docs/security.md) has the proxy name the
signed-in user in a header on every request it forwards, the WebSocket upgrade
included (Streamlit reads the header from the request that opens the session: the
WebSocket). Playwright's `extra_http_headers` do not reliably reach that request, so
the tests go through nginx as a deployment does: one listening port per test user,
each overwriting the header with that user's name (or removing it: `None`), whatever
the browser sent.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.helpers import ServerHandle

START_TIMEOUT_S = 30
SAFE_VALUE = re.compile(r"^[A-Za-z0-9@._+-]*$")  # nothing nginx's config syntax would read
SAFE_HEADER = re.compile(r"^[A-Za-z0-9-]+$")

CONFIG = """\
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
{servers}
}}
"""
SERVER = """\
    server {{  # {label}
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            # Replaces any such header from the client; "" removes it.
            proxy_set_header {header} "{value}";
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
    }}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        pytest.fail("Debian's nginx is missing; run: bash scripts/system_packages.sh")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nginx_config(
    where: Path, upstream: int, header: str, users: Mapping[str, str | None]
) -> tuple[str, dict[str, int]]:
    """The config text and each user label's port."""
    if not SAFE_HEADER.match(header):
        raise ValueError(f"header name {header!r} is not a plain token")
    ports = {label: _free_port() for label in users}
    servers = []
    for label, value in users.items():
        if value is not None and not SAFE_VALUE.match(value):
            raise ValueError(f"{value!r} needs quoting in nginx's config; use a plainer name")
        servers.append(
            SERVER.format(
                label=label, port=ports[label], upstream=upstream, header=header, value=value or ""
            )
        )
    # As root the workers would otherwise run as "nobody" and not reach the temp dirs.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    return CONFIG.format(user=user, dir=where, servers="".join(servers)), ports


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return answer.read().strip() == b"ok"
    except OSError:
        return False


@contextmanager
def sign_in_proxy(
    server: ServerHandle, header: str, users: Mapping[str, str | None], where: Path
) -> Iterator[dict[str, str]]:
    """nginx in front of `server`: yields user label -> the base URL that user opens."""
    upstream = int(server.url.rsplit(":", 1)[1])
    text, ports = nginx_config(where, upstream, header, users)
    config = where / "nginx.conf"
    config.write_text(text)
    log = where / "nginx.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [nginx_binary(), "-p", str(where), "-c", str(config), "-g", "daemon off;"],
            stdout=output,
            stderr=output,
        )
    urls = {label: f"http://localhost:{port}" for label, port in ports.items()}
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(_healthy(url) for url in urls.values()):
            if process.poll() is not None or time.monotonic() > deadline:
                errors = (where / "error.log").read_text() if (where / "error.log").exists() else ""
                pytest.fail(
                    f"nginx did not proxy {server.url} within {START_TIMEOUT_S} s (exit code "
                    f"{process.poll()}):\n{log.read_text()}\n{errors}\nconfig:\n{text}"
                )
            time.sleep(0.2)
        yield urls
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
