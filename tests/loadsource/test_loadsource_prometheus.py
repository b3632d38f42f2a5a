"""The prometheus load source against a real Prometheus server scraping a test exporter."""
from __future__ import annotations

import socket
import time

import pytest

from trafficshift.sources import LoadSourceError, default_alternates, get_source
from trafficshift.validation import parse_load

from loadsource_scenarios import DOWN_LINK, NONFINITE_LINK, PARTIAL_MISSING_LINK, STALE_LINK


def _demands(load: dict) -> list[tuple]:
    return sorted((d["prefix"], d["link"], d["bps"]) for d in load["egress"])


def test_load_round_trips_through_prometheus(prometheus, network, normal_load):
    before = time.time()
    load = get_source("prometheus", url=prometheus).fetch(network)

    assert load["source"] == "prometheus"
    assert _demands(load) == _demands(normal_load)
    assert load["links"] == normal_load["links"]
    assert load["sites"] == normal_load["sites"]
    # the sample time travels with the data: recent scrapes, not the query time
    assert before - 30 < load["timestamp"] <= time.time()
    check = parse_load(load, network, now=time.time())
    assert not check.stale, check.reasons


def test_alternates_come_from_configuration(prometheus, network, normal_load):
    configured = {d["link"]: [a["link"] for a in d["alternates"]] for d in normal_load["egress"]}
    load = get_source("prometheus", url=prometheus, alternates=configured).fetch(network)

    for demand in load["egress"]:
        assert [a["link"] for a in demand["alternates"]] == configured[demand["link"]]
        assert [a["preference"] for a in demand["alternates"]] == sorted(a["preference"] for a in demand["alternates"])


def test_default_alternates_are_transit_links_nearest_first(prometheus, network):
    load = get_source("prometheus", url=prometheus).fetch(network)

    for demand in load["egress"]:
        alternates = [a["link"] for a in demand["alternates"]]
        assert alternates == default_alternates(network, demand["link"])
        assert demand["link"] not in alternates
        assert {network.link(link).kind for link in alternates} == {"transit"}
    # ams01-r1's private link: its own router's transit first, then the other ams01 router's transit
    ams = next(d for d in load["egress"] if d["link"] == "ams01-r1:et-0/0/1")
    assert [a["link"] for a in ams["alternates"]][:2] == ["ams01-r1:et-0/0/0", "ams01-r2:Ethernet1"]


def test_oldest_sample_sets_the_timestamp_and_makes_the_load_stale(prometheus, network, stale_sample_ms):
    load = get_source("prometheus", url=prometheus, metric_prefix="stale").fetch(network)

    assert load["timestamp"] == stale_sample_ms / 1000  # the oldest sample, not the query time
    check = parse_load(load, network, now=time.time())
    assert check.stale
    assert check.reasons[0].startswith("traffic_load:timestamp: load is ")
    assert load["links"][STALE_LINK]  # the old sample is still part of the load


def test_partial_data_is_an_error(prometheus, network):
    with pytest.raises(LoadSourceError, match=f"partial data, missing partial_link_out_bps for {PARTIAL_MISSING_LINK}"):
        get_source("prometheus", url=prometheus, metric_prefix="partial").fetch(network)


def test_a_network_pool_without_series_is_partial_data(prometheus, network):
    pools = dict(network.pools)
    pools["extra"] = pools["web"].model_copy(update={"prefixes": ("192.0.2.128/25",)})
    bigger = network.model_copy(update={"pools": pools})
    with pytest.raises(LoadSourceError, match="missing trafficshift_site_ingress_bps for ams01 pool extra"):
        get_source("prometheus", url=prometheus).fetch(bigger)


def test_non_finite_values_are_an_error(prometheus, network):
    router, interface = NONFINITE_LINK.split(":", 1)
    with pytest.raises(LoadSourceError, match=f"nonfinite_link_out_bps.*'{router}'.*is nan"):
        get_source("prometheus", url=prometheus, metric_prefix="nonfinite").fetch(network)


def test_unknown_metric_family_is_partial_not_empty(prometheus, network):
    with pytest.raises(LoadSourceError, match="partial data"):
        get_source("prometheus", url=prometheus, metric_prefix="absent").fetch(network)


def test_bad_query_is_reported_with_prometheus_error(prometheus, network):
    with pytest.raises(LoadSourceError, match=r"failed .*\(HTTP 400\)"):
        get_source("prometheus", url=prometheus, metric_prefix="not a metric").fetch(network)


def test_source_down_is_an_error(network):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LoadSourceError, match=f"127.0.0.1:{port}: unreachable"):
        get_source("prometheus", url=f"http://127.0.0.1:{port}", timeout_s=2).fetch(network)


def test_source_that_never_answers_times_out(network):
    with socket.socket() as silent:  # accepts connections (backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(LoadSourceError, match=r"did not answer .* within 0.5s"):
            get_source("prometheus", url=f"http://127.0.0.1:{port}", timeout_s=0.5).fetch(network)
        assert time.monotonic() - started < 5


def test_credentials_in_the_url_never_reach_messages(network):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LoadSourceError) as caught:
        get_source("prometheus", url=f"http://user:hunter2@127.0.0.1:{port}", timeout_s=2).fetch(network)
    assert "hunter2" not in str(caught.value)
    assert f"***@127.0.0.1:{port}" in str(caught.value)


def test_prometheus_source_needs_the_network():
    with pytest.raises(LoadSourceError, match="needs the network"):
        get_source("prometheus", url="http://127.0.0.1:9").fetch(None)


def test_a_link_reported_down_arrives_as_up_false_and_the_planner_moves_its_prefixes(prometheus, network):
    """Issue 20: an operational-down flag from the load source marks a failed link."""
    from trafficshift.planner import plan

    load = get_source("prometheus", url=prometheus, metric_prefix="linkdown").fetch(network)
    assert load["links"][DOWN_LINK] == {"out_bps": load["links"][DOWN_LINK]["out_bps"], "up": False}
    assert all("up" not in counter for link, counter in load["links"].items() if link != DOWN_LINK)
    check = parse_load(load, network, now=time.time())
    assert not check.stale, check.reasons
    result = plan(network, check.load, None, (), time.time())
    assert {i.from_link for i in result.intents if i.kind == "detour"} >= {DOWN_LINK}
    assert any(a.reason.startswith(f"{DOWN_LINK} has failed (reported down by the load source)") for a in result.actions)
    # a family without the state: every link up
    assert all("up" not in counter for counter in get_source("prometheus", url=prometheus).fetch(network)["links"].values())


def test_a_link_state_other_than_0_or_1_is_an_error(prometheus, network):
    with pytest.raises(LoadSourceError, match=r"updoubt_link_up\{router='fra01-r1', interface='et-0/0/1'\} is 0.5, "
                                              r"not 1 \(up\) or 0 \(down\)"):
        get_source("prometheus", url=prometheus, metric_prefix="updoubt").fetch(network)
