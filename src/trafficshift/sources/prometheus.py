"""The `prometheus` load source: instant queries for egress demands, site ingress and link counters (see the
package docstring). Where the link counters come from (our own gauges, the SNMP exporter's IF-MIB counters,
OpenConfig counters from gNMIc, or custom PromQL) is a `CounterFamily`, chosen by the `counters` option."""
from __future__ import annotations

import json
import math
import re
import time
import urllib.parse
from dataclasses import dataclass, replace
from typing import Callable, Mapping

import requests

from trafficshift.model import Network
from trafficshift.validation import DEFAULT_LIMITS, parse_network
from trafficshift.sources.base import LoadSourceError, default_alternates, missing_ingress, partial_data

#: options PromQL is built from are checked strictly: a Prometheus duration, a label name
RATE_WINDOW = re.compile(r"[1-9][0-9]*(ms|s|m|h)")
LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PORT = re.compile(r":[0-9]+$")
CUSTOM_KEYS = ("out_bps", "stamp", "router_label", "interface_label", "up")


@dataclass(frozen=True)
class CounterFamily:
    """Where the link counters come from: PromQL giving each link's bit/s and its sample time, the labels that
    name router and interface, and optionally PromQL for the operational state with the values meaning up and
    down (any other value is an error: fail static rather than guess)."""

    name: str  # what messages call it: "missing <name> for <link>"
    out_bps: str
    stamp: str
    router_label: str
    interface_label: str
    up: str | None = None
    up_values: tuple[float, ...] = (1.0,)
    down_values: tuple[float, ...] = (0.0,)
    #: an exporter has every interface of every device it scrapes: series that are no link of the network are
    #: ignored. False (our own gauges): they reach the load, where parse_load refuses them as unknown links.
    ignore_other_links: bool = True


def _listed(values: tuple[float, ...]) -> str:
    return ", ".join(f"{value:g}" for value in values)


def _counter(metric: str, router_label: str, interface_label: str, rate_window: str, **up) -> CounterFamily:
    """A family read from a byte counter: its rate in bit/s, the sample time of the raw counter (`timestamp()`
    of a `rate()` is the evaluation time)."""
    return CounterFamily(metric, f"rate({metric}[{rate_window}]) * 8", f"timestamp({metric})",
                         router_label, interface_label, **up)


PRESETS: dict[str, Callable[[str, str], CounterFamily]] = {
    "trafficshift": lambda prefix, _: CounterFamily(
        f"{prefix}_link_out_bps", f"{prefix}_link_out_bps", f"timestamp({prefix}_link_out_bps)", "router",
        "interface", up=f"{prefix}_link_up", ignore_other_links=False),
    # IF-MIB ifOperStatus: up(1); down(2), notPresent(6), lowerLayerDown(7); testing, unknown, dormant refused
    "snmp_exporter": lambda _, window: _counter(
        "ifHCOutOctets", "instance", "ifName", window, up="ifOperStatus", down_values=(2.0, 6.0, 7.0)),
    "openconfig": lambda _, window: _counter(
        "interfaces_interface_state_counters_out_octets", "source", "interface_name", window),
}


def counter_family(counters: str | Mapping, *, metric_prefix: str, rate_window: str, router_label: str | None,
                   interface_label: str | None) -> CounterFamily:
    """The family the `counters` option names (a preset, or a mapping of PromQL), with `router_label` and
    `interface_label` overriding its labels; LoadSourceError naming the option for a bad one."""
    def fail(message: str) -> LoadSourceError:
        return LoadSourceError(f"prometheus source: {message}")

    if not isinstance(rate_window, str) or not RATE_WINDOW.fullmatch(rate_window):
        raise fail(f"option rate_window must be a Prometheus duration such as 5m or 30s, got {rate_window!r}")
    if isinstance(counters, Mapping):
        unknown = sorted(str(key) for key in counters if key not in CUSTOM_KEYS)
        if unknown:
            raise fail(f"option counters: unknown keys {', '.join(unknown)} (known: {', '.join(CUSTOM_KEYS)})")
        for key, value in counters.items():
            if not (isinstance(value, str) and value.strip()) and not (key == "up" and value is None):
                raise fail(f"option counters: {key} must be a PromQL expression or label name, got {value!r}")
        missing = [key for key in ("out_bps", "stamp") if key not in counters]
        if missing:
            raise fail(f"option counters: a custom mapping needs {' and '.join(missing)}")
        family = CounterFamily(counters["out_bps"], counters["out_bps"], counters["stamp"],
                               counters.get("router_label", "router"), counters.get("interface_label", "interface"),
                               up=counters.get("up"))
    elif isinstance(counters, str) and counters in PRESETS:
        family = PRESETS[counters](metric_prefix, rate_window)
    else:
        raise fail(f"option counters must be one of {', '.join(sorted(PRESETS))} or a mapping "
                   f"({', '.join(CUSTOM_KEYS)}), got {counters!r}")
    overrides = {option: value for option, value in (("router_label", router_label),
                                                      ("interface_label", interface_label)) if value is not None}
    family = replace(family, **overrides)
    for option in ("router_label", "interface_label"):
        value = getattr(family, option)
        if not isinstance(value, str) or not LABEL_NAME.fullmatch(value):
            raise fail(f"option {option} must be a Prometheus label name, got {value!r}")
    return family


