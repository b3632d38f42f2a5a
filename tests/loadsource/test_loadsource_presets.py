"""The prometheus source's link counter presets (SNMP exporter IF-MIB, OpenConfig via gNMIc) and custom PromQL,
against a real Prometheus scraping exporter-shaped test endpoints (conftest.py)."""
from __future__ import annotations

import socket
import time

import pytest

from trafficshift.sources import LoadSourceError, get_source
from trafficshift.validation import parse_load

from loadsource_scenarios import ADDRESSED_DOWN_LINK, DOWN_LINK, EXTRA_PORT

WINDOW = "30s"  # thirty 1 s scrapes (conftest.py: rate() is exact over a full window of linear counters)
SNMP_CUSTOM = {
    "out_bps": f'rate(ifHCOutOctets{{job="snmp"}}[{WINDOW}]) * 8',
    "stamp": 'timestamp(ifHCOutOctets{job="snmp"})',
    "router_label": "instance",
    "interface_label": "ifName",
    "up": 'ifOperStatus{job="snmp"} == bool 1',
}


def _fetch(url: str, network, **options) -> dict:
    return get_source("prometheus", url=url, rate_window=WINDOW, **options).fetch(network)


def _assert_counters(load: dict, normal_load: dict, down: set[str]) -> None:
    """The example load's counters through rate(), `down` the links reported down.

    rate() of the linear test counters is exact, except when a scrape lands more than 0.1 s late at an edge
    of the window (a busy machine): Prometheus then extrapolates only half an interval there, and the rate
    falls short by up to a few tenths. A device's counters are scraped together, so they fall short by one
    factor: every link of a router is its example rate times the same ratio, to float precision (a counter on
    the wrong link, in bytes or per millisecond would not be), and that ratio is 1 or a little under it."""
    assert load["links"].keys() == normal_load["links"].keys()
    ratios: dict[str, list[float]] = {}
    for link, counter in normal_load["links"].items():
        ratios.setdefault(link.split(":")[0], []).append(load["links"][link]["out_bps"] / counter["out_bps"])
    for router, found in ratios.items():
        assert found == pytest.approx([found[0]] * len(found), rel=1e-9), router
        assert 0.7 < found[0] <= 1 + 1e-9, router
    assert {link for link, counter in load["links"].items() if "up" in counter} == down
    assert all(load["links"][link]["up"] is False for link in down)


def _assert_fresh(load: dict, network, before: float) -> None:
    assert before - 30 < load["timestamp"] <= time.time()
    check = parse_load(load, network, now=time.time())
    assert not check.stale, check.reasons


def _with_link(network, link_id: str):
    """`network` with one more link (a copy of one of the router's links) at `link_id`."""
    router_name, interface = link_id.split(":", 1)
    router = network.routers[router_name]
    links = {**router.links, interface: next(iter(router.links.values()))}
    routers = {**network.routers, router_name: router.model_copy(update={"links": links})}
    return network.model_copy(update={"routers": routers})


def _unreachable_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_snmp_exporter_counters(prometheus_counters, network, normal_load):
    before = time.time()
    load = _fetch(prometheus_counters, network, counters="snmp_exporter")

    # the unused ports (dormant, no ifAlias) and the devices scraped by address are not links: ignored
    _assert_counters(load, normal_load, down={DOWN_LINK})
    assert load["sites"] == normal_load["sites"]  # demands and site ingress still come from our own gauges
    assert len(load["egress"]) == len(normal_load["egress"])
    _assert_fresh(load, network, before)


def test_openconfig_counters_from_gnmic(prometheus_counters, network, normal_load):
    before = time.time()
    load = _fetch(prometheus_counters, network, counters="openconfig")

    _assert_counters(load, normal_load, down=set())  # source="<router>:57400" names the router; no state
    _assert_fresh(load, network, before)


