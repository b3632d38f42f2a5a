"""A real Prometheus (the Debian binary) on loopback for a test session, scraping given jobs every second."""
from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests
import yaml

PROMETHEUS = "/usr/bin/prometheus"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query(url: str, expression: str) -> list[dict]:
    """The instant vector of `expression` (Prometheus' `result` list)."""
    answer = requests.get(f"{url}/api/v1/query", params={"query": expression}, timeout=5).json()
    return answer["data"]["result"]


@contextlib.contextmanager
def running_prometheus(workdir: Path, jobs: list[dict], ready: Callable[[str], bool], *,
                       extra_args: tuple[str, ...] = (), timeout_s: float = 60) -> Iterator[str]:
    """Prometheus scraping `jobs` (scrape_configs entries) every second; yields its URL once `ready(url)`,
    and stops it on exit."""
    if shutil.which(PROMETHEUS) is None:
        pytest.fail(f"{PROMETHEUS} is missing: install the Debian package `prometheus` (.ci/apt-packages)")
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": jobs,
    }))
    port = free_port()
    log_path = workdir / "prometheus.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn", *extra_args],
            stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    if ready(url):
                        break
                except (requests.RequestException, KeyError, ValueError, IndexError):
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"prometheus did not become ready:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