def _redacted(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urllib.parse.urlunsplit(parts._replace(query="", fragment=""))


class PrometheusSource:
    name = "prometheus"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = 5.0,
        metric_prefix: str = "trafficshift",
        counters: str | Mapping = "trafficshift",
        rate_window: str = "5m",
        router_label: str | None = None,
        interface_label: str | None = None,
        routers: Mapping[str, str] | None = None,
        alternates: Mapping[str, list[str]] | None = None,
        max_bytes: int = DEFAULT_LIMITS.max_bytes,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.metric_prefix = metric_prefix
        self.family = counter_family(counters, metric_prefix=metric_prefix, rate_window=rate_window,
                                     router_label=router_label, interface_label=interface_label)
        routers = {} if routers is None else routers
        if not isinstance(routers, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in routers.items()):
            raise LoadSourceError(f"prometheus source: option routers must map label values to router names, "
                                  f"got {str(routers)[:200]}")
        self.routers = dict(routers)
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

    def _vector(self, session: requests.Session, query: str, metric: str, labels: tuple[str, ...], at: float,
                key: Callable[[tuple], object] = tuple, check: Callable[[float], str | None] | None = None) -> dict:
        """{key(label values): value} for one query. Labels ending in `?` may be absent (their value is ""); a
        series whose key is None is skipped before any other check; `check` says what is wrong with a value."""
        required = tuple(label for label in labels if not label.endswith("?"))
        names = tuple(label.rstrip("?") for label in labels)
        out: dict = {}
        for series in self._query(session, query, at):
            metric_labels = series.get("metric") or {}
            missing = [label for label in required if not metric_labels.get(label)]
            if missing:
                raise self._fail(f"a {metric} series has no {', '.join(missing)} label: {str(metric_labels)[:200]}")
            values = tuple(metric_labels.get(label, "") for label in names)
            where = key(values)
            if where is None:
                continue
            shown = "{" + ", ".join(f"{name}={value!r}" for name, value in zip(names, values)) + "}"
            if where in out:
                raise self._fail(f"duplicate {metric} series for {shown} (several exporters?)")
            try:
                value = float(series["value"][1])
            except (KeyError, IndexError, TypeError, ValueError):
                raise self._fail(f"malformed {metric} sample: {str(series)[:200]}") from None
            if not math.isfinite(value):
                raise self._fail(f"{metric}{shown} is {value}")
            problem = check(value) if check else None
            if problem:
                raise self._fail(f"{metric}{shown} is {value:g}, {problem}")
            out[where] = value
        return out

    def _family(self, session: requests.Session, metric: str, labels: tuple[str, ...], at: float, *,
                query: str | None = None, stamp: str | None = None, key: Callable[[tuple], object] = tuple) -> dict:
        """{key: (value, sample time)} for `query` and `stamp` (default: the gauge `metric` and its timestamp)."""
        values = self._vector(session, query or metric, metric, labels, at, key)
        stamps = self._vector(session, stamp or f"timestamp({metric})", metric, labels, at, key)
        odd = sorted(map(str, values.keys() ^ stamps.keys()))
        if odd:  # for a rate: also a counter with fewer than two samples in the window
            raise self._fail(f"{metric} changed between queries (partial data): value or sample time only for {odd[0]}")
        return {where: (value, stamps[where]) for where, value in values.items()}

    def _router(self, value: str, network: Network) -> str:
        """The router a label value names: through the `routers` option or as itself, first as it is, then
        without a trailing `:<port>` (gNMIc's `source` is often host:port); the value itself if it names none."""
        for candidate in (value, PORT.sub("", value)):
            if candidate in self.routers:
                return self.routers[candidate]
            if candidate in network.routers:
                return candidate
        return value

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        if network is None:
            raise self._fail("needs the network (pillar key traffic) for alternates and completeness")
        if not isinstance(network, Network):
            network = parse_network(network)
        at = time.time()
        prefix, family = self.metric_prefix, self.family
        link_ids = set(network.link_ids())

        def link_of(values: tuple[str, str]) -> str | None:
            link = f"{self._router(values[0], network)}:{values[1]}"
            return None if family.ignore_other_links and link not in link_ids else link

        # an exporter's other interfaces may lack the labels: with ignore_other_links, a missing label is ""
        optional = "?" if family.ignore_other_links else ""
        labels = (family.router_label + optional, family.interface_label + optional)
        known = family.up_values + family.down_values
        expected = f"not {_listed(family.up_values)} (up) or {_listed(family.down_values)} (down)"
        with requests.Session() as session:
            session.trust_env = False  # no proxies or netrc from the environment: talk to `url` only
            egress = self._family(session, f"{prefix}_egress_bps", ("prefix", "router", "interface"), at)
            counters = self._family(session, family.name, labels, at, query=family.out_bps, stamp=family.stamp,
                                    key=link_of)
            sites = self._family(session, f"{prefix}_site_ingress_bps", ("site", "pool?"), at)
            # optional: operational state; a link without a series counts as up
            states = self._vector(session, family.up, family.up, labels, at, link_of,
                                  lambda value: None if value in known else expected) if family.up else {}
        down = {link for link, value in states.items() if value in family.down_values}

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
            "timestamp": min(stamp for samples in (egress, counters, sites) for _, stamp in samples.values()),
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
        missing = [f"{self.family.name} for {link}" for link in network.link_ids() if link not in counters]
        no_total, no_pool, no_total_for_pool = missing_ingress(network, totals, pools)
        missing += [f"{prefix}_site_ingress_bps for {site}" for site in no_total]
        missing += [f"{prefix}_site_ingress_bps for {site} pool {pool}" for site, pool in no_pool]
        missing += [f"{prefix}_site_ingress_bps for {site} (pool {pool} without a total)"
                    for site, pool in no_total_for_pool]
        if network.link_ids() and not any_egress:
            missing.append(f"{prefix}_egress_bps (no series at all)")
        if missing:
            raise self._fail(partial_data(missing))
