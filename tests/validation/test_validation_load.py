"""parse_load / check_load: malformed loads raise; stale or inconsistent loads come back marked for fail-static."""
from __future__ import annotations

import pytest

from trafficshift.errors import ValidationError
from trafficshift.model import Load, Network
from trafficshift.model.plan import Detour, Plan
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


# -- plausible rates: above capacity x MAX_RATE_FACTOR is a counter wrap or a unit mistake (stale, not malformed) --
WRAP = 2**64  # a 64-bit counter that wrapped (or was read as signed) shows up as about this many bps
HOT_CAPACITY = 100_000_000_000  # HOT is a 100G link


def _hot_demands(load_data) -> list[dict]:
    return [d for d in load_data["egress"] if d["link"] == HOT]


def test_a_wrapped_counter_on_a_100g_link_is_stale_naming_it(load_data, network):
    """The issue's case, exactly: out_bps = 2**64 on a 100G link. Before, alone it read as a 100% counter
    mismatch; with the prefixes read off the same wrapped counter it was accepted as fresh and consistent."""
    assert network.link(HOT).capacity_bps == HOT_CAPACITY
    load_data["links"][HOT]["out_bps"] = WRAP
    assert fresh(load_data, network).reasons == (
        f"traffic_load:links:{HOT}:out_bps: counter 1.8446744073709552e+19 bps is above 1.5 x the link's capacity "
        "100000000000 bps (counter wrap or unit mistake?)",
    )
    _hot_demands(load_data)[0]["bps"] = WRAP  # consistent with the counter: both wrapped
    assert fresh(load_data, network).reasons == (
        "traffic_load:egress:0:bps: 1.8446744073709552e+19 bps is above 1.5 x the capacity 100000000000 bps of its "
        f"link {HOT} (counter wrap or unit mistake?)",
        f"traffic_load:links:{HOT}:out_bps: counter 1.8446744073709552e+19 bps is above 1.5 x the link's capacity "
        "100000000000 bps (counter wrap or unit mistake?)",
    )


def test_unit_mistakes_in_counters_demands_and_ingress_are_stale(load_data, network):
    counter = load_data["links"][HOT]["out_bps"]
    load_data["links"][HOT]["out_bps"] = counter * 8  # bytes turned into bits twice
    load_data["egress"][0]["bps"] *= 1000  # bit/s taken for kbit/s and scaled again
    load_data["sites"]["par01"]["ingress_bps"] *= 8  # its pools, unchanged, stay under the (wrong) total
    sjc = load_data["sites"]["sjc01"]
    sjc["pools"]["cdn"] = WRAP
    check = fresh(load_data, network)
    assert check.stale
    assert check.reasons == (
        f"traffic_load:egress:0:bps: 24000000000000 bps is above 1.5 x the capacity 100000000000 bps of its link {HOT} "
        "(counter wrap or unit mistake?)",
        f"traffic_load:links:{HOT}:out_bps: counter {int(counter * 8)} bps is above 1.5 x the link's capacity "
        "100000000000 bps (counter wrap or unit mistake?)",
        "traffic_load:sites:par01:ingress_bps: ingress 880000000000 bps is above 1.5 x the site's "
        "ingress_capacity_bps 200000000000 bps (counter wrap or unit mistake?)",
        "traffic_load:sites:sjc01:pools:cdn: pool ingress 1.8446744073709552e+19 bps is above 1.5 x the site's "
        "ingress_capacity_bps 200000000000 bps (counter wrap or unit mistake?)",
    )


def test_a_per_prefix_sum_above_the_bound_is_stale_even_when_each_prefix_is_plausible(load_data, network):
    counter = load_data["links"][HOT]["out_bps"]
    load_data["egress"].append({"prefix": "100.127.0.0/20", "bps": 120_000_000_000, "link": HOT, "alternates": []})
    prefix_sum = sum(d["bps"] for d in _hot_demands(load_data))
    assert prefix_sum > 1.5 * HOT_CAPACITY and all(d["bps"] <= 1.5 * HOT_CAPACITY for d in _hot_demands(load_data))
    # the counter disagrees with the sum, but the sum is the reason, not a mismatch with a counter that is fine
    assert counter <= 1.5 * HOT_CAPACITY
    assert fresh(load_data, network).reasons == (
        f"traffic_load:links:{HOT}: per-prefix sum {prefix_sum} bps is above 1.5 x the link's capacity "
        "100000000000 bps (counter wrap or unit mistake?)",
    )


