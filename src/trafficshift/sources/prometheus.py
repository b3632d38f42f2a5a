"""The `prometheus` load source: instant queries for the three gauges (see the package docstring)."""
from __future__ import annotations

import json
import math
import time
import urllib.parse
from typing import Mapping

import requests

from trafficshift.model import Network, split_link_id
from trafficshift.validation import DEFAULT_LIMITS, parse_network
from trafficshift.sources.base import DEFAULT_ALTERNATES, LoadSourceError

def _redacted(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts._replace(query="", fragment=""))


def default_alternates(network: Network, link_id: str, limit: int = DEFAULT_ALTERNATES) -> list[str]:
    """Transit links that can carry any destination, nearest first: same router, same site, then other
    sites in the order of the preferred site's `neighbors` (unlisted sites last, by name)."""
    router_name, _ = split_link_id(link_id)
    router = network.routers.get(router_name)
    site = router.site if router else None
    distance = {name: rank for rank, name in enumerate(network.sites[site].neighbors)} if site in network.sites else {}

    def rank(candidate: str) -> tuple:
        name, _ = split_link_id(candidate)
        other_site = network.routers[name].site
        if name == router_name:
            return (0, 0, "", candidate)
        if other_site == site:
            return (1, 0, "", candidate)
        return (2, distance.get(other_site, len(distance)), other_site, candidate)

    transit = [
        candidate
        for candidate in network.link_ids()
        if candidate != link_id and network.link(candidate).kind == "transit"
    ]
    return sorted(transit, key=rank)[:limit]


