"""A real Prometheus (the Debian binary) scraping a small stdlib exporter, shared by the whole session.

The exporter serves several metric families side by side, one per scenario, distinguished by the metric
prefix the source is configured with:
- ``trafficshift_*``: pillar/load/normal.yaml as gauges (the round trip)
- ``stale_*``: the same, but one link counter carries an explicit sample time `STALE_AGE_S` before the
  exporter started (`stale_sample_ms`)
- ``partial_*``: the same, without the counter of `PARTIAL_MISSING_LINK`
- ``nonfinite_*``: the same, with one link counter NaN
- ``linkdown_*``, ``updoubt_*``: the same, with `DOWN_LINK` operationally down (0) or in doubt (0.5)

Besides /metrics it serves the link counters the way real exporters do, as byte counters growing at the
normal load's `out_bps / 8` per second from `COUNTER_OFFSET`, for every network interface plus an unused port
per router (`EXTRA_PORT`, ifOperStatus dormant(5)):
- ``/snmp?target=<device>&module=if_mib``: the Prometheus SNMP exporter's IF-MIB module, one device per
  target: ``ifHCOutOctets`` and ``ifOperStatus`` with ifIndex, ifName, ifDescr, ifAlias. A router's name as
  target: ifName is the interface, ifAlias a description, `DOWN_LINK` down(2). Its router id as target (the
  scrape job ``snmp_by_address``): ifName is ``port<ifIndex>``, ifAlias holds the interface name (operators
  who name links in the description), `ADDRESSED_DOWN_LINK` lowerLayerDown(7).
- ``/gnmic``: gNMIc's Prometheus output with its defaults, ``interfaces_interface_state_counters_out_octets``
  with ``source="<router>:57400"``, ``interface_name`` and ``subscription_name``.
Both carry their own sample times (gNMIc's ``export-timestamps``; the SNMP exporter does not, the test one
does) so that the counters grow exactly linearly between samples; without them, the milliseconds between
Prometheus' scrape time and the exporter's clock read would show as noise of about 1e-4. rate() extrapolates
to a window edge when the nearest sample is within 1.1 scrape intervals of it, so over a full 30 s window of
1 s scrapes (`prometheus_counters` waits for one) it returns the slope to float precision, unless a scrape
lands more than 0.1 s late at an edge (a busy machine): it then extrapolates half an interval there, and a
scrape L s late leaves the rate short by about (0.5 + L) / 30. The tests allow for that
(test_loadsource_presets._assert_counters), and the load stays within the validation's 10% counter
tolerance unless a scrape is 2.5 s late (with a 10 s window, half a second late failed it once on CI).
"""
from __future__ import annotations

import http.server
import threading
import time
import urllib.parse

import pytest
import yaml

from prometheus_server import query, running_prometheus
from trafficshift.validation import parse_network

from loadsource_scenarios import (ADDRESSED_DOWN_LINK, COUNTER_OFFSET, DOWN_LINK, EXTRA_PORT, EXTRA_PORT_BPS, GNMIC_PORT,
                                  NONFINITE_LINK, PARTIAL_MISSING_LINK, REPO, STALE_AGE_S, STALE_LINK)

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


