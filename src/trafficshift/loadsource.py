"""Load sources: where the `traffic_load` pillar key comes from (docs/pillar-schema.md#load-sources).

A source turns measurements into a plain, JSON-safe dict in the load format (`trafficshift.model.Load`)
that carries the time it was measured. Sources only fetch; `trafficshift.validation.parse_load` decides
whether the load is well-formed and fresh enough to act on. A source that cannot deliver a complete load
(down, timing out, malformed or partial answers) raises `LoadSourceError` and never returns half a load.

    source = get_source("file", path="pillar/load/normal.yaml")
    source = get_source("prometheus", url="http://127.0.0.1:9090", timeout_s=5)
    load = source.fetch(network)          # network: Network or the raw `traffic` pillar mapping

Sources:
- ``file``: a YAML or JSON file (by suffix: ``.json`` is JSON, anything else YAML) holding one load mapping
  with its own ``timestamp``. Duplicate keys (also through YAML merge keys ``<<``), YAML aliases,
  NaN/Infinity, non-JSON values and nesting deeper than `MAX_LOAD_DEPTH` are refused, naming the path;
  nothing here recurses over the document (the parsers' own nesting limits end in a clear error too).
- ``prometheus``: instant queries over ``/api/v1/query`` for three gauges (the prefix is configurable)::

      trafficshift_egress_bps{prefix, router, interface}   demand toward `prefix` on its best-path link
      trafficshift_link_out_bps{router, interface}         the link's output counter rate
      trafficshift_site_ingress_bps{site}                  a site's total ingress
      trafficshift_site_ingress_bps{site, pool}            ... of which toward anycast pool `pool`

  Every value's own sample time is read with ``timestamp()``; the load's ``timestamp`` is the OLDEST sample,
  so staleness is judged conservatively. Prometheus does not know routing, so each prefix's alternates come
  from configuration: the ``alternates`` option maps a link id to its alternate link ids in order of
  preference; links not in it get every other transit link in the network, same router first, then the same
  site, then other sites in the order of `site.neighbors` (at most `DEFAULT_ALTERNATES`). A missing counter
  for any network link, a missing site total or pool series, no egress at all, a duplicate series, a
  non-finite value or a Prometheus warning is partial data -> `LoadSourceError`.
"""
from __future__ import annotations

import json
import math
import re
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

import requests
import yaml

from trafficshift.errors import TrafficShiftError
from trafficshift.model import Network, split_link_id
from trafficshift.validation import DEFAULT_LIMITS, MAX_LOAD_DEPTH, deep_problem, nesting_problem, parse_network

#: default number of alternates per prefix when the `alternates` option does not name the link
DEFAULT_ALTERNATES = 8


class LoadSourceError(TrafficShiftError):
    """The load source could not deliver a complete load (down, timeout, malformed or partial data)."""


class LoadSource(Protocol):
    name: str

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        """A complete load in the load format, or LoadSourceError."""


def restamp(load: Mapping, now: float) -> dict:
    """A copy of `load` measured at `now`: how the demo replays a recorded scenario as fresh data."""
    return {**load, "timestamp": now}


# -- file ---------------------------------------------------------------------------------------------------
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictYamlLoader(yaml.CSafeLoader):
    """Safe YAML that refuses what a machine-written load file never needs and a hostile one abuses:
    duplicate keys (silently last-wins in PyYAML, also when a merge key ``<<`` brings them in) and aliases
    (exponential expansion). libyaml itself stops at 1000 levels of nesting (`read_document` says so in the
    load's terms); shallower documents are measured after parsing (`_plain`)."""

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects or node in self.recursive_objects:
            message = "YAML aliases are not allowed in load files"
            raise yaml.constructor.ConstructorError(None, None, message, node.start_mark)
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        explicit: list = []
        if isinstance(node, yaml.MappingNode):
            explicit = [key.value for key, _ in node.value
                        if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG]
            # PyYAML merges `<<: {...}` / `<<: [{...}, ...]` into the mapping, explicit keys winning silently:
            # merge first, then look for duplicates among all the keys the mapping would have
            self.flatten_mapping(node)
        seen: set = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    through = "" if explicit.count(key_node.value) > 1 else " (through a YAML merge key <<)"
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {ascii(key_node.value)[:80]}{through}", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object that refuses duplicate keys (json keeps the last one silently)."""
    data: dict = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"duplicate key {ascii(key)[:80]}")
        data[key] = value
    return data


def _json_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number a load may contain")


#: the tokens of a JSON text that shape it: strings (escapes included), brackets, commas, colons
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')


