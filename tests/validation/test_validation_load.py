"""parse_load / check_load: malformed loads raise; stale or inconsistent loads come back marked for fail-static."""
from __future__ import annotations

import pytest

from trafficshift.errors import ValidationError
from trafficshift.model import Load
from trafficshift.plan import Detour, Plan
from trafficshift.validation import Limits, check_load, parse_load

from validation_examples import example_load

HOT = "ams01-r1:et-0/0/0"  # first egress entries of the normal example are on this link


def problems(data, network, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_load(data, network, now=data.get("timestamp", 0) if isinstance(data, dict) else 0, **kwargs)
    return caught.value.problems


def fresh(data, network, **kwargs):
    return parse_load(data, network, now=data["timestamp"], **kwargs)


def test_unknown_references_are_named(load_data, network):
    load_data["egress"][0]["link"] = "ams01-r9:et-0/0/0"
    load_data["egress"][1]["alternates"][0]["link"] = "ams01-r1:et-9/9/9"
    load_data["links"]["ber01-r1:et-0/0/0"] = {"out_bps": 1}
    load_data["sites"]["ber01"] = {"ingress_bps": 1}
    load_data["sites"]["ams01"]["pools"]["video"] = 1
    load_data["sites"]["par01"]["pools"]["dns"] = 1  # dns is not announced at par01
    assert problems(load_data, network) == [
        "traffic_load:egress:0:link: unknown link, got 'ams01-r9:et-0/0/0'",
        "traffic_load:egress:1:alternates:0:link: unknown link, got 'ams01-r1:et-9/9/9'",
        "traffic_load:links:ber01-r1:et-0/0/0: unknown link, got 'ber01-r1:et-0/0/0'",
        "traffic_load:sites:ams01:pools:video: unknown pool, got 'video'",
        "traffic_load:sites:ber01: unknown site, got 'ber01'",
        "traffic_load:sites:par01:pools:dns: pool is not announced at site par01, got 'dns'",
    ]


def test_duplicate_prefixes_and_alternates(load_data, network):
    first_v6 = next(i for i, d in enumerate(load_data["egress"]) if ":" in d["prefix"])
    load_data["egress"][3]["prefix"] = load_data["egress"][0]["prefix"]
    load_data["egress"][first_v6 + 1]["prefix"] = load_data["egress"][first_v6]["prefix"].upper().replace("::", ":0::")
    load_data["egress"][1]["alternates"].append(dict(load_data["egress"][1]["alternates"][0]))
    load_data["egress"][2]["alternates"][0]["link"] = HOT
    assert problems(load_data, network) == [
        "traffic_load:egress:1:alternates:2:link: duplicate alternate, got 'ams01-r2:Ethernet1'",
        "traffic_load:egress:2:alternates:0:link: an alternate cannot be the preferred link, got 'ams01-r1:et-0/0/0'",
        "traffic_load:egress:3:prefix: duplicate prefix, also at traffic_load:egress:0, got '100.96.0.0/20'",
        f"traffic_load:egress:{first_v6 + 1}:prefix: duplicate prefix, also at traffic_load:egress:{first_v6}, got '2001:DB8:8000:0::/48'",
    ]


def test_wrong_types_units_and_numbers(load_data, network):
    load_data["egress"][0]["bps"] = "12G"
    load_data["egress"][1]["bps"] = -1
    load_data["egress"][2]["bps"] = float("nan")
    load_data["egress"][3]["prefix"] = "100.96.48.1/20"
    load_data["links"][HOT]["out_bps"] = False
    load_data["sites"]["ams01"]["ingress_bps"] = float("inf")
    load_data["timestamp"] = "2026-11-27T03:00:00Z"
    del load_data["egress"][4]["link"]
    with pytest.raises(ValidationError) as caught:
        parse_load(load_data, network, now=0)
    assert caught.value.problems == [
        "traffic_load:egress:0:bps: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got '12G'",
        "traffic_load:egress:1:bps: must be >= 0, got -1",
        "traffic_load:egress:2:bps: must be a finite number, got nan",
        "traffic_load:egress:3:prefix: invalid prefix '100.96.48.1/20': 100.96.48.1/20 has host bits set",
        "traffic_load:egress:4:link: required",
        "traffic_load:links:ams01-r1:et-0/0/0:out_bps: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got False",
        "traffic_load:sites:ams01:ingress_bps: must be a finite number, got inf",
        "traffic_load:timestamp: must be a number (plain digits; units like 100G and YAML's 100e9 are strings), got '2026-11-27T03:00:00Z'",
    ]


def test_fresh_load_is_not_stale(load_data, network):
    check = fresh(load_data, network)
    assert (check.stale, check.reasons, check.age_s) == (False, (), 0)
    assert isinstance(check.load, Load)


def test_load_older_than_max_age_is_stale_not_an_error(load_data, network):
    max_age = network.policy.max_load_age_s
    assert not parse_load(load_data, network, now=load_data["timestamp"] + max_age).stale
    check = parse_load(load_data, network, now=load_data["timestamp"] + max_age + 12.5)
    assert check.stale and check.age_s == max_age + 12.5
    assert check.reasons == ("traffic_load:timestamp: load is 312.5s old, more than policy max_load_age_s 300s",)


def test_load_from_the_future_is_stale(load_data, network):
    check = parse_load(load_data, network, now=load_data["timestamp"] - 120)
    assert check.reasons == ("traffic_load:timestamp: load is stamped 120s in the future (clock skew?)",)


def test_prefix_sums_inconsistent_with_the_counter_are_stale(load_data, network):
    prefix_sum = sum(d["bps"] for d in load_data["egress"] if d["link"] == HOT)
    load_data["links"][HOT]["out_bps"] = prefix_sum * 1.05  # within counter_tolerance (10%)
    assert fresh(load_data, network).reasons == ()
    load_data["links"][HOT]["out_bps"] = prefix_sum * 1.25
    check = fresh(load_data, network)
    assert check.stale
    assert check.reasons == (
        f"traffic_load:links:{HOT}: per-prefix sum {prefix_sum} bps and counter {prefix_sum * 5 // 4} bps differ by 20.0%, "
        "more than policy counter_tolerance 10%",
    )


def test_a_link_with_demand_but_a_zero_counter_is_inconsistent(load_data, network):
    prefix_sum = sum(d["bps"] for d in load_data["egress"] if d["link"] == HOT)
    load_data["links"][HOT]["out_bps"] = 0
    assert fresh(load_data, network).reasons == (
        f"traffic_load:links:{HOT}: per-prefix sum {prefix_sum} bps and counter 0 bps differ by 100.0%, more than policy counter_tolerance 10%",
    )


def test_missing_counters_and_sites_are_stale(load_data, network):
    del load_data["links"][HOT]
    del load_data["sites"]["par01"]
    lon = load_data["sites"]["lon01"]
    lon["pools"]["web"] = lon["ingress_bps"] * 2
    assert fresh(load_data, network).reasons == (
        f"traffic_load:links:{HOT}: no counter for this link",
        f"traffic_load:sites:lon01: pool ingress {sum(lon['pools'].values())} bps exceeds total ingress {lon['ingress_bps']} bps",
        "traffic_load:sites:par01: no ingress for this site",
    )


def test_check_load_works_on_a_load_built_in_code(network):
    load = Load(timestamp=1000.0, links={link: {"out_bps": 0} for link in network.link_ids()},
                sites={site: {"ingress_bps": 0} for site in network.sites})
    assert check_load(load, network, now=1001.0).reasons == ()
    assert check_load(load, network, now=5000.0).stale


def test_oversize_loads_are_refused_before_the_model(load_data, network):
    load_data["egress"][0]["alternates"] *= 3
    load_data["egress"][1]["prefix"] = "1" * 300
    assert problems(load_data, network, limits=Limits(max_egress=10, max_alternates=5, max_links=20, max_sites=5)) == [
        f"traffic_load:egress: {len(load_data['egress'])} entries, more than the limit of 10",
        "traffic_load:egress:0:alternates: 6 alternates, more than the limit of 5",
        "traffic_load:egress:1:prefix: 300 characters, more than the limit of 256",
        "traffic_load:links: 24 link counters, more than the limit of 20",
        "traffic_load:sites: 6 sites, more than the limit of 5",
    ]


def test_not_a_mapping(network):
    with pytest.raises(ValidationError, match="traffic_load: must be a mapping, got a list of 0"):
        parse_load([], network, now=0)


def test_counters_under_an_applied_detour_are_checked_against_the_detoured_demand(load_data, network):
    moved = load_data["egress"][0]  # the largest prefix on HOT
    alternate = moved["alternates"][0]["link"]
    router, interface = alternate.split(":", 1)
    active = Plan(created=load_data["timestamp"], status="ok",
                  intents=(Detour(router, interface, moved["prefix"], HOT, network.policy.detour_local_pref),))
    # the network measures the detoured traffic: off HOT, onto the alternate
    load_data["links"][HOT]["out_bps"] -= moved["bps"]
    load_data["links"][alternate]["out_bps"] += moved["bps"]

    unaware = fresh(load_data, network)
    assert sorted(reason.split(": ")[0] for reason in unaware.reasons) == sorted(
        [f"traffic_load:links:{alternate}", f"traffic_load:links:{HOT}"]
    )
    assert fresh(load_data, network, active=active).reasons == ()
    # counters from before the detour took effect (a window straddling the commit) are consistent too
    assert fresh(example_load(), network, active=active).reasons == ()
    # a counter that matches neither routing is not
    garbage = example_load()
    garbage["links"][HOT]["out_bps"] = (garbage["links"][HOT]["out_bps"] - moved["bps"]) / 2
    assert [reason.split(": ")[0] for reason in fresh(garbage, network, active=active).reasons] == \
        [f"traffic_load:links:{HOT}"]
