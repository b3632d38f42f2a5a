"""Salt ext_pillar: measured load under the `traffic_load` pillar key, from a pluggable load source.

Thin adapter; everything happens in `trafficshift.sources` (docs/pillar-schema.md#the-ext_pillar).
The network (`traffic` key, from pillar/traffic/network.sls) must be compiled before this ext_pillar runs
(the default, `ext_pillar_first: False`): the prometheus and clickhouse sources need it for alternates and
completeness.

Master config::

    ext_pillar:
      - traffic_load:
          source: file
          path: /srv/pillar/load/normal.yaml

    ext_pillar:
      - traffic_load:
          source: prometheus
          url: http://127.0.0.1:9090
          timeout_s: 5
          alternates:                      # optional; default: nearest transit links
            ams01-r1:et-0/0/0: [ams01-r2:Ethernet1, fra01-r1:et-0/0/0]

    ext_pillar:
      - traffic_load:
          source: prometheus
          url: http://127.0.0.1:9090
          counters: snmp_exporter          # link counters: the SNMP exporter's if_mib module
          rate_window: 5m

    ext_pillar:
      - traffic_load:
          source: clickhouse               # sampled flows (Akvorado's flows table) in a chDB directory
          path: /var/lib/trafficshift/flows
          window_s: 300
          lag_s: 60                        # flows reach the table a while after the packets passed

    ext_pillar:
      - traffic_load:
          source: clickhouse
          engine: server                   # a ClickHouse server, through clickhouse-connect
          host: clickhouse.example.net
          secure: true
          username: trafficshift
          password: <secret>               # never shown in messages

A source that is down or returns partial data raises `LoadSourceError`; Salt logs it and compiles the
pillar without `traffic_load`, so the planner sees no load and fails static.
"""
from __future__ import annotations

try:
    from trafficshift import sources

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

__virtualname__ = "traffic_load"


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic_load ext_pillar: the trafficshift package is not importable on the master"
    return __virtualname__


def ext_pillar(minion_id, pillar, source="file", **options):  # pylint: disable=unused-argument
    """Return ``{"traffic_load": <load dict>}`` (plain, JSON-safe) from the configured source."""
    return {"traffic_load": sources.fetch_load(source, network=pillar.get("traffic"), **options)}
