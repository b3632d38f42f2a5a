"""Sampled flow records made from a load (pillar/load/normal.yaml) for the clickhouse load source's tests.

Every demand and every site's ingress becomes a few rows of Akvorado's `flows` columns whose
`Bytes * SamplingRate` add up exactly to the rate over `WINDOW_S`, with different sampling rates (1000, 500
and unsampled 1) at the start, middle and end of the window, toward several addresses inside the prefix.
Around them: rows just outside the window (at its end, which is excluded, a second before its start, and
in the future), rows over interfaces that are no link of the network (a router's internal `ae0`, an unused
port, a core router), and egress rows arriving on internal interfaces so that they never count as ingress.
`expected_rates` is the independent oracle: the same rows summed in Python for any window.
"""
from __future__ import annotations

import ipaddress
from collections import defaultdict
from typing import Iterable, NamedTuple

NOW = 1_790_000_400  # the window's end in the tests: [NOW - WINDOW_S, NOW)
WINDOW_S = 300
INTERNAL = "ae0"  # every router's interface toward the inside: never a link of the network
UNUSED_PORT = "et-0/0/7"
CORE_ROUTER = "core-r1"  # exports flows but is no router of the network

#: destinations of each pool's ingress, and of ingress toward no pool (the routers' own addresses)
POOL_ADDRESSES = {
    "web": ["::ffff:203.0.113.10", "::ffff:203.0.113.200", "2001:db8:100::80"],
    "cdn": ["::ffff:198.51.100.7", "2001:db8:200:1::1"],
    "dns": ["::ffff:198.51.100.130"],
    "": ["::ffff:192.0.2.1", "2001:db8:ffff::1"],
}
# an identifiable prefix for the window-edge rows (on its own link, 1000, 2000 and 4000 bit/s)
EDGE_PREFIX, EDGE_LINK = "100.96.0.0/20", "ams01-r1:et-0/0/0"

CREATE = """CREATE TABLE {table} (
    TimeReceived DateTime CODEC(DoubleDelta, LZ4),
    SamplingRate UInt64,
    ExporterName LowCardinality(String),
    InIfName LowCardinality(String),
    OutIfName LowCardinality(String),
    DstAddr IPv6,
    DstNetMask UInt8,
    Bytes UInt64
) ENGINE = MergeTree ORDER BY (TimeReceived, ExporterName)"""
COLUMNS = ("TimeReceived", "SamplingRate", "ExporterName", "InIfName", "OutIfName", "DstAddr", "DstNetMask", "Bytes")


class Flow(NamedTuple):
    time: int
    rate: int
    router: str
    in_if: str
    out_if: str
    address: str
    mask: int
    bytes: int

    def sql(self) -> str:
        return (f"({self.time}, {self.rate}, '{self.router}', '{self.in_if}', '{self.out_if}', '{self.address}', "
                f"{self.mask}, {self.bytes})")


