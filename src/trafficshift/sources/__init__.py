"""Load sources: where the `traffic_load` pillar key comes from (docs/pillar-schema.md#load-sources). One
module per source (`file`, `prometheus`, `clickhouse`) on a shared `base`; this package names them.

A source turns measurements into a plain, JSON-safe dict in the load format (`trafficshift.model.Load`)
that carries the time it was measured. Sources only fetch; `trafficshift.validation.parse_load` decides
whether the load is well-formed and fresh enough to act on. A source that cannot deliver a complete load
(down, timing out, malformed or partial answers) raises `LoadSourceError` and never returns half a load.

    source = get_source("file", path="pillar/load/normal.yaml")
    source = get_source("prometheus", url="http://127.0.0.1:9090", timeout_s=5)
    source = get_source("prometheus", url="http://127.0.0.1:9090", counters="snmp_exporter", rate_window="5m")
    source = get_source("clickhouse", path="/var/lib/flows", window_s=300)          # chDB, embedded
    source = get_source("clickhouse", engine="server", host="clickhouse.example.net", password="...")
    load = source.fetch(network)          # network: Network or the raw `traffic` pillar mapping

Sources:
- ``file``: a YAML or JSON file (by suffix: ``.json`` is JSON, anything else YAML) holding one load mapping
  with its own ``timestamp``. Duplicate keys (also through YAML merge keys ``<<``), YAML aliases,
  NaN/Infinity, non-JSON values and nesting deeper than `MAX_LOAD_DEPTH` are refused, naming the path;
  nothing here recurses over the document (the parsers' own nesting limits end in a clear error too).
- ``prometheus``: instant queries over ``/api/v1/query``. Demands and site ingress are gauges a flow pipeline
  exports (the prefix is configurable)::

      trafficshift_egress_bps{prefix, router, interface}   demand toward `prefix` on its best-path link
      trafficshift_site_ingress_bps{site}                  a site's total ingress
      trafficshift_site_ingress_bps{site, pool}            ... of which toward anycast pool `pool`

  The link counters come from the ``counters`` option (a `CounterFamily`): ``trafficshift`` (default) reads
  ``trafficshift_link_out_bps{router, interface}`` and the optional ``trafficshift_link_up`` (1 up, 0
  operationally down); ``snmp_exporter`` the SNMP exporter's IF-MIB ``rate(ifHCOutOctets[<rate_window>]) * 8``
  by ``instance`` and ``ifName`` with ``ifOperStatus`` (1 up; 2, 6, 7 down; others refused); ``openconfig``
  gNMIc's ``interfaces_interface_state_counters_out_octets`` by ``source`` and ``interface_name``; a mapping
  gives the PromQL itself (``out_bps``, ``stamp``, ``up``, ``router_label``, ``interface_label``). Label values
  name routers as they are, without a ``:<port>``, or through the ``routers`` option; an exporter's series
  for interfaces that are no link of the network are ignored.

  Every value's own sample time is read with ``timestamp()`` (for a rate: of the raw counter); the load's
  ``timestamp`` is the OLDEST sample, so staleness is judged conservatively. Prometheus does not know
  routing, so each prefix's alternates come from configuration: the ``alternates`` option maps a link id to
  its alternate link ids in order of preference; links not in it get every other transit link in the
  network, same router first, then the same site, then other sites in the order of `site.neighbors` (at most
  `DEFAULT_ALTERNATES`). A missing counter for any network link, a missing site total or pool series, no
  egress at all, a duplicate series, a non-finite value or a Prometheus warning is partial data ->
  `LoadSourceError`; so is a link state neither up nor down, and a bad option (before any query).
- ``clickhouse``: sampled flow records (sFlow/IPFIX) in a table shaped like Akvorado's ``flows``
  (``TimeReceived``, ``SamplingRate``, ``ExporterName``, ``InIfName``, ``OutIfName``, ``DstAddr``,
  ``DstNetMask``, ``Bytes``), read through the embedded chDB engine (``engine: chdb``, a session directory
  ``path``) or a ClickHouse server (``engine: server``, clickhouse-connect); both run the same SQL with
  ``{name:Type}`` query parameters, bounded by ``max_execution_time`` and ``max_result_rows`` (``timeout_s``,
  ``max_rows``: more rows is an error, never a truncated load). Over the window [end - ``window_s``, end),
  end = now - ``lag_s``, each row counts ``Bytes * SamplingRate * 8 / window_s`` bit/s: egress demand per
  destination prefix (DstAddr masked to DstNetMask) leaving over a network link (ExporterName, OutIfName), one
  demand per prefix on the link that carried most of it; a site's ingress is everything arriving over its
  links (ExporterName, InIfName), of it per pool what is destined to the pool's prefixes. Link counters are
  the flows' own estimate of what left over each link, so the load's counter check only sees prefixes that
  left over several links (real counters: the prometheus source). The load's ``timestamp`` is the window's
  end. Alternates as for ``prometheus``. Operators may replace either query (``query``: prefix, router,
  interface, bps; ``ingress_query``: site, pool, bps). No flows in the window, SamplingRate 0, a missing table
  or column, and partial data (a link without flows, a site or an announced pool without ingress) are a
  `LoadSourceError`; so is a bad option (before any query). Passwords never reach a message.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from trafficshift.model import Network
from trafficshift.sources.base import DEFAULT_ALTERNATES, LoadSource, LoadSourceError, default_alternates, restamp
from trafficshift.sources.clickhouse import ClickHouseSource
from trafficshift.sources.file import FileSource, json_nesting_problem, read_document
from trafficshift.sources.prometheus import PrometheusSource

__all__ = ["DEFAULT_ALTERNATES", "ClickHouseSource", "FileSource", "LoadSource", "LoadSourceError",
           "PrometheusSource", "default_alternates", "fetch_load", "get_source", "json_nesting_problem",
           "read_document", "restamp"]

SOURCES: dict[str, Callable[..., LoadSource]] = {"file": FileSource, "prometheus": PrometheusSource,
                                                 "clickhouse": ClickHouseSource}


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