class PrometheusSource:
    name = "prometheus"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 5.0,
        metric_prefix: str = "trafficshift",
        alternates: Mapping[str, list[str]] | None = None,
        max_bytes: int = DEFAULT_LIMITS.max_bytes,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.metric_prefix = metric_prefix
        self.alternates = {link: list(alts) for link, alts in (alternates or {}).items()}
        self.max_bytes = max_bytes

    def _fail(self, message: str) -> LoadSourceError:
        return LoadSourceError(f"prometheus source: {_redacted(self.url)}: {message}")

    def _query(self, session: requests.Session, query: str, at: float) -> list[dict]:
        """The instant vector for `query` evaluated at `at`, or LoadSourceError."""
        params = {"query": query, "time": f"{at:.3f}", "timeout": f"{self.timeout_s:g}"}  # seconds
        url = f"{self.url}/api/v1/query"
        try:
            with session.get(url, params=params, timeout=self.timeout_s, stream=True) as response:
                body = bytearray()
                for chunk in response.iter_content(chunk_size=1 << 16):
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise self._fail(f"answer to {query} is larger than {self.max_bytes} bytes")
                status = response.status_code
        except requests.Timeout:
            raise self._fail(f"did not answer {query} within {self.timeout_s:g}s") from None
        except requests.RequestException as exc:
            raise self._fail(f"unreachable ({type(exc).__name__})") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise self._fail(f"answered {query} with HTTP {status} and no JSON") from None
        if not isinstance(answer, dict) or answer.get("status") != "success":
            error = str(answer.get("error", "")) if isinstance(answer, dict) else ""
            raise self._fail(f"failed {query} (HTTP {status}): {error[:200]}")
        if answer.get("warnings"):
            raise self._fail(f"answered {query} with warnings (partial data): {str(answer['warnings'])[:200]}")
        data = answer.get("data") or {}
        if data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
            raise self._fail(f"answered {query} with {data.get('resultType')!r}, not a vector")
        return data["result"]

    def _vector(self, session: requests.Session, query: str, metric: str, labels: tuple[str, ...], at: float) -> dict:
        """{label values: value} for one query; labels ending in `?` may be absent (their value is "")."""
        required = tuple(label for label in labels if not label.endswith("?"))
        names = tuple(label.rstrip("?") for label in labels)
        out: dict[tuple, float] = {}
        for series in self._query(session, query, at):
            metric_labels = series.get("metric") or {}
            missing = [label for label in required if not metric_labels.get(label)]
            if missing:
                raise self._fail(f"a {metric} series has no {', '.join(missing)} label: {str(metric_labels)[:200]}")
            key = tuple(metric_labels.get(label, "") for label in names)
            if key in out:
                raise self._fail(f"duplicate {metric} series for {dict(zip(names, key))} (several exporters?)")
            try:
                value = float(series["value"][1])
            except (KeyError, IndexError, TypeError, ValueError):
                raise self._fail(f"malformed {metric} sample: {str(series)[:200]}") from None
            if not math.isfinite(value):
                raise self._fail(f"{metric}{dict(zip(names, key))} is {value}")
            out[key] = value
        return out

    def _family(self, session: requests.Session, metric: str, labels: tuple[str, ...], at: float) -> dict:
        """{label values: (value, sample time)} for one gauge; labels ending in `?` are optional."""
        values = self._vector(session, metric, metric, labels, at)
        stamps = self._vector(session, f"timestamp({metric})", metric, labels, at)
        if values.keys() != stamps.keys():
            raise self._fail(f"{metric} changed between queries (partial data)")
        return {key: (value, stamps[key]) for key, value in values.items()}

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        if network is None:
            raise self._fail("needs the network (pillar key traffic) for alternates and completeness")
        if not isinstance(network, Network):
            network = parse_network(network)
        at = time.time()
        prefix = self.metric_prefix
        with requests.Session() as session:
            session.trust_env = False  # no proxies or netrc from the environment: talk to `url` only
            egress = self._family(session, f"{prefix}_egress_bps", ("prefix", "router", "interface"), at)
            links = self._family(session, f"{prefix}_link_out_bps", ("router", "interface"), at)
            sites = self._family(session, f"{prefix}_site_ingress_bps", ("site", "pool?"), at)
            # optional: operational state; a link without a series counts as up
            states = self._vector(session, f"{prefix}_link_up", f"{prefix}_link_up", ("router", "interface"), at)
        down = set()
        for (router, interface), value in states.items():
            if value not in (0.0, 1.0):
                raise self._fail(f"{prefix}_link_up{{router={router!r}, interface={interface!r}}} is {value:g}, "
                                 "not 1 (up) or 0 (down)")
            if value == 0.0:
                down.add(f"{router}:{interface}")

        counters = {f"{router}:{interface}": sample for (router, interface), sample in links.items()}
        totals = {site: sample for (site, pool), sample in sites.items() if not pool}
        pools = {(site, pool): sample for (site, pool), sample in sites.items() if pool}
        self._check_complete(network, bool(egress), counters, totals, pools)

        alternates: dict[str, list[str]] = {}  # preferred link -> alternate link ids, computed once per link
        for _, router, interface in egress:
            link = f"{router}:{interface}"
            if link not in alternates:
                default = default_alternates(network, link) if link in counters else []
                alternates[link] = self.alternates.get(link, default)

        def demand(prefix_: str, link: str, bps: float) -> dict:
            ranked = [{"link": alt, "preference": rank * 10} for rank, alt in enumerate(alternates[link])]
            return {"prefix": prefix_, "bps": bps, "link": link, "alternates": ranked}

        by_link = sorted(egress.items(), key=lambda item: (item[0][1], item[0][2], item[0][0]))
        return {
            "timestamp": min(stamp for family in (egress, links, sites) for _, stamp in family.values()),
            "source": "prometheus",
            "egress": [demand(p, f"{router}:{ifname}", bps) for (p, router, ifname), (bps, _) in by_link],
            "links": {link: {"out_bps": value, **({"up": False} if link in down else {})}
                      for link, (value, _) in sorted(counters.items())},
            "sites": {
                site: {
                    "ingress_bps": totals[site][0],
                    "pools": {pool: value for (where, pool), (value, _) in sorted(pools.items()) if where == site},
                }
                for site in sorted(totals)
            },
        }

    def _check_complete(self, network: Network, any_egress: bool, counters: dict, totals: dict, pools: dict) -> None:
        """Partial data is an error: every network link has a counter, every site a total and its pools."""
        prefix = self.metric_prefix
        missing = [f"{prefix}_link_out_bps for {link}" for link in network.link_ids() if link not in counters]
        missing += [f"{prefix}_site_ingress_bps for {site}" for site in sorted(network.sites) if site not in totals]
        missing += [
            f"{prefix}_site_ingress_bps for {site} pool {pool}"
            for pool, spec in sorted(network.pools.items())
            for site in spec.sites
            if (site, pool) not in pools
        ]
        missing += [
            f"{prefix}_site_ingress_bps for {site} (pool {pool} without a total)"
            for site, pool in sorted(pools)
            if site not in totals
        ]
        if network.link_ids() and not any_egress:
            missing.append(f"{prefix}_egress_bps (no series at all)")
        if missing:
            more = f"; ... and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise self._fail(f"partial data, missing {'; '.join(missing[:10])}{more}")