def _split(total_bytes: int) -> list[tuple[int, int]]:
    """(sampling rate, Bytes) rows whose Bytes * rate add up exactly to `total_bytes`."""
    third = total_bytes // 3
    first, second = third // 1000 * 1000, third // 500 * 500
    return [(1000, first // 1000), (500, second // 500), (1, total_bytes - first - second)]


def _hosts(prefix: str) -> list[str]:
    """Three addresses inside `prefix` (IPv4 as IPv4-mapped IPv6, as the flow table keeps them)."""
    network = ipaddress.ip_network(prefix)
    last = network.num_addresses - 2
    hosts = [network.network_address + offset for offset in (1, last // 2, last)]
    return [f"::ffff:{host}" if network.version == 4 else str(host) for host in hosts]


def _bytes(bps: float) -> int:
    total = round(bps * WINDOW_S / 8)
    assert total * 8 == bps * WINDOW_S, f"{bps} bit/s is no whole number of bytes over {WINDOW_S}s"
    return total


def flows_from_load(load: dict, network: dict) -> list[Flow]:
    """The load as flow rows (module docstring)."""
    times = (NOW - WINDOW_S, NOW - WINDOW_S // 2, NOW - 1)  # start (included) .. last second of the window
    rows: list[Flow] = []
    for demand in load["egress"]:
        router, interface = demand["link"].split(":", 1)
        mask = ipaddress.ip_network(demand["prefix"]).prefixlen
        hosts = _hosts(demand["prefix"])
        for when, host, (rate, size) in zip(times, hosts, _split(_bytes(demand["bps"]))):
            rows.append(Flow(when, rate, router, INTERNAL, interface, host, mask, size))
    sites: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for router, spec in sorted(network["routers"].items()):
        sites[spec["site"]] += [(router, interface) for interface in sorted(spec["links"])]
    for site, site_load in load["sites"].items():
        shares = dict(site_load["pools"])
        shares[""] = site_load["ingress_bps"] - sum(shares.values())
        links = sites[site]
        for pool, bps in shares.items():
            per_link = _bytes(bps) // len(links)
            for index, (router, interface) in enumerate(links):
                size = per_link if index else _bytes(bps) - per_link * (len(links) - 1)
                addresses = POOL_ADDRESSES[pool]
                for when, (rate, part) in zip(times, _split(size)):
                    address = addresses[(index + when) % len(addresses)]
                    mask = 24 if address.startswith("::ffff:") else 48
                    rows.append(Flow(when, rate, router, interface, INTERNAL, address, mask, part))
    return rows + noise()


def noise() -> list[Flow]:
    """Rows the source must not count: outside the window, or over interfaces that are no network link."""
    router, interface = EDGE_LINK.split(":", 1)
    edge = _hosts(EDGE_PREFIX)[0]
    web = POOL_ADDRESSES["web"][0]
    return [
        Flow(NOW, 1, router, INTERNAL, interface, edge, 20, 37_500),  # the window's end: excluded
        Flow(NOW - WINDOW_S - 1, 1, router, INTERNAL, interface, edge, 20, 75_000),  # a second too early
        Flow(NOW + 5, 1, router, INTERNAL, interface, edge, 20, 150_000),  # the future
        Flow(NOW - 10, 1000, router, INTERNAL, UNUSED_PORT, edge, 20, 10**9),  # egress over an unused port
        Flow(NOW - 10, 1000, CORE_ROUTER, INTERNAL, interface, edge, 20, 10**9),  # a router not in the network
        Flow(NOW - 10, 1000, router, INTERNAL, INTERNAL, web, 24, 10**9),  # inside to inside, toward a pool
        Flow(NOW - 10, 1000, router, UNUSED_PORT, INTERNAL, web, 24, 10**9),  # ingress over an unused port
    ]


def insert_sql(table: str, rows: Iterable[Flow]) -> str:
    return f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES " + ", ".join(row.sql() for row in rows)


def expected_rates(rows: Iterable[Flow], network: dict, start: int, end: int, window_s: int = WINDOW_S):
    """(egress bps per (prefix, link), out bps per link, ingress bps per site, per (site, pool)) of the rows in
    [start, end), summed in Python: the oracle for the source's SQL."""
    links = {f"{router}:{interface}" for router, spec in network["routers"].items() for interface in spec["links"]}
    pools = [(name, ipaddress.ip_network(prefix), spec["sites"]) for name, spec in network["pools"].items()
             for prefix in spec["prefixes"]]
    egress: dict[tuple[str, str], float] = defaultdict(float)
    out: dict[str, float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    by_pool: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        if not start <= row.time < end:
            continue
        bps = row.bytes * row.rate * 8 / window_s
        address = ipaddress.ip_address(row.address)
        address = address.ipv4_mapped or address
        out_link, in_link = f"{row.router}:{row.out_if}", f"{row.router}:{row.in_if}"
        if out_link in links:
            prefix = str(ipaddress.ip_network(f"{address}/{row.mask}", strict=False))
            egress[(prefix, out_link)] += bps
            out[out_link] += bps
        if in_link in links:
            site = network["routers"][row.router]["site"]
            totals[site] += bps
            for name, prefix, sites in pools:
                if address in prefix and site in sites:
                    by_pool[(site, name)] += bps
    return dict(egress), dict(out), dict(totals), dict(by_pool)
