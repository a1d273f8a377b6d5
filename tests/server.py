"""Start gunicorn as the README does, on a free port, for end-to-end and lifecycle tests."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(
    url: str, body: bytes | None = None, content_type: str = "application/json", timeout: float = 300
) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type} if body else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_ready(base: str, proc: subprocess.Popen, limit_s: float = 180) -> float:
    """Seconds until /readyz answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        try:
            if call(base + "/readyz", timeout=2)[0] == 200:
                return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        time.sleep(0.1)
    raise TimeoutError(f"not ready within {limit_s} s")


def short_dir(prefix: str = "bq") -> Path:
    """A data directory with a short path (the embedded queue's Unix socket must fit ~100 bytes)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def start_gunicorn(**env: str) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free port; its batch data (and embedded queue) in ``BRIEFLY_DATA_DIR`` when
    given, else in a fresh directory, never in the user's own."""
    port = free_port()
    environ = dict(
        os.environ, PORT=str(port), BRIEFLY_HOST="127.0.0.1", BRIEFLY_WORKERS="1", BRIEFLY_LOG_FORMAT="text", **env
    )
    environ["BRIEFLY_DATA_DIR"] = env.get("BRIEFLY_DATA_DIR") or str(short_dir())  # never the shell's
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "service.http.wsgi:app"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


@contextmanager
def running_gunicorn(**env: str) -> Iterator[str]:
    """gunicorn started as the README says, ready; its base URL for the ``with`` block."""
    data = short_dir()
    proc, base = start_gunicorn(**{"BRIEFLY_DATA_DIR": str(data), **env})
    try:
        wait_ready(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the master's children but the embedded batch queue's redis-server."""
    try:
        children = [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []
    found = []
    for pid in children:
        try:
            if b"redis-server" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue  # gone meanwhile
    return found