def test_rates_up_to_the_factor_are_plausible(load_data, network):
    """Exactly capacity x 1.5 is still a (bursty) measurement; the next representable number is not."""
    bound = HOT_CAPACITY * 1.5
    rest = sum(d["bps"] for d in _hot_demands(load_data)[1:])
    _hot_demands(load_data)[0]["bps"] = bound - rest
    load_data["links"][HOT]["out_bps"] = bound
    assert fresh(load_data, network).reasons == ()
    load_data["links"][HOT]["out_bps"] = bound * (1 + 1e-9)
    reasons = fresh(load_data, network).reasons
    assert [reason.split(": ")[0] for reason in reasons] == [f"traffic_load:links:{HOT}:out_bps"]


def test_a_detoured_sum_is_judged_as_routed(load_data, network):
    """With the plan in place the demand on its preferred link is not what the link carries: the bound holds
    for the load as routed (either way a counter may be read, like the consistency check)."""
    moved = load_data["egress"][0]
    alternate = moved["alternates"][0]["link"]
    moved["bps"] = 140_000_000_000  # with the rest of HOT above the bound, but most of it detoured
    router, interface = alternate.split(":", 1)
    active = Plan(created=load_data["timestamp"], status="ok",
                  intents=(Detour(router, interface, moved["prefix"], HOT, network.policy.detour_local_pref),))
    unaware = fresh(load_data, network)
    assert any(reason.startswith(f"traffic_load:links:{HOT}: per-prefix sum ") for reason in unaware.reasons)
    aware = fresh(load_data, network, active=active)
    assert not any(reason.startswith(f"traffic_load:links:{HOT}: per-prefix sum ") and "1.5 x" in reason
                   for reason in aware.reasons)


def test_sums_that_overflow_are_stale_not_inf_vs_inf(network):
    """A per-prefix sum that overflowed to inf used to hide a counter mismatch (inf vs inf, or nan > tolerance
    is False). On links and sites so large that the bound itself is no bound, the overflow is the reason."""
    huge = 1.7e308
    data = network.model_dump()
    data["routers"]["ams01-r1"]["links"]["et-0/0/0"]["capacity_bps"] = huge
    data["sites"]["ams01"]["ingress_capacity_bps"] = huge
    big = Network.model_validate(data)
    load = Load(
        timestamp=1000.0,
        egress=[{"prefix": "100.96.0.0/20", "bps": huge, "link": HOT},
                {"prefix": "100.96.16.0/20", "bps": huge, "link": HOT}],
        links={link: {"out_bps": huge if link == HOT else 0} for link in big.link_ids()},
        sites={site: {"ingress_bps": huge if site == "ams01" else 0,
                      "pools": {"web": huge, "cdn": huge} if site == "ams01" else {}} for site in big.sites},
    )
    assert check_load(load, big, now=1000.0).reasons == (
        f"traffic_load:links:{HOT}: per-prefix sum overflows to infinity (counter wrap or unit mistake?)",
        "traffic_load:sites:ams01: pool ingress sum overflows to infinity (counter wrap or unit mistake?)",
    )


# -- prefixes: canonical before the duplicate check; IPv4-mapped refused ---------------------------------------
def test_an_ipv4_mapped_prefix_is_refused(load_data, network):
    load_data["egress"][3]["prefix"] = "::ffff:100.96.0.0/116"  # egress 0 is 100.96.0.0/20
    load_data["egress"][4]["prefix"] = "::FFFF:6460:1000/124"
    assert problems(load_data, network) == [
        "traffic_load:egress:3:prefix: an IPv4-mapped IPv6 prefix, the destination 100.96.0.0/20 (write the IPv4 "
        "prefix), got '::ffff:100.96.0.0/116'",
        "traffic_load:egress:4:prefix: an IPv4-mapped IPv6 prefix, the destination 100.96.16.0/28 (write the IPv4 "
        "prefix), got '::FFFF:6460:1000/124'",
    ]


