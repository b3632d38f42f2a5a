"""A real Prometheus (the Debian binary) scraping a small stdlib exporter, shared by the whole session.

The exporter serves several metric families side by side, one per scenario, distinguished by the metric
prefix the source is configured with:
- ``trafficshift_*``: pillar/load/normal.yaml as gauges (the round trip)
- ``stale_*``: the same, but one link counter carries an explicit sample time `STALE_AGE_S` before the
  exporter started (`stale_sample_ms`)
- ``partial_*``: the same, without the counter of `PARTIAL_MISSING_LINK`
- ``nonfinite_*``: the same, with one link counter NaN
"""
from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time

import pytest
import requests
import yaml

from trafficshift.validation import parse_network

from loadsource_scenarios import DOWN_LINK, NONFINITE_LINK, PARTIAL_MISSING_LINK, REPO, STALE_AGE_S, STALE_LINK

PROMETHEUS = "/usr/bin/prometheus"


def _example(relative: str) -> dict:
    return yaml.safe_load((REPO / "pillar" / relative).read_text())


@pytest.fixture(scope="session")
def network_data() -> dict:
    return _example("traffic/network.sls")["traffic"]


@pytest.fixture(scope="session")
def network(network_data):
    return parse_network(network_data)


@pytest.fixture(scope="session")
def normal_load() -> dict:
    return _example("load/normal.yaml")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{key}="{value}"' for key, value in labels.items()) + "}"


def exposition(prefix: str, load: dict, *, drop_link=None, nan_link=None, old_link=None, old_ms=None,
               down_link=None, up_value=None) -> list[str]:
    """The load as Prometheus text-format lines for the metric family `prefix`."""
    lines = [f"# TYPE {prefix}_egress_bps gauge"]
    for demand in load["egress"]:
        router, interface = demand["link"].split(":", 1)
        lines.append(f"{prefix}_egress_bps{_labels(prefix=demand['prefix'], router=router, interface=interface)} {demand['bps']}")
    lines.append(f"# TYPE {prefix}_link_out_bps gauge")
    for link, counter in load["links"].items():
        if link == drop_link:
            continue
        router, interface = link.split(":", 1)
        value = "NaN" if link == nan_link else counter["out_bps"]
        stamp = f" {old_ms}" if link == old_link else ""
        lines.append(f"{prefix}_link_out_bps{_labels(router=router, interface=interface)} {value}{stamp}")
    if down_link is not None:  # the optional operational state, only in the families that test it
        lines.append(f"# TYPE {prefix}_link_up gauge")
        for link in load["links"]:
            router, interface = link.split(":", 1)
            value = (up_value if up_value is not None else 0) if link == down_link else 1
            lines.append(f"{prefix}_link_up{_labels(router=router, interface=interface)} {value}")
    lines.append(f"# TYPE {prefix}_site_ingress_bps gauge")
    for site, site_load in load["sites"].items():
        lines.append(f"{prefix}_site_ingress_bps{_labels(site=site)} {site_load['ingress_bps']}")
        for pool, bps in site_load["pools"].items():
            lines.append(f"{prefix}_site_ingress_bps{_labels(site=site, pool=pool)} {bps}")
    return lines


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stale_sample_ms() -> int:
    """The explicit sample time of the `stale` family's old sample, in ms as the text format wants."""
    return int((time.time() - STALE_AGE_S) * 1000)


@pytest.fixture(scope="session")
def exporter(normal_load, stale_sample_ms):
    """A stdlib HTTP server on 127.0.0.1 serving the scenario families at /metrics."""
    body = "\n".join(
        exposition("trafficshift", normal_load)
        + exposition("stale", normal_load, old_link=STALE_LINK, old_ms=stale_sample_ms)
        + exposition("partial", normal_load, drop_link=PARTIAL_MISSING_LINK)
        + exposition("nonfinite", normal_load, nan_link=NONFINITE_LINK)
        + exposition("linkdown", normal_load, down_link=DOWN_LINK)
        + exposition("updoubt", normal_load, down_link=DOWN_LINK, up_value=0.5)
    ).encode() + b"\n"

    class Metrics(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # Prometheus gave up on a scrape (its timeout on a busy machine); it scrapes again in 1 s

        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _queryable(url: str, query: str) -> float:
    answer = requests.get(f"{url}/api/v1/query", params={"query": query}, timeout=2).json()
    result = answer["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


@pytest.fixture(scope="session")
def prometheus(exporter, normal_load, tmp_path_factory):
    """URL of a real Prometheus scraping `exporter` every second, once every family is queryable."""
    if shutil.which(PROMETHEUS) is None:
        pytest.fail(f"{PROMETHEUS} is missing: install the Debian package `prometheus` (.ci/apt-packages)")
    workdir = tmp_path_factory.mktemp("prometheus")
    config = workdir / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs: [{{job_name: exporter, static_configs: [{{targets: ['{exporter}']}}]}}]\n"
    )
    port = _free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--query.lookback-delta=1h",  # the stale family's old sample stays visible
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    links = len(normal_load["links"])
    expected = {"trafficshift": links, "stale": links, "partial": links - 1, "nonfinite": links, "linkdown": links,
                "updoubt": links}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if all(_queryable(url, f"count({prefix}_link_out_bps)") == count for prefix, count in expected.items()) \
                        and all(_queryable(url, f"count({prefix}_link_up)") == links for prefix in ("linkdown", "updoubt")):
                    break
            except (requests.RequestException, KeyError, ValueError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prometheus did not become queryable:\n{(workdir / 'prometheus.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
