"""The bad-input corpus: malformed or hostile load, topology (pillar network) and operator inputs, each with
the path its error must name (docs/reliability.md, "Bad input").

One corpus, two layers: tests/badinput/test_corpus.py runs every case through the pure boundary (load file
source, `parse_network`, `parse_load`, the planner's fail-static, the operator argument checks in
`trafficshift.validation.arguments`), tests/salt/test_bad_input.py through the real master (`salt-run`), where the load
cases go through the file the traffic_load ext_pillar reads and the network cases through the test pillar.

Cases start from the Salt tests' network (tests/salt/pillar/traffic/network.sls, made a real edge's: not a lab,
a router ASN that is not private) and normal load (tests/salt/data/load-normal.yaml):

- load cases: ``mutate(load, now)`` changes a deep copy of the normal load stamped ``now``; or ``text``, the
  raw file (YAML-level attacks). ``stale=True``: well-formed but not to be acted on (the planner fails
  static; the operator's apply refuses, the unattended rebalance skips).
- network cases: ``mutate(network)`` changes a deep copy of the `traffic` pillar key.
- operator cases: ``args``, a salt-run command line (function, then arguments as typed).

Every case's error must name ``path``, be one message (one problem), and never show `SECRET`, which some
cases plant in keys that look like credentials.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

REPO = Path(__file__).resolve().parents[2]
NETWORK = yaml.safe_load((REPO / "tests" / "salt" / "pillar" / "traffic" / "network.sls").read_text())["traffic"]
# as a real edge writes it: not a lab (the Salt tests' network is one for its private ASN), so every rule a
# lab relaxes is in force
del NETWORK["lab"]
for _router in NETWORK["routers"].values():
    _router["asn"] = 64500  # a documentation ASN is fine as the router's own
LOAD = yaml.safe_load((REPO / "tests" / "salt" / "data" / "load-normal.yaml").read_text())
#: planted in hostile inputs under credential-like keys; no error message may contain it
SECRET = "S3cr3t-badinput-7f3a9c"
#: the test network's policy.max_load_age_s (3600): a load older than this is stale
MAX_AGE_S = NETWORK["policy"]["max_load_age_s"]

LOAD_CASES: list["Case"] = []
NETWORK_CASES: list["Case"] = []
OPERATOR_CASES: list["Case"] = []


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # load | network | operator
    path: str  # the path (or for operator cases function:argument) the error must name
    mutate: Callable | None = None
    text: str | None = None  # load cases: the raw load file instead of a mutated load
    args: tuple = ()  # operator cases: salt-run function and arguments
    stale: bool = False  # load cases: well-formed, but the planner must fail static
    problems: int = 1  # how many problems the error lists (a duplicate names both places)
    why: str = field(default="", compare=False)

    def load(self, now: float) -> dict:
        data = copy.deepcopy(LOAD)
        data["timestamp"] = now
        self.mutate(data, now)
        return data

    def network(self) -> dict:
        data = copy.deepcopy(NETWORK)
        self.mutate(data)
        return data


def load_case(id, path, *, stale=False, text=None, why=""):
    def register(mutate):
        LOAD_CASES.append(Case(id, "load", path, mutate=mutate, text=text, stale=stale, why=why))
        return mutate
    return register


def network_case(id, path, why="", problems=1):
    def register(mutate):
        NETWORK_CASES.append(Case(id, "network", path, mutate=mutate, why=why, problems=problems))
        return mutate
    return register


def operator_case(id, path, *args, why=""):
    OPERATOR_CASES.append(Case(id, "operator", path, args=args, why=why))


def raw_load_case(id, path, text, why=""):
    LOAD_CASES.append(Case(id, "load", path, text=text, why=why))


# -- load: types and units ----------------------------------------------------------------------------------
@load_case("load-bps-unit-string", "traffic_load:egress:0:bps")
def _(load, now):
    load["egress"][0]["bps"] = "50G"


@load_case("load-bps-yaml-exponent", "traffic_load:egress:0:bps", why="PyYAML reads 5e10 as a string")
def _(load, now):
    load["egress"][0]["bps"] = "5e10"


@load_case("load-bps-bool", "traffic_load:egress:1:bps")
def _(load, now):
    load["egress"][1]["bps"] = True


@load_case("load-bps-nan", "traffic_load:egress:0:bps")
def _(load, now):
    load["egress"][0]["bps"] = float("nan")


@load_case("load-bps-inf", "traffic_load:egress:2:bps")
def _(load, now):
    load["egress"][2]["bps"] = float("inf")


@load_case("load-bps-negative", "traffic_load:egress:0:bps")
def _(load, now):
    load["egress"][0]["bps"] = -50000000000


@load_case("load-counter-negative", "traffic_load:links:ams01-r1:et-0/0/0:out_bps")
def _(load, now):
    load["links"]["ams01-r1:et-0/0/0"]["out_bps"] = -1


@load_case("load-counter-list", "traffic_load:links:fra01-r1:et-0/0/0:out_bps")
def _(load, now):
    load["links"]["fra01-r1:et-0/0/0"]["out_bps"] = [1, 2]


@load_case("load-ingress-unit-string", "traffic_load:sites:ams01:ingress_bps")
def _(load, now):
    load["sites"]["ams01"]["ingress_bps"] = "200 Gbit/s"


@load_case("load-pool-ingress-negative", "traffic_load:sites:fra01:pools:web")
def _(load, now):
    load["sites"]["fra01"]["pools"]["web"] = -5


@load_case("load-timestamp-string", "traffic_load:timestamp")
def _(load, now):
    load["timestamp"] = "yesterday"


@load_case("load-timestamp-missing", "traffic_load:timestamp")
def _(load, now):
    del load["timestamp"]


@load_case("load-preference-negative", "traffic_load:egress:0:alternates:0:preference")
def _(load, now):
    load["egress"][0]["alternates"][0]["preference"] = -10


@load_case("load-egress-mapping", "traffic_load:egress")
def _(load, now):
    load["egress"] = {"prefix": "100.96.0.0/20"}


# -- load: unknown references and inconsistencies ---------------------------------------------------------
@load_case("load-unknown-link", "traffic_load:egress:0:link")
def _(load, now):
    load["egress"][0]["link"] = "ams01-r9:et-0/0/0"


@load_case("load-unknown-alternate", "traffic_load:egress:3:alternates:0:link")
def _(load, now):
    load["egress"][3]["alternates"][0]["link"] = "fra01-r2:Ethernet9"


@load_case("load-alternate-is-preferred", "traffic_load:egress:1:alternates:0:link")
def _(load, now):
    load["egress"][1]["alternates"][0]["link"] = load["egress"][1]["link"]


@load_case("load-duplicate-prefix", "traffic_load:egress:1:prefix")
def _(load, now):
    load["egress"][1]["prefix"] = "100.96.0.0/20"


@load_case("load-unknown-counter-link", "traffic_load:links:par01-r1:et-0/0/0")
def _(load, now):
    load["links"]["par01-r1:et-0/0/0"] = {"out_bps": 1}


@load_case("load-unknown-site", "traffic_load:sites:zrh01")
def _(load, now):
    load["sites"]["zrh01"] = {"ingress_bps": 1, "pools": {}}


@load_case("load-unknown-pool", "traffic_load:sites:ams01:pools:mail")
def _(load, now):
    load["sites"]["ams01"]["pools"]["mail"] = 1


@load_case("load-unknown-key-with-secret", "traffic_load:egress:0:password", why="unknown key, value never shown")
def _(load, now):
    load["egress"][0]["password"] = SECRET


@load_case("load-prefix-invalid", "traffic_load:egress:0:prefix")
def _(load, now):
    load["egress"][0]["prefix"] = "300.96.0.0/20"


@load_case("load-prefix-host-bits", "traffic_load:egress:2:prefix")
def _(load, now):
    load["egress"][2]["prefix"] = "100.96.32.1/20"


# -- load: stale and inconsistent (well-formed; the planner fails static) -----------------------------------
@load_case("load-stale", "traffic_load:timestamp", stale=True)
def _(load, now):
    load["timestamp"] = now - 2 * MAX_AGE_S


@load_case("load-future", "traffic_load:timestamp", stale=True, why="a broken clock")
def _(load, now):
    load["timestamp"] = now + 3600


@load_case("load-counter-disagrees", "traffic_load:links:ams01-r1:et-0/0/0", stale=True)
def _(load, now):
    load["links"]["ams01-r1:et-0/0/0"]["out_bps"] = 90000000000  # the prefixes on it sum to 50G


@load_case("load-counter-missing", "traffic_load:links:fra01-r2:Ethernet1", stale=True)
def _(load, now):
    del load["links"]["fra01-r2:Ethernet1"]


@load_case("load-site-missing", "traffic_load:sites:fra01", stale=True)
def _(load, now):
    del load["sites"]["fra01"]


@load_case("load-pools-exceed-ingress", "traffic_load:sites:ams01", stale=True)
def _(load, now):
    load["sites"]["ams01"]["pools"]["web"] = 900000000000


# -- load: injection and oversize -----------------------------------------------------------------------
@load_case("load-inject-link", "traffic_load:egress:0:link")
def _(load, now):
    load["egress"][0]["link"] = "ams01-r1:et-0/0/0\nset system root-authentication plain-text-password"


@load_case("load-inject-prefix", "traffic_load:egress:0:prefix")
def _(load, now):
    load["egress"][0]["prefix"] = "100.96.0.0/20; delete protocols bgp"


@load_case("load-inject-counter-key", "traffic_load:links:'ams01-r1:et-0/0/0 }")
def _(load, now):
    load["links"]["ams01-r1:et-0/0/0 } protocols {"] = {"out_bps": 1}


@load_case("load-inject-source", "traffic_load:source")
def _(load, now):
    load["source"] = "file\";\nrm -rf /"


@load_case("load-oversize-alternates", "traffic_load:egress:0:alternates")
def _(load, now):
    load["egress"][0]["alternates"] = [{"link": "ams01-r2:Ethernet1", "preference": i} for i in range(65)]


@load_case("load-oversize-prefix", "traffic_load:egress:0:prefix")
def _(load, now):
    load["egress"][0]["prefix"] = "1" * 100_000


raw_load_case("load-yaml-duplicate-key", "line 2", "timestamp: 1\ntimestamp: 2\n",
              why="PyYAML keeps the last silently")
raw_load_case("load-yaml-alias-bomb", "YAML aliases are not allowed",
              "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\ntimestamp: 1\n")
raw_load_case("load-yaml-python-tag", "line 1", "timestamp: !!python/object/apply:os.system ['true']\n")
raw_load_case("load-yaml-not-a-mapping", "must hold a mapping", "- timestamp: 1\n")
raw_load_case("load-yaml-date", "traffic_load:timestamp", "timestamp: 2026-11-27 03:00:00\n")


# -- load: rates no link or site can carry (stale: capacity x 1.5, validation.MAX_RATE_FACTOR) -------------
WRAP = 2**64  # a wrapped (or signed-as-unsigned) 64-bit counter
HOT = "ams01-r1:et-0/0/0"  # 100G, its one prefix at 50G


def _set(data: dict, keys: tuple, value) -> None:
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


#: well-formed loads with one number no link or site can carry: (id, path, keys into the load, value, why)
IMPLAUSIBLE_RATE_CASES = [
    ("load-counter-wrap-2-64", f"traffic_load:links:{HOT}:out_bps", ("links", HOT, "out_bps"), WRAP,
     "the issue's case: 2**64 on a 100G link; with the prefixes read off the same counter it was fresh"),
    ("load-counter-bits-times-8", f"traffic_load:links:{HOT}:out_bps", ("links", HOT, "out_bps"), 400000000000,
     "a rate already in bits multiplied by 8 again: 400G on a 100G link"),
    ("load-counter-kbit-as-bit", "traffic_load:links:fra01-r2:Ethernet1:out_bps",
     ("links", "fra01-r2:Ethernet1", "out_bps"), 50000000000000,
     "kbit/s where bit/s belong, times 1000: 50 Tbit/s on a 100G link"),
    ("load-demand-wrap-2-64", "traffic_load:egress:0:bps", ("egress", 0, "bps"), WRAP,
     "one prefix's demand wrapped; the link's counter and the consistency check are not the reason"),
    ("load-demand-bits-times-8", "traffic_load:egress:3:bps", ("egress", 3, "bps"), 400000000000,
     "a flow collector scaling sampled bytes to bits twice"),
    ("load-site-ingress-wrap-2-64", "traffic_load:sites:ams01:ingress_bps", ("sites", "ams01", "ingress_bps"), WRAP,
     "a wrapped ingress total hides pools exceeding it"),
    ("load-site-ingress-bits-times-8", "traffic_load:sites:fra01:ingress_bps",
     ("sites", "fra01", "ingress_bps"), 1600000000000,
     "1.6 Tbit/s into a 400G site"),
    ("load-pool-ingress-wrap-2-64", "traffic_load:sites:fra01:pools:web", ("sites", "fra01", "pools", "web"), WRAP,
     "named at the pool, not as pools exceeding the total"),
]
for case_id, path, keys, value, why in IMPLAUSIBLE_RATE_CASES:
    load_case(case_id, path, stale=True, why=why)(lambda load, now, keys=keys, value=value: _set(load, keys, value))


@load_case("load-prefix-sum-above-capacity", f"traffic_load:links:{HOT}: per-prefix sum", stale=True,
           why="each prefix at line rate, their sum twice it: a link cannot carry that, whatever its counter says")
def _(load, now):
    load["egress"][0]["bps"] = 100000000000
    load["egress"].append({"prefix": "100.96.80.0/20", "bps": 100000000000, "link": HOT, "alternates": []})


# -- load: prefixes canonical before the duplicate check -------------------------------------------------
@load_case("load-prefix-ipv4-mapped", "traffic_load:egress:1:prefix",
           why="::ffff:100.96.0.0/116 is egress 0's 100.96.0.0/20 in disguise; never a route of its own")
def _(load, now):
    load["egress"][1]["prefix"] = "::ffff:100.96.0.0/116"


@load_case("load-prefix-ipv6-case-duplicate", "traffic_load:egress:6:prefix", why="2001:DB8::/32 is 2001:db8::/32")
def _(load, now):
    load["egress"] += [{"prefix": "2001:db8::/32", "bps": 0, "link": HOT},
                       {"prefix": "2001:DB8::/32", "bps": 0, "link": HOT}]


@load_case("load-prefix-ipv6-leading-zeros-duplicate", "traffic_load:egress:6:prefix",
           why="2001:0db8:0000::/32 is 2001:db8::/32")
def _(load, now):
    load["egress"] += [{"prefix": "2001:db8::/32", "bps": 0, "link": HOT},
                       {"prefix": "2001:0db8:0000::/32", "bps": 0, "link": HOT}]


@load_case("load-prefix-length-leading-zero-duplicate", "traffic_load:egress:1:prefix",
           why="Python reads /020 as /20")
def _(load, now):
    load["egress"][1]["prefix"] = "100.96.0.0/020"


@load_case("load-prefix-netmask-duplicate", "traffic_load:egress:1:prefix",
           why="Python reads a netmask (or hostmask) after the / as the length")
def _(load, now):
    load["egress"][1]["prefix"] = "100.96.0.0/255.255.240.0"


@load_case("load-prefix-ipv4-leading-zeros", "traffic_load:egress:2:prefix",
           why="100.096.32.0 is 100.78.32.0 to inet_aton (octal): ambiguous, refused")
def _(load, now):
    load["egress"][2]["prefix"] = "100.096.32.0/20"


# -- load: nesting and YAML merge keys -----------------------------------------------------------------
def _nested(levels: int):
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@load_case("load-nesting-40-lists", "traffic_load:egress:0:alternates:" + ":".join(["0"] * 29) + ": nested deeper",
           why="level 33 named by its path; the load format needs 5 levels")
def _(load, now):
    load["egress"][0]["alternates"] = _nested(40)


@load_case("load-nesting-unknown-key", "traffic_load:sites:ams01:note:" + ":".join(["k"] * 29) + ": nested deeper",
           why="nesting under a key the model would refuse anyway is measured first")
def _(load, now):
    deep: dict = {}
    inner = deep
    for _ in range(40):
        inner["k"] = {}
        inner = inner["k"]
    load["sites"]["ams01"]["note"] = deep


raw_load_case("load-yaml-nesting-10000", "nested deeper than the limit of 32 levels at line 2",
              "timestamp: 1\nx: " + "[" * 10_000 + "]" * 10_000 + "\n",
              why="was a RecursionError for JSON; libyaml stops at 1000 levels, reported in the load's terms")
raw_load_case("load-yaml-merge-key-duplicate", "duplicate key 'out_bps' (through a YAML merge key <<)",
              f"timestamp: 1\nlinks:\n  {HOT}:\n    <<: {{out_bps: 1}}\n    out_bps: 50000000000\n",
              why="PyYAML lets the explicit key win over the merged one silently")
raw_load_case("load-yaml-merge-keys-duplicate", "duplicate key 'out_bps' (through a YAML merge key <<)",
              f"timestamp: 1\nlinks:\n  {HOT}:\n    <<: [{{out_bps: 1}}, {{out_bps: 2}}]\n",
              why="PyYAML lets the first merged mapping win silently")


# -- network (topology pillar) ----------------------------------------------------------------------------
R1 = "traffic:routers:ams01-r1"
L0 = f"{R1}:links:et-0/0/0"


#: cases that set one value of the network, refused at that value's path: (id, keys under `traffic`, value, why)
NETWORK_FIELD_CASES = [
    ("net-capacity-negative", ("routers", "ams01-r1", "links", "et-0/0/0", "capacity_bps"), -100000000000, ""),
    ("net-capacity-unit-string", ("routers", "ams01-r1", "links", "et-0/0/0", "capacity_bps"), "100G", ""),
    ("net-capacity-nan", ("routers", "ams01-r1", "links", "et-0/0/0", "capacity_bps"), float("nan"), ""),
    ("net-site-capacity-zero", ("sites", "ams01", "ingress_capacity_bps"), 0, ""),
    ("net-asn-string", ("routers", "ams01-r1", "asn"), "AS64500", ""),
    ("net-asn-too-big", ("routers", "ams01-r1", "links", "et-0/0/0", "peer_as"), 2**32, ""),
    ("net-peer-as-own-asn", ("routers", "ams01-r1", "links", "et-0/0/0", "peer_as"), 64500, ""),
    ("net-vendor-unknown", ("routers", "fra01-r1", "vendor"), "cisco", ""),
    ("net-schema-version", ("schema_version",), 2, ""),
    ("net-router-site-unknown", ("routers", "fra01-r2", "site"), "zrh01", ""),
    ("net-policy-target-above-overload", ("policy", "target_utilization"), 0.95, ""),
    ("net-hold-time-negative", ("policy", "hold_time_s"), -1, ""),
    ("net-inject-peer", ("routers", "ams01-r1", "links", "et-0/0/0", "peer"),
     'arelion"\n}\nsystem { root-authentication', ""),
    ("net-inject-group", ("routers", "ams01-r2", "links", "Ethernet1", "group"),
     "transit\nusername admin secret x", ""),
    ("net-inject-neighbor", ("routers", "ams01-r1", "links", "et-0/0/0", "neighbor"), "100.64.0.1 remote-as 666", ""),
    ("net-inject-scoped-address", ("routers", "ams01-r1", "links", "et-0/0/0", "local_address"),
     "fe80::1%eth0;reboot/64", ""),
    ("net-inject-domain", ("baseline", "domain_name"), "lab.example.net; rm", ""),
    ("net-unknown-key-with-secret", ("routers", "ams01-r1", "password"), SECRET, "unknown key, value never shown"),
    ("net-oversize-router-id", ("routers", "ams01-r1", "router_id"), "1" * 100_000, ""),
    ("net-marker-community-injection", ("policy", "marker_community"), "65535:666 no-export; }", ""),
    ("net-asn-zero", ("routers", "ams01-r1", "asn"), 0, "AS 0 is reserved (RFC 7607); BGP speakers refuse it"),
    ("net-asn-as-trans", ("routers", "ams01-r1", "asn"), 23456, "23456 is AS_TRANS (RFC 6793), only a 2-byte stand-in"),
    ("net-lab-not-a-boolean", ("lab",), "yes", "`lab: yes` as a string must not switch checks off"),
    ("net-router-id-unspecified", ("routers", "ams01-r1", "router_id"), "0.0.0.0", ""),
    ("net-router-id-multicast", ("routers", "ams01-r1", "router_id"), "224.0.0.1", ""),
    ("net-router-id-loopback", ("routers", "fra01-r2", "router_id"), "127.0.0.1", "every router would share it"),
    ("net-domain-empty-label", ("baseline", "domain_name"), "lab..example.net", ""),
    ("net-domain-label-too-long", ("baseline", "domain_name"), "a" * 64 + ".example.net", ""),
    ("net-domain-too-long", ("baseline", "domain_name"),
     ".".join(["a" * 63] * 4)[:254], "254 characters of valid labels"),
    ("net-domain-label-leading-hyphen", ("baseline", "domain_name"), "-lab.example.net", ""),
    ("net-domain-label-trailing-hyphen", ("baseline", "domain_name"), "lab.example-.net", ""),
]
for case_id, keys, value, why in NETWORK_FIELD_CASES:
    network_case(case_id, "traffic:" + ":".join(keys), why=why)(
        lambda net, keys=keys, value=value: _set(net, keys, value))


@network_case("net-site-neighbor-unknown", "traffic:sites:ams01:neighbors:0")
def _(net):
    net["sites"]["ams01"]["neighbors"] = ["lon01"]


@network_case("net-site-neighbor-self", "traffic:sites:fra01:neighbors:0")
def _(net):
    net["sites"]["fra01"]["neighbors"] = ["fra01"]


@network_case("net-pool-site-unknown", "traffic:pools:web:sites:1")
def _(net):
    net["pools"]["web"]["sites"] = ["ams01", "par01"]


@network_case("net-duplicate-router-id", "traffic:routers:ams01-r2:router_id", problems=2)
def _(net):
    net["routers"]["ams01-r2"]["router_id"] = net["routers"]["ams01-r1"]["router_id"]


@network_case("net-catchment-over-one", "traffic:catchment:ams01:fra01")
def _(net):
    net["catchment"] = {"ams01": {"fra01": 1.5}}


@network_case("net-inject-router-name", "traffic:routers:'ams01-r1 { }")
def _(net):
    net["routers"]["ams01-r1 { } system {"] = net["routers"].pop("ams01-r1")


@network_case("net-inject-interface", f"{R1}:links:'et-0/0/0;")
def _(net):
    links = net["routers"]["ams01-r1"]["links"]
    links["et-0/0/0; delete"] = links.pop("et-0/0/0")


@network_case("net-inject-pool-prefix", "traffic:pools:web:prefixes:0")
def _(net):
    net["pools"]["web"]["prefixes"] = ["203.0.113.0/24 exact; }"]


@network_case("net-inject-ntp", "traffic:baseline:ntp_servers:0")
def _(net):
    net["baseline"]["ntp_servers"] = ["192.0.2.123\nset system login user x"]


@network_case("net-unicode-lookalike-site", "traffic:sites:'ams01\\u0430'")
def _(net):
    net["sites"]["ams01\u0430"] = net["sites"]["ams01"]  # Cyrillic a


# -- network: safe on a real Internet edge (reserved values, overlaps, vendor interface names) -----------------
R2 = "traffic:routers:ams01-r2"
F1 = "traffic:routers:fra01-r1"


def _link(net, router="ams01-r1", interface="et-0/0/0"):
    return net["routers"][router]["links"][interface]


def _rename(net, router, old, new):
    links = net["routers"][router]["links"]
    links[new] = links.pop(old)


#: cases that set one field of the first link: (id, field, value, why)
LINK_FIELD_CASES = [
    ("net-peer-as-zero", "peer_as", 0, "AS 0 is reserved (RFC 7607)"),
    ("net-peer-as-as-trans", "peer_as", 23456, "no real peer is AS 23456"),
    ("net-peer-as-65535", "peer_as", 65535, "last 16-bit ASN, reserved (RFC 7300)"),
    ("net-peer-as-4294967295", "peer_as", 4294967295, "last 32-bit ASN, reserved (RFC 7300)"),
    ("net-peer-as-documentation-16bit", "peer_as", 64496,
     "RFC 5398 documentation ASN copied from an example; only `lab: true` allows it"),
    ("net-neighbor-unspecified", "neighbor", "0.0.0.0", ""),
    ("net-neighbor-unspecified-v6", "neighbor", "::", ""),
    ("net-neighbor-broadcast", "neighbor", "255.255.255.255", ""),
    ("net-neighbor-multicast", "neighbor", "224.0.0.5", "224.0.0.5 is OSPF's, never an eBGP peer"),
    ("net-neighbor-loopback", "neighbor", "127.0.0.1", "a session to the router itself"),
    ("net-neighbor-link-local", "neighbor", "169.254.0.1", ""),
    ("net-neighbor-link-local-v6", "neighbor", "fe80::1", "ambiguous without a scope, and scopes are refused"),
    ("net-neighbor-ipv4-mapped", "neighbor", "::ffff:100.64.0.1", "IPv4 written as IPv6: a v6 session to a v4 peer"),
    ("net-neighbor-own-address", "neighbor", "100.64.0.0", "the neighbor is the router's own interface address"),
    ("net-neighbor-outside-subnet", "neighbor", "100.64.0.9", "not reachable on the link: the session never comes up"),
    ("net-local-address-length-zero", "local_address", "100.64.0.0/0", "a /0 interface address claims every address"),
    ("net-local-address-loopback", "local_address", "127.0.0.0/31", ""),
    ("net-group-dotted-leading-zero", "group", "010.0.0.1", "dotted numbers, whatever a parser makes of them"),
]
for case_id, key, value, why in LINK_FIELD_CASES:
    network_case(case_id, f"{L0}:{key}", why=why)(lambda net, key=key, value=value: _link(net).__setitem__(key, value))

#: marker communities that are not the operator's own: (id, value, why)
MARKER_CASES = [
    ("net-marker-blackhole", "65535:666", "RFC 7999 BLACKHOLE: a provider honouring it drops the pool's traffic"),
    ("net-marker-no-export", "65535:65281", "NO_EXPORT: well-known, it changes how routers propagate the route"),
    ("net-marker-graceful-shutdown", "65535:0", "RFC 8326 GRACEFUL_SHUTDOWN: lowers the route's preference"),
    ("net-marker-reserved-zero", "0:666", "0:* is reserved (RFC 1997)"),
    ("net-marker-other-as", "174:666", "another AS's namespace, and the blackhole value many providers use"),
    ("net-marker-out-of-range", "65536:1", "a standard community's parts are 16-bit"),
]
for case_id, value, why in MARKER_CASES:
    network_case(case_id, "traffic:policy:marker_community", why=why)(
        lambda net, value=value: net.setdefault("policy", {}).__setitem__("marker_community", value))


@network_case("net-peer-as-documentation-32bit", "traffic:routers:fra01-r2:links:Ethernet1:peer_as",
              why="RFC 5398 32-bit documentation ASN")
def _(net):
    _link(net, "fra01-r2", "Ethernet1")["peer_as"] = 65551


@network_case("net-router-asn-private", "traffic:routers:fra01-r1:asn",
              why="RFC 6996 private ASN copied from a lab: upstreams strip it, prepends with it lengthen nothing")
def _(net):
    net["routers"]["fra01-r1"]["asn"] = 64512
    net["policy"]["marker_community"] = "64500:4242"  # the default would also need one shared ASN


@network_case("net-pool-longer-than-24", "traffic:pools:web:prefixes:0",
              why="a /25 pool: most of the Internet filters IPv4 announcements longer than /24")
def _(net):
    net["pools"]["web"]["prefixes"] = ["203.0.113.0/25"]


@network_case("net-pool-v6-longer-than-48", "traffic:pools:web:prefixes:1",
              why="a /64 pool: most of the Internet filters IPv6 announcements longer than /48")
def _(net):
    net["pools"]["web"]["prefixes"] = ["203.0.113.0/24", "2001:db8:100::/64"]


@network_case("net-local-subnets-overlap", f"{L0}:local_address", problems=2,
              why="two interfaces of one router in one subnet: both links are named")
def _(net):
    _link(net, "ams01-r1", "et-0/0/1")["local_address"] = "100.64.0.2/30"


@network_case("net-ntp-loopback", "traffic:baseline:ntp_servers:0")
def _(net):
    net["baseline"]["ntp_servers"] = ["127.0.0.1"]


@network_case("net-syslog-broadcast", "traffic:baseline:syslog_hosts:0")
def _(net):
    net["baseline"]["syslog_hosts"] = ["255.255.255.255"]


@network_case("net-syslog-multicast-v6", "traffic:baseline:syslog_hosts:1")
def _(net):
    net["baseline"]["syslog_hosts"] = ["192.0.2.50", "ff02::101"]


@network_case("net-pool-default-route", "traffic:pools:web:prefixes:0", why="withdrawing it would withdraw everything")
def _(net):
    net["pools"]["web"]["prefixes"] = ["0.0.0.0/0"]


@network_case("net-pool-default-route-v6", "traffic:pools:web:prefixes:1")
def _(net):
    net["pools"]["web"]["prefixes"].append("::/0")


@network_case("net-pool-multicast", "traffic:pools:web:prefixes:0")
def _(net):
    net["pools"]["web"]["prefixes"] = ["232.0.0.0/8"]


@network_case("net-pool-covers-multicast", "traffic:pools:web:prefixes:0", why="a covering prefix takes multicast space")
def _(net):
    net["pools"]["web"]["prefixes"] = ["192.0.0.0/2"]


@network_case("net-pool-multicast-v6", "traffic:pools:web:prefixes:1")
def _(net):
    net["pools"]["web"]["prefixes"].append("ff0e::/16")


@network_case("net-pool-ipv4-mapped", "traffic:pools:web:prefixes:1", why="IPv4 space written as IPv6")
def _(net):
    net["pools"]["web"]["prefixes"].append("::ffff:203.0.113.0/120")


@network_case("net-pool-overlaps-other-pool", "traffic:pools:cdn:prefixes:0", problems=2,
              why="a covering prefix in another pool takes the traffic a shift of web means to move")
def _(net):
    net["pools"]["cdn"] = {"prefixes": ["203.0.112.0/23"], "priority": 20, "sites": ["ams01"]}


@network_case("net-pool-family-without-sessions", "traffic:pools:v6:sites:0",
              why="no session of ams01 carries IPv6: the pool could be neither announced nor shifted there")
def _(net):
    net["pools"]["v6"] = {"prefixes": ["2001:db8:80::/48"], "priority": 20, "sites": ["ams01"]}


@network_case("net-max-prefixes-zero", "traffic:routers:ams01-r1:links:et-0/0/0:max_prefixes_v4",
              why="a limit of 0 would tear the session down on its first route")
def _(net):
    net["routers"]["ams01-r1"]["links"]["et-0/0/0"]["max_prefixes_v4"] = 0


@network_case("net-max-prefixes-string", "traffic:routers:ams01-r1:links:et-0/0/0:max_prefixes_v6",
              why="YAML reads 1e6 as a string")
def _(net):
    net["routers"]["ams01-r1"]["links"]["et-0/0/0"]["max_prefixes_v6"] = "1e6"


@network_case("net-group-is-an-address", "traffic:routers:ams01-r2:links:Ethernet1:group",
              why="EOS reads `neighbor 10.0.0.1 ...` as a neighbor, not a peer group")
def _(net):
    _link(net, "ams01-r2", "Ethernet1")["group"] = "10.0.0.1"


@network_case("net-junos-interface-on-eos", f"{R2}:links:et-0/0/0", why="only the renderer refused it before")
def _(net):
    _rename(net, "ams01-r2", "Ethernet1", "et-0/0/0")


@network_case("net-eos-interface-on-junos", f"{F1}:links:Ethernet1")
def _(net):
    _rename(net, "fra01-r1", "et-0/0/0", "Ethernet1")


@network_case("net-interface-not-of-vendor", f"{R2}:links:Vlan10", why="an SVI: no eBGP link interface either vendor renders")
def _(net):
    _rename(net, "ams01-r2", "Ethernet1", "Vlan10")


@network_case("net-junos-interface-unit", f"{R1}:links:et-0/0/1.0", why="addresses go on unit 0; the link names the port")
def _(net):
    _rename(net, "ams01-r1", "et-0/0/1", "et-0/0/1.0")


@network_case("net-eos-interface-lowercase", f"{R2}:links:ethernet1", why="EOS shows Ethernet1 back: readback would differ")
def _(net):
    _rename(net, "ams01-r2", "Ethernet1", "ethernet1")


@network_case("net-eos-interface-leading-zero", "traffic:routers:fra01-r2:links:Ethernet01")
def _(net):
    _rename(net, "fra01-r2", "Ethernet1", "Ethernet01")


@network_case("net-eos-interface-abbreviated", f"{R2}:links:Et1", why="EOS accepts Et1 and shows Ethernet1")
def _(net):
    _rename(net, "ams01-r2", "Ethernet1", "Et1")


@network_case("net-junos-interface-leading-zero", f"{F1}:links:et-0/0/00")
def _(net):
    _rename(net, "fra01-r1", "et-0/0/0", "et-0/0/00")


@network_case("net-junos-interface-uppercase", f"{F1}:links:ET-0/0/0")
def _(net):
    _rename(net, "fra01-r1", "et-0/0/0", "ET-0/0/0")


@network_case("net-eos-same-port-twice", f"{R2}:links:Ethernet01", problems=2,
              why="Ethernet1 and Ethernet01 are one port: two sessions' config on one interface")
def _(net):
    net["routers"]["ams01-r2"]["links"]["Ethernet01"] = {
        **_link(net, "ams01-r2", "Ethernet1"), "peer": "bigisp-ams", "neighbor": "100.64.1.3",
        "local_address": "100.64.1.2/31", "peer_as": 3320, "kind": "private", "group": "pni"}


@network_case("net-junos-same-port-twice", f"{R1}:links:et-0/0/00", problems=2, why="et-0/0/00 is et-0/0/0")
def _(net):
    _rename(net, "ams01-r1", "et-0/0/1", "et-0/0/00")


# -- operator inputs (salt-run traffic.<fn> ...) ------------------------------------------------------------
operator_case("op-drain-unknown-element", "traffic.drain:element", "traffic.drain", "planet", "ams01")
operator_case("op-drain-unknown-site", "traffic.drain:name", "traffic.drain", "site", "zrh01")
operator_case("op-drain-unknown-router", "traffic.drain:name", "traffic.drain", "router", "ams01-r9")
operator_case("op-drain-unknown-link", "traffic.drain:name", "traffic.drain", "link", "ams01-r1:et-9/9/9")
operator_case("op-drain-link-not-an-id", "traffic.drain:name", "traffic.drain", "link", "ams01-r1")
operator_case("op-drain-inject-name", "traffic.drain:name", "traffic.drain", "site", "ams01; rm -rf /")
operator_case("op-drain-inject-newline", "traffic.drain:name", "traffic.drain", "router",
              "ams01-r1\nset system services telnet")
operator_case("op-drain-number", "traffic.drain:name", "traffic.drain", "site", "42")
operator_case("op-undrain-unknown-site", "traffic.undrain:name", "traffic.undrain", "site", "lon01")
operator_case("op-undrain-unknown-element", "traffic.undrain:element", "traffic.undrain", "pop", "ams01")
operator_case("op-freeze-reason-newline", "traffic.freeze:reason", "traffic.freeze",
              "reason=incident\nset system root-authentication")
operator_case("op-freeze-reason-oversize", "traffic.freeze:reason", "traffic.freeze", "reason=" + "x" * 5000)
operator_case("op-freeze-reason-mapping", "traffic.freeze:reason", "traffic.freeze", "reason={password: " + SECRET + "}")
operator_case("op-rollback-unknown-run", "no run '20200101T000000.000000-1'", "traffic.rollback",
              "20200101T000000.000000-1")
operator_case("op-rollback-path-traversal", "traffic.rollback:run_id", "traffic.rollback", "../../../../etc/passwd")
operator_case("op-show-path-traversal", "traffic.show:run_id", "traffic.show", "../active")
operator_case("op-show-unknown-run", "no run '20200101T000000.000000-1'", "traffic.show", "20200101T000000.000000-1")
operator_case("op-replay-garbage", "traffic.replay:run_id", "traffic.replay", "latest")
operator_case("op-schedule-not-a-number", "traffic.schedule:interval", "traffic.schedule", "soon")
operator_case("op-schedule-negative", "traffic.schedule:interval", "traffic.schedule", "interval=-30",
              why="a bare -30 is an option to salt-run, which refuses it with its usage (exit 64)")
operator_case("op-schedule-huge", "traffic.schedule:interval", "traffic.schedule", "99999999")
operator_case("op-schedule-float", "traffic.schedule:interval", "traffic.schedule", "0.5")
operator_case("op-history-negative", "traffic.history:limit", "traffic.history", "limit=-1")
operator_case("op-history-text", "traffic.history:limit", "traffic.history", "limit=all")

CASES = LOAD_CASES + NETWORK_CASES + OPERATOR_CASES
assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