def test_an_ipv6_prefix_merely_starting_with_ffff_is_not_ipv4_mapped(load_data, network):
    load_data["egress"][4]["prefix"] = "::ffff:1:0:0/96"  # 0:0:0:0:ffff:1::/96, outside ::ffff:0:0/96
    check = parse_load(load_data, network, now=load_data["timestamp"])
    assert check.load.egress[4].prefix == "::ffff:1:0:0/96"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2001:db8::/32", "2001:DB8::/32"),
        ("2001:db8::/32", "2001:0db8:0000::/32"),
        ("2001:db8::/32", "2001:db8:0:0:0:0:0:0/32"),
        ("2001:db8::/32", "2001:db8::/032"),
        ("100.96.0.0/20", "100.96.0.0/020"),
        ("100.96.0.0/20", "100.96.0.0/255.255.240.0"),
        ("100.96.0.0/20", "100.96.0.0/0.0.15.255"),
    ],
)
def test_spellings_of_one_prefix_are_duplicates(load_data, network, first, second):
    load_data["egress"][0]["prefix"] = first
    load_data["egress"][2]["prefix"] = second
    assert problems(load_data, network) == [
        f"traffic_load:egress:2:prefix: duplicate prefix, also at traffic_load:egress:0, got {second!r}",
    ]


def test_an_ipv4_prefix_with_leading_zeros_is_refused(load_data, network):
    """`100.096.0.0` is 100.78.0.0 to inet_aton (octal): ambiguous, so not a prefix at all."""
    load_data["egress"][2]["prefix"] = "100.096.0.0/20"
    assert problems(load_data, network) == [
        "traffic_load:egress:2:prefix: invalid prefix '100.096.0.0/20': '100.096.0.0/20' does not appear to be an "
        "IPv4 or IPv6 network",
    ]


# -- nesting depth: refused before anything walks the data, without recursion ---------------------------------
def _nested(levels: int, leaf=1):
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def test_ten_thousand_nested_lists_are_refused_naming_the_path(load_data, network):
    load_data["egress"][0]["alternates"] = _nested(10_000)
    # level 1 the load, 2 egress, 3 its entry, 4 alternates, 5.. the nested lists: level 33 is the 29th
    zeros = ":".join(["0"] * 29)
    assert problems(load_data, network) == [
        f"traffic_load:egress:0:alternates:{zeros}: nested deeper than the limit of 32 levels",
    ]


def test_nesting_is_counted_in_mappings_and_unknown_keys_too(load_data, network):
    deep: dict = {}
    inner = deep
    for _ in range(40):
        inner["k"] = {}
        inner = inner["k"]
    load_data["comment"] = deep  # an unknown key: refused by depth first, its value never walked recursively
    assert problems(load_data, network) == [
        f"traffic_load:comment:{':'.join(['k'] * 31)}: nested deeper than the limit of 32 levels",
    ]


def test_the_depth_limit_is_exact(load_data, network):
    load_data["note"] = _nested(30)  # levels 2..31, the list of level 31 holds 1: 31 levels, unknown key
    assert problems(load_data, network) == ["traffic_load:note: unknown key"]
    load_data["note"] = _nested(31)  # 32 levels: still within the limit
    assert problems(load_data, network) == ["traffic_load:note: unknown key"]
    load_data["note"] = _nested(32)
    assert problems(load_data, network) == [
        f"traffic_load:note:{':'.join(['0'] * 31)}: nested deeper than the limit of 32 levels",
    ]


def test_a_long_too_deep_path_is_shortened(load_data, network):
    key = "x" * 60
    deep: dict = {}
    inner = deep
    for _ in range(40):
        inner[key] = {}
        inner = inner[key]
    load_data["comment"] = deep
    [message] = problems(load_data, network)
    assert message == (
        f"traffic_load:comment:{key}:{key}:{key}:...(26 more):{key}:{key}: nested deeper than the limit of 32 levels"
    )


def test_a_failed_link_is_not_judged_by_its_counter_or_capacity(load_data, network_data):
    """Capacity 0 marks a failed link (issue 20): its demand and a zero counter are what a failure looks like,
    not a stale load, so the planner gets to move its prefixes away instead of failing static."""
    from trafficshift.validation import parse_network

    router, _, interface = HOT.partition(":")
    network_data["routers"][router]["links"][interface]["capacity_bps"] = 0
    failed = parse_network(network_data)
    assert failed.link(HOT).capacity_bps == 0
    load_data["links"][HOT]["out_bps"] = 0
    assert fresh(load_data, failed).reasons == ()


def test_a_link_reported_down_is_not_judged_by_its_counter_and_its_flag_must_be_a_boolean(load_data, network):
    load_data["links"][HOT] = {"out_bps": 0, "up": False}
    check = fresh(load_data, network)
    assert check.reasons == () and check.load.links[HOT].up is False
    load_data["links"][HOT]["up"] = "no"
    assert problems(load_data, network) == [f"traffic_load:links:{HOT}:up: must be true or false, got 'no'"]