def test_link_names_in_ifalias_and_routers_by_address(prometheus_counters, network, normal_load):
    by_address = {router.router_id: name for name, router in network.routers.items()}
    load = _fetch(prometheus_counters, network, counters="snmp_exporter", interface_label="ifAlias",
                  routers=by_address)

    # the job scraping router ids: ifAlias holds the interface, lowerLayerDown(7) is down
    _assert_counters(load, normal_load, down={ADDRESSED_DOWN_LINK})
    # without the mapping no device of that job is a router, and the other job's ifAlias are descriptions
    with pytest.raises(LoadSourceError, match="partial data, missing ifHCOutOctets for ams01-r1:et-0/0/0"):
        _fetch(prometheus_counters, network, counters="snmp_exporter", interface_label="ifAlias")


def test_an_ambiguous_oper_status_is_an_error_naming_the_link(prometheus_counters, network):
    unused = f"fra01-r1:{EXTRA_PORT['junos']}"  # dormant(5): ignored until the network says it is a link
    with pytest.raises(LoadSourceError, match=rf"ifOperStatus\{{instance='fra01-r1', ifName='{EXTRA_PORT['junos']}'\}} "
                                              r"is 5, not 1 \(up\) or 2, 6, 7 \(down\)"):
        _fetch(prometheus_counters, _with_link(network, unused), counters="snmp_exporter")


def test_a_network_link_the_exporter_lacks_is_partial_data(prometheus_counters, network):
    with pytest.raises(LoadSourceError, match="partial data, missing ifHCOutOctets for par01-r1:et-0/0/7$"):
        _fetch(prometheus_counters, _with_link(network, "par01-r1:et-0/0/7"), counters="snmp_exporter")


def test_two_series_for_one_link_are_a_duplicate(prometheus_counters, network):
    # a mapping that names a second device ams01-r1: both have et-0/0/0
    with pytest.raises(LoadSourceError, match="duplicate interfaces_interface_state_counters_out_octets series for "
                                              r"\{source='(ams|fra)01-r1:57400', interface_name='et-0/0/"):
        _fetch(prometheus_counters, network, counters="openconfig", routers={"fra01-r1": "ams01-r1"})


def test_custom_mapping_over_our_own_gauges(prometheus_counters, network, normal_load):
    counters = {"out_bps": "trafficshift_link_out_bps", "stamp": "timestamp(trafficshift_link_out_bps)"}
    load = _fetch(prometheus_counters, network, counters=counters)

    assert load["links"] == normal_load["links"]  # gauges: exact; labels default to router and interface


def test_custom_mapping_over_the_snmp_counter(prometheus_counters, network, normal_load):
    before = time.time()
    load = _fetch(prometheus_counters, network, counters=SNMP_CUSTOM)

    _assert_counters(load, normal_load, down={DOWN_LINK})  # `up`: 1 up, 0 down
    _assert_fresh(load, network, before)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"counters": "snmp_exporter", "rate_window": "5 m"}, "option rate_window must be a Prometheus duration"),
        ({"counters": "snmp_exporter", "rate_window": "5m]) or vector(1"}, "option rate_window"),
        ({"counters": "snmp_exporter", "rate_window": "0s"}, "option rate_window"),
        ({"counters": "snmp_exporter", "rate_window": 300}, "option rate_window"),
        ({"counters": "snmp_exporter", "router_label": 'instance"}'}, "option router_label must be a Prometheus label"),
        ({"counters": "openconfig", "interface_label": "interface-name"}, "option interface_label"),
        ({"counters": {**SNMP_CUSTOM, "interface_label": "1st"}}, "option interface_label"),
        ({"counters": "snmp"}, "option counters must be one of openconfig, snmp_exporter, trafficshift or a mapping"),
        ({"counters": {**SNMP_CUSTOM, "rate": "x"}}, "option counters: unknown keys rate"),
        ({"counters": {"out_bps": SNMP_CUSTOM["out_bps"]}}, "option counters: a custom mapping needs stamp"),
        ({"counters": {**SNMP_CUSTOM, "out_bps": ""}}, "option counters: out_bps must be a PromQL expression"),
        ({"counters": "openconfig", "routers": ["ams01-r1"]}, "option routers must map label values to router names"),
    ],
)
def test_bad_options_are_refused_before_any_query(network, options, message):
    with pytest.raises(LoadSourceError, match=message) as caught:
        get_source("prometheus", url=_unreachable_url(), timeout_s=2, **options).fetch(network)
    assert "unreachable" not in str(caught.value)