def json_nesting_problem(text: str, limit: int = MAX_LOAD_DEPTH, root: str = "traffic_load") -> str | None:
    """The first container of a JSON text nested deeper than `limit`, worded as `nesting_problem` words it
    for parsed data, or None. A tokenizer with an explicit stack, for the text `json.loads` refused with
    RecursionError (its C scanner recurses once per level and stops near the interpreter's limit)."""
    # per open container: [is an object, its current key or index, its own key or index in its parent]
    stack: list[list] = []
    last_string = None
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            if len(stack) >= limit:
                return deep_problem(root, (*(entry[2] for entry in stack[1:]), stack[-1][1]), limit)
            stack.append([token == "{", None if token == "{" else 0, stack[-1][1] if stack else None])
        elif token in ("]", "}"):
            if not stack:
                return None  # unbalanced: the parser says where
            stack.pop()
        elif token == ",":
            if stack:
                stack[-1][1] = None if stack[-1][0] else stack[-1][1] + 1
        elif token == ":":
            if stack and stack[-1][0]:
                try:
                    stack[-1][1] = json.loads(last_string)
                except (TypeError, ValueError):
                    stack[-1][1] = last_string
        else:
            last_string = token
    return None


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_LIMITS.max_bytes) -> Any:
    """Parse a YAML or JSON file (by suffix) strictly; LoadSourceError on any problem."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise LoadSourceError(f"file source: cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise LoadSourceError(f"file source: {path} is larger than the limit of {max_bytes} bytes")
    try:
        if path.suffix == ".json":
            try:
                return json.loads(raw, object_pairs_hook=_json_object, parse_constant=_json_constant)
            except RecursionError:  # raised cleanly by the scanner's recursion guard; name the path without one
                text = raw.decode(json.detect_encoding(raw), "surrogatepass")  # as json.loads decodes bytes
                too_deep = json_nesting_problem(text) or f"nested deeper than the limit of {MAX_LOAD_DEPTH} levels"
                raise LoadSourceError(f"file source: {path}: {too_deep}") from None
        return yaml.load(raw, Loader=_StrictYamlLoader)
    except yaml.MarkedYAMLError as exc:
        if "exceeded maximum nesting depth" in str(exc.problem):  # libyaml's own limit, 1000 levels
            mark = exc.problem_mark
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise LoadSourceError(
                f"file source: {path}: nested deeper than the limit of {MAX_LOAD_DEPTH} levels{where}"
            ) from None
        raise LoadSourceError(f"file source: {path} is not valid YAML: {exc}") from None
    except (ValueError, yaml.YAMLError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise LoadSourceError(f"file source: {path} is not valid {kind}: {exc}") from None


def _not_json(value: object, root: str = "traffic_load") -> str | None:
    """The path (``traffic_load:egress:0:bps``) of a value that is not plain JSON, and what it is. Iterative,
    like `nesting_problem` (which runs first); paths are spelled only for the value reported."""

    def where(path: tuple) -> str:
        return ":".join((root, *(str(part) if isinstance(part, int) else ascii(part)[1:-1][:64] for part in path)))

    if not isinstance(value, (dict, list)):
        return None
    pending: list[tuple[tuple, object]] = [((), value)]
    while pending:
        path, container = pending.pop()
        if isinstance(container, dict):
            for key in container:
                if not isinstance(key, str):
                    return f"{where(path)}: key {ascii(key)[:40]} is not a string"
            items = container.items()
        else:
            items = enumerate(container)
        for key, item in items:
            kind = type(item)
            if kind is str or kind is int or kind is bool or item is None:
                continue
            if kind is float:
                if not math.isfinite(item):
                    return f"{where((*path, key))}: {item!r} is not a number a load may contain"
            elif isinstance(item, (dict, list)):
                pending.append(((*path, key), item))
            elif isinstance(item, float) and not math.isfinite(item):
                return f"{where((*path, key))}: {item!r} is not a number a load may contain"
            elif not isinstance(item, (str, int, float, bool)):
                return f"{where((*path, key))}: a {type(item).__name__} is not plain JSON"
    return None


def _plain(load: object, origin: str) -> dict:
    """The load as a JSON-safe mapping with a timestamp, or LoadSourceError naming the offending path."""
    if not isinstance(load, dict):
        raise LoadSourceError(f"{origin}: must hold a mapping, got {type(load).__name__}")
    too_deep = nesting_problem(load)
    if too_deep:
        raise LoadSourceError(f"{origin}: {too_deep}")
    if "timestamp" not in load:
        raise LoadSourceError(f"{origin}: has no timestamp (traffic_load:timestamp: required; when were these values measured?)")
    problem = _not_json(load)
    if problem:
        raise LoadSourceError(f"{origin}: holds values that are not plain JSON: {problem}")
    return load


class FileSource:
    name = "file"

    def __init__(self, path: str | Path, *, max_bytes: int = DEFAULT_LIMITS.max_bytes) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        """The file's load; the network is not needed (the file is complete by construction)."""
        return _plain(read_document(self.path, max_bytes=self.max_bytes), f"file source: {self.path}")


# -- prometheus ---------------------------------------------------------------------------------------------
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
            "links": {link: {"out_bps": value} for link, (value, _) in sorted(counters.items())},
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


SOURCES: dict[str, Callable[..., LoadSource]] = {"file": FileSource, "prometheus": PrometheusSource}


def get_source(name: str, **options: Any) -> LoadSource:
    """A configured load source by name; LoadSourceError for an unknown name or bad options."""
    if name not in SOURCES:
        raise LoadSourceError(f"unknown load source {name!r}; available: {', '.join(sorted(SOURCES))}")
    try:
        return SOURCES[name](**options)
    except TypeError as exc:
        raise LoadSourceError(f"load source {name!r}: bad options: {exc}") from None


def fetch_load(source: str = "file", *, network: Network | Mapping | None = None, **options: Any) -> dict:
    """One complete load from the named source (what the ext_pillar returns under `traffic_load`)."""
    return get_source(source, **options).fetch(network)
