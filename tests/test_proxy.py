"""nginx from Debian in front of gunicorn keeps probes fast while slowloris sockets are open."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.server import ROOT, free_port, start_gunicorn, wait_ready

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SLOW_SOCKETS = 50


def render_config(tmp: Path, upstream: str, port: int) -> Path:
    server = (ROOT / "deploy" / "nginx" / "briefly.conf.template").read_text()
    server = server.replace("${BRIEFLY_UPSTREAM}", upstream).replace("${LISTEN_PORT}", f"127.0.0.1:{port}")
    (tmp / "briefly.conf").write_text(server)
    temp = {k: tmp / k for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {tmp}/briefly.conf;
}}
"""
    )
    return conf


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], float]:
    import http.client

    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, dict(response.getheaders()), time.monotonic() - started


@pytest.mark.slow
@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx; .ci/run installs it)")
def test_probes_stay_fast_behind_nginx_with_50_slowloris_sockets(tmp_path: Path) -> None:
    proc, base = start_gunicorn()
    port = free_port()
    nginx = subprocess.Popen(
        [
            NGINX,
            "-c",
            str(render_config(tmp_path, base.removeprefix("http://"), port)),
            "-e",
            str(tmp_path / "error.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    slow: list[socket.socket] = []
    try:
        wait_ready(base, proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                get(port, "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(SLOW_SOCKETS):  # each sends half a request and then dribbles
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(
                b"POST /v1/briefings HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nSome"
            )
            slow.append(s)
        worst = 0.0
        for _ in range(5):
            for s in slow:
                s.sendall(b" a")
            status, headers, took = get(port, "/healthz", {"X-Request-ID": "probe-1"})
            assert status == 200
            assert headers.get("X-Request-ID") == "probe-1"
            worst = max(worst, took)
            time.sleep(0.2)
        assert worst < 1.0, f"/healthz took {worst:.2f} s with {SLOW_SOCKETS} slow sockets open"
        status, headers, _ = get(port, "/readyz")
        assert status == 200
        assert len(headers.get("X-Request-ID", "")) == 32
    finally:
        for s in slow:
            s.close()
        nginx.terminate()
        nginx.wait(10)
        proc.terminate()
        proc.wait(60)