def _ports(router: str, spec: dict, load: dict) -> list[tuple[str, int, dict | None]]:
    """(interface, bytes per second, link spec or None for the unused port) of one router, in ifIndex order."""
    ports = [(interface, load["links"][f"{router}:{interface}"]["out_bps"] // 8, link)
             for interface, link in sorted(spec["links"].items())]
    return ports + [(EXTRA_PORT[spec["vendor"]], EXTRA_PORT_BPS // 8, None)]


def _octets(bytes_per_s: int, now_ms: int, start_ms: int) -> int:
    """A byte counter at `now_ms`, exactly linear in time (all example rates are whole bytes per millisecond)."""
    return COUNTER_OFFSET + bytes_per_s * (now_ms - start_ms) // 1000


def snmp_exposition(router: str, spec: dict, load: dict, *, by_address: bool, now_ms: int, start_ms: int) -> list[str]:
    """One device as the SNMP exporter's if_mib module shows it (see the module docstring for the two views)."""
    counters, states = ["# TYPE ifHCOutOctets counter"], ["# TYPE ifOperStatus gauge"]
    for index, (interface, bytes_per_s, link) in enumerate(_ports(router, spec, load), start=1):
        name = f"port{index}" if by_address else interface
        labels = {"ifDescr": name, "ifIndex": str(index), "ifName": name}
        if link is not None:  # the unused port has no description: the exporter drops the empty ifAlias
            labels["ifAlias"] = interface if by_address else f"{link['peer']} {link['kind']}"
        down_link, down_state = (ADDRESSED_DOWN_LINK, 7) if by_address else (DOWN_LINK, 2)
        state = 5 if link is None else down_state if f"{router}:{interface}" == down_link else 1
        counters.append(f"ifHCOutOctets{_labels(**labels)} {_octets(bytes_per_s, now_ms, start_ms)} {now_ms}")
        states.append(f"ifOperStatus{_labels(**labels)} {state} {now_ms}")
    return counters + states


def gnmic_exposition(routers: dict, load: dict, *, now_ms: int, start_ms: int) -> list[str]:
    """Every router's OpenConfig out-octets as gNMIc's Prometheus output names them by default."""
    metric = "interfaces_interface_state_counters_out_octets"
    lines = [f"# TYPE {metric} untyped"]
    for router, spec in sorted(routers.items()):
        for interface, bytes_per_s, _ in _ports(router, spec, load):
            labels = _labels(interface_name=interface, source=f"{router}:{GNMIC_PORT}", subscription_name="interfaces")
            lines.append(f"{metric}{labels} {_octets(bytes_per_s, now_ms, start_ms)} {now_ms}")
    return lines


@pytest.fixture(scope="session")
def stale_sample_ms() -> int:
    """The explicit sample time of the `stale` family's old sample, in ms as the text format wants."""
    return int((time.time() - STALE_AGE_S) * 1000)


@pytest.fixture(scope="session")
def exporter(network_data, normal_load, stale_sample_ms):
    """A stdlib HTTP server on 127.0.0.1: the scenario families at /metrics, SNMP exporter devices at /snmp,
    gNMIc's output at /gnmic."""
    metrics = "\n".join(
        exposition("trafficshift", normal_load)
        + exposition("stale", normal_load, old_link=STALE_LINK, old_ms=stale_sample_ms)
        + exposition("partial", normal_load, drop_link=PARTIAL_MISSING_LINK)
        + exposition("nonfinite", normal_load, nan_link=NONFINITE_LINK)
        + exposition("linkdown", normal_load, down_link=DOWN_LINK)
        + exposition("updoubt", normal_load, down_link=DOWN_LINK, up_value=0.5)
    ).encode() + b"\n"
    routers = network_data["routers"]
    # target -> (router, scraped by address?)
    devices = {**{name: (name, False) for name in routers},
               **{spec["router_id"]: (name, True) for name, spec in routers.items()}}
    start_ms = int(time.time() * 1000)

    class Metrics(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query)
            now_ms = int(time.time() * 1000)
            status, body = 200, metrics
            if url.path == "/snmp":
                target = params.get("target", [""])[0]
                if target not in devices or params.get("module") != ["if_mib"]:
                    status, body = 400, b"unknown target or module\n"
                else:
                    router, by_address = devices[target]
                    lines = snmp_exposition(router, routers[router], normal_load, by_address=by_address,
                                            now_ms=now_ms, start_ms=start_ms)
                    body = "\n".join(lines).encode() + b"\n"
            elif url.path == "/gnmic":
                lines = gnmic_exposition(routers, normal_load, now_ms=now_ms, start_ms=start_ms)
                body = "\n".join(lines).encode() + b"\n"
            self.send_response(status)
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


def _snmp_job(name: str, targets: list[str], exporter: str) -> dict:
    """A scrape job for the SNMP exporter as its documentation sets it up: the device is the `target`
    parameter and the `instance` label, the exporter the address scraped."""
    return {
        "job_name": name,
        "metrics_path": "/snmp",
        "params": {"module": ["if_mib"]},
        "static_configs": [{"targets": targets}],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": exporter},
        ],
    }


def _queryable(url: str, expression: str) -> float:
    result = query(url, expression)
    return float(result[0]["value"][1]) if result else 0.0


@pytest.fixture(scope="session")
def prometheus(exporter, network_data, normal_load, tmp_path_factory):
    """URL of a real Prometheus scraping `exporter` every second, once every family is queryable."""
    routers = network_data["routers"]
    jobs = [
        {"job_name": "exporter", "static_configs": [{"targets": [exporter]}]},
        _snmp_job("snmp", sorted(routers), exporter),
        _snmp_job("snmp_by_address", sorted(spec["router_id"] for spec in routers.values()), exporter),
        {"job_name": "gnmic", "metrics_path": "/gnmic", "static_configs": [{"targets": [exporter]}]},
    ]
    links = len(normal_load["links"])
    expected = {"trafficshift": links, "stale": links, "partial": links - 1, "nonfinite": links, "linkdown": links,
                "updoubt": links}

    def ready(url: str) -> bool:
        return all(_queryable(url, f"count({prefix}_link_out_bps)") == count for prefix, count in expected.items()) \
            and all(_queryable(url, f"count({prefix}_link_up)") == links for prefix in ("linkdown", "updoubt"))

    # the stale family's old sample stays visible
    with running_prometheus(tmp_path_factory.mktemp("prometheus"), jobs, ready,
                            extra_args=("--query.lookback-delta=1h",)) as url:
        yield url


@pytest.fixture(scope="session")
def prometheus_counters(prometheus, network_data):
    """`prometheus` once every exporter-shaped counter has samples over a whole 30 s rate window (rate() needs
    two samples, and extrapolates exactly only over a full window: at least 31 samples in the last 32 s)."""
    ports = sum(len(spec["links"]) + 1 for spec in network_data["routers"].values())
    selectors = ('ifHCOutOctets{job="snmp"}', 'ifHCOutOctets{job="snmp_by_address"}',
                 "interfaces_interface_state_counters_out_octets")
    deadline = time.monotonic() + 90
    while not all(_queryable(prometheus, f"count(count_over_time({selector}[32s]) >= 31)") == ports
                  for selector in selectors):
        if time.monotonic() > deadline:
            pytest.fail(f"the exporter-shaped counters did not fill a rate window: {selectors}")
        time.sleep(0.5)
    return prometheus
