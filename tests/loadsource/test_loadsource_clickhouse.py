"""The clickhouse load source against flow tables in an embedded chDB session (one per test session).

The `flows` table holds pillar/load/normal.yaml as sampled flow records (clickhouse_flows.py); the other
tables are variants of it, one per failure. The source's clock is pinned (`_now`), so the window is exact.
There is no ClickHouse server here (and chDB cannot act as one): the `server` engine's own code runs against
clickhouse-connect's in-process chDB backend, which binds the parameters as it does for a server.
"""
from __future__ import annotations

import ipaddress
import os
import socket

import chdb.session
import clickhouse_connect
import clickhouse_connect.driver.binding
import pytest

from trafficshift.sources import LoadSourceError, clickhouse, default_alternates, get_source
from trafficshift.validation import parse_load

from loadsource_scenarios import REPO

from clickhouse_flows import (CREATE, EDGE_LINK, EDGE_PREFIX, NOW, WINDOW_S, Flow, expected_rates,
                              flows_from_load, insert_sql)

PARTIAL_LINK = "par01-r1:et-0/0/1"  # flows_partial: no flows over it at all
SILENT_SITE = "sjc01"  # flows_partial: no ingress at this site (its links still carry egress)
UNSAMPLED_ROUTER = "lon01-r2"  # flows_unsampled: one row with SamplingRate 0


@pytest.fixture(scope="session")
def flow_rows(normal_load, network_data) -> list[Flow]:
    return flows_from_load(normal_load, network_data)


@pytest.fixture(scope="session")
def flows_path(tmp_path_factory, flow_rows):
    """A chDB session directory holding `flows` and its variants; the session stays open for the tests' own
    queries (the source opens its own, read-only, on the same directory)."""
    path = os.path.realpath(tmp_path_factory.mktemp("chdb"))
    session = chdb.session.Session(path)
    session.query(CREATE.format(table="flows"))
    session.query(insert_sql("flows", flow_rows))
    for table, condition in [
        ("flows_unsampled", "1"),
        ("flows_partial", f"NOT ((ExporterName, InIfName) = ('par01-r1', 'et-0/0/1') "
                          f"OR (ExporterName, OutIfName) = ('par01-r1', 'et-0/0/1') "
                          f"OR (ExporterName LIKE '{SILENT_SITE}-%' AND OutIfName = 'ae0'))"),
        ("flows_badmask", "1"),
    ]:
        session.query(CREATE.format(table=table))
        session.query(f"INSERT INTO {table} SELECT * FROM flows WHERE {condition}")
    router, interface = EDGE_LINK.split(":", 1)
    session.query(insert_sql("flows_unsampled", [Flow(NOW - 5, 0, UNSAMPLED_ROUTER, "ae0", "Ethernet1",
                                                      "::ffff:100.98.128.1", 20, 1500)]))
    session.query(insert_sql("flows_badmask", [Flow(NOW - 5, 1, router, "ae0", interface,
                                                    "::ffff:100.96.0.1", 33, 1500)]))
    session.query(CREATE.format(table="flows_nomask").replace("    DstNetMask UInt8,\n", ""))
    yield path
    session.close()


@pytest.fixture()
def clock(monkeypatch):
    """Pin the source's clock: `clock(t)`; the window ends at int(t)."""
    def pin(at: float) -> None:
        monkeypatch.setattr(clickhouse, "_now", lambda: at)
    pin(NOW + 0.7)  # a fraction of a second past NOW: the window still ends at NOW
    return pin


def _source(flows_path, **options):
    return get_source("clickhouse", path=flows_path, **options)


def _edge_rows(rows: list[Flow]) -> list[Flow]:
    """The rows toward EDGE_PREFIX leaving over EDGE_LINK, in and out of the window."""
    router, interface = EDGE_LINK.split(":", 1)
    return [r for r in rows if r.router == router and r.out_if == interface
            and r.address.startswith("::ffff:")
            and ipaddress.ip_address(r.address[7:]) in ipaddress.ip_network(EDGE_PREFIX)]


def _demands(load: dict) -> dict[tuple[str, str], float]:
    return {(d["prefix"], d["link"]): d["bps"] for d in load["egress"]}


def _assert_matches(load: dict, rows, network_data, start: int, end: int) -> None:
    egress, out, totals, pools = expected_rates(rows, network_data, start, end)
    assert _demands(load) == pytest.approx(egress, rel=1e-12)
    assert {link: c["out_bps"] for link, c in load["links"].items()} == pytest.approx(out, rel=1e-12)
    assert {site: s["ingress_bps"] for site, s in load["sites"].items()} == pytest.approx(totals, rel=1e-12)
    assert {(site, pool): bps for site, s in load["sites"].items() for pool, bps in s["pools"].items()} \
        == pytest.approx(pools, rel=1e-12)


def test_load_round_trips_through_flow_records(flows_path, clock, network, network_data, normal_load, flow_rows):
    load = _source(flows_path).fetch(network)

    assert load["source"] == "clickhouse"
    assert load["timestamp"] == float(NOW)  # the window's end
    expected = {(d["prefix"], d["link"]): d["bps"] for d in normal_load["egress"]}
    assert _demands(load) == pytest.approx(expected, rel=1e-12)
    for site, site_load in normal_load["sites"].items():
        assert load["sites"][site]["ingress_bps"] == pytest.approx(site_load["ingress_bps"], rel=1e-12)
        assert load["sites"][site]["pools"] == pytest.approx(site_load["pools"], rel=1e-12)
    per_link: dict[str, float] = {}
    for demand in normal_load["egress"]:
        per_link[demand["link"]] = per_link.get(demand["link"], 0) + demand["bps"]
    assert {link: c["out_bps"] for link, c in load["links"].items()} == pytest.approx(per_link, rel=1e-12)
    _assert_matches(load, flow_rows, network_data, NOW - WINDOW_S, NOW)

    check = parse_load(load, network, now=NOW + 1)
    assert not check.stale, check.reasons
    assert len(check.load.egress) == len(normal_load["egress"])


def test_alternates_default_and_configured(flows_path, clock, network, normal_load):
    load = _source(flows_path).fetch(network)
    for demand in load["egress"]:
        assert [a["link"] for a in demand["alternates"]] == default_alternates(network, demand["link"])
        assert [a["preference"] for a in demand["alternates"]] == [10 * i for i in range(len(demand["alternates"]))]

    configured = {d["link"]: [a["link"] for a in d["alternates"]] for d in normal_load["egress"]}
    load = _source(flows_path, alternates=configured).fetch(network)
    for demand in load["egress"]:
        assert [a["link"] for a in demand["alternates"]] == configured[demand["link"]]
    edge = next(d for d in load["egress"] if d["prefix"] == EDGE_PREFIX)
    assert edge["alternates"] == [{"link": "ams01-r2:Ethernet1", "preference": 0},
                                  {"link": "fra01-r1:et-0/0/0", "preference": 10}]
    assert not parse_load(load, network, now=NOW).stale


def test_ipv4_prefixes_are_canonical_text(flows_path, clock, network):
    prefixes = [d["prefix"] for d in _source(flows_path).fetch(network)["egress"]]

    assert EDGE_PREFIX in prefixes and "2001:db8:8000::/48" in prefixes
    assert not [p for p in prefixes if "::ffff:" in p]
    assert prefixes.count(EDGE_PREFIX) == 1  # three hosts in it, one demand
    assert all(str(ipaddress.ip_network(p)) == p for p in prefixes)


def test_sampling_rate_is_corrected_per_row(flows_path, clock, network, flow_rows):
    load = _source(flows_path).fetch(network)
    rows = [r for r in _edge_rows(flow_rows) if NOW - WINDOW_S <= r.time < NOW]
    assert sorted({r.rate for r in rows}) == [1, 500, 1000]
    corrected = sum(r.bytes * r.rate for r in rows) * 8 / WINDOW_S
    raw = sum(r.bytes for r in rows) * 8 / WINDOW_S
    assert _demands(load)[(EDGE_PREFIX, EDGE_LINK)] == pytest.approx(corrected, rel=1e-12)
    assert corrected > 2 * raw  # most bytes come from rows sampled 1:500 and 1:1000


def test_window_includes_its_start_and_excludes_its_end(flows_path, clock, network, network_data, flow_rows):
    """Rows at exactly now - window_s count, rows at now do not: one second later, the start rows have left
    and the row stamped NOW (37,500 bytes at rate 1: 1000 bit/s) is in."""
    before = _demands(_source(flows_path).fetch(network))[(EDGE_PREFIX, EDGE_LINK)]
    start_rows = sum(r.bytes * r.rate for r in _edge_rows(flow_rows) if r.time == NOW - WINDOW_S) * 8 / WINDOW_S
    assert start_rows > 0

    clock(NOW + 1)
    load = _source(flows_path).fetch(network)
    assert load["timestamp"] == NOW + 1
    _assert_matches(load, flow_rows, network_data, NOW + 1 - WINDOW_S, NOW + 1)
    # the 75,000-byte row a second before the old start and the future row never count
    assert _demands(load)[(EDGE_PREFIX, EDGE_LINK)] == pytest.approx(before - start_rows + 1000, rel=1e-12)


def test_a_table_may_name_its_database(flows_path, clock, network):
    assert _source(flows_path, table="default.flows").fetch(network) == _source(flows_path).fetch(network)


def test_lag_ends_the_window_earlier(flows_path, clock, network):
    clock(NOW + 30.2)
    lagged = _source(flows_path, lag_s=30).fetch(network)
    clock(NOW)
    assert lagged == _source(flows_path).fetch(network)
    assert lagged["timestamp"] == NOW


def test_a_prefix_leaving_over_several_links_is_one_demand_on_its_main_link(flows_path, clock, network):
    """The load has one preferred link per prefix: the total on the link that carried most; each link's
    counter keeps what actually left over it."""
    query = clickhouse.EGRESS_SQL + "\nUNION ALL SELECT '100.96.0.0/20', 'ams01-r2', 'Ethernet1', 7e9, 0, 0"
    plain = _source(flows_path).fetch(network)
    load = _source(flows_path, query=query).fetch(network)

    edge = [(d["link"], d["bps"]) for d in load["egress"] if d["prefix"] == EDGE_PREFIX]
    assert edge == [(EDGE_LINK, pytest.approx(_demands(plain)[(EDGE_PREFIX, EDGE_LINK)] + 7e9))]
    other = "ams01-r2:Ethernet1"
    assert load["links"][other]["out_bps"] == pytest.approx(plain["links"][other]["out_bps"] + 7e9)
    assert load["links"][EDGE_LINK] == plain["links"][EDGE_LINK]


def test_missing_table_is_named(flows_path, clock, network):
    with pytest.raises(LoadSourceError, match=r"table nope does not exist") as caught:
        _source(flows_path, table="nope").fetch(network)
    assert "Traceback" not in str(caught.value)
    with pytest.raises(LoadSourceError, match=r"table otherdb\.flows does not exist"):
        _source(flows_path, table="otherdb.flows").fetch(network)


def test_missing_column_is_named(flows_path, clock, network):
    with pytest.raises(LoadSourceError, match=r"table flows_nomask has no column DstNetMask \(the built-in"):
        _source(flows_path, table="flows_nomask").fetch(network)


def test_an_empty_window_is_an_error_not_an_empty_load(flows_path, clock, network):
    clock(NOW + 3600)
    with pytest.raises(LoadSourceError, match=r"no flows in the window 2026-09-21T\S+Z to \S+Z \(end excluded\)"):
        _source(flows_path).fetch(network)


def test_sampling_rate_zero_names_the_exporter(flows_path, clock, network):
    with pytest.raises(LoadSourceError, match=f"SamplingRate 0 from exporter {UNSAMPLED_ROUTER} \\(a collector bug"):
        _source(flows_path, table="flows_unsampled").fetch(network)


def test_a_mask_longer_than_the_address_names_the_exporter(flows_path, clock, network):
    with pytest.raises(LoadSourceError, match="DstNetMask longer than the address .* from exporter ams01-r1"):
        _source(flows_path, table="flows_badmask").fetch(network)


def test_partial_data_lists_what_is_missing(flows_path, clock, network):
    with pytest.raises(LoadSourceError, match=f"partial data, missing flows over {PARTIAL_LINK}; ingress at "
                                              f"{SILENT_SITE}; ingress toward pool cdn at {SILENT_SITE}; "):
        _source(flows_path, table="flows_partial").fetch(network)


def test_a_pool_announced_without_flows_is_partial(flows_path, clock, network):
    pools = dict(network.pools)
    pools["extra"] = pools["web"].model_copy(update={"prefixes": ("192.0.2.128/25",)})
    bigger = network.model_copy(update={"pools": pools})
    with pytest.raises(LoadSourceError, match="partial data, missing ingress toward pool extra at ams01; "):
        _source(flows_path).fetch(bigger)


def test_more_rows_than_max_rows_is_an_error_not_a_truncated_load(flows_path, clock, network):
    message = "the egress query has more than max_rows 10 rows; a truncated load is no load"
    with pytest.raises(LoadSourceError, match=message):
        _source(flows_path, max_rows=10).fetch(network)


def test_custom_queries_replace_the_built_in_ones(flows_path, clock, network, network_data, flow_rows):
    """The operator's queries get the same parameters; here they compute what the built-in ones do (the
    site from the router's name, which the example network allows)."""
    egress = """
        SELECT
            concat(if(isIPv4, replaceOne(toString(network), '::ffff:', ''), toString(network)), '/',
                   toString(DstNetMask)) AS prefix,
            ExporterName AS router, OutIfName AS interface,
            sum(Bytes * SamplingRate) * 8 / {window_s:UInt32} AS bps
        FROM (
            SELECT *, DstAddr BETWEEN toIPv6('::ffff:0.0.0.0') AND toIPv6('::ffff:255.255.255.255') AS isIPv4,
                   IPv6CIDRToRange(DstAddr, toUInt8(if(isIPv4, 96 + DstNetMask, DstNetMask))).1 AS network
            FROM {database:Identifier}.{table:Identifier}
            WHERE TimeReceived >= toDateTime({start:UInt32}) AND TimeReceived < toDateTime({end:UInt32})
        )
        GROUP BY prefix, router, interface  -- every interface: the source keeps the network's links
        ;
    """
    per_link = """
        SELECT splitByChar('-', ExporterName)[1] AS site,
               {pools:Array(String)}[arrayFirstIndex((low, high) -> DstAddr BETWEEN low AND high,
                                                     {pool_low:Array(IPv6)}, {pool_high:Array(IPv6)})] AS pool,
               sum(Bytes * SamplingRate) * 8 / {window_s:UInt32} AS bps
        FROM {table:Identifier}
        WHERE TimeReceived >= toDateTime({start:UInt32}) AND TimeReceived < toDateTime({end:UInt32})
          AND (ExporterName, InIfName) IN {links:Array(Tuple(String, String))}
        GROUP BY site, pool
    """
    ingress = f"""
        SELECT site, pool, bps FROM ({per_link}) WHERE pool != ''
        UNION ALL
        SELECT site, '' AS pool, sum(bps) AS bps FROM ({per_link}) GROUP BY site
    """
    load = _source(flows_path, query=egress, ingress_query=ingress).fetch(network)
    _assert_matches(load, flow_rows, network_data, NOW - WINDOW_S, NOW)
    assert not parse_load(load, network, now=NOW + 1).stale


@pytest.mark.parametrize(("option", "query", "message"), [
    ("query", "SELECT '100.96.0.0/20' AS prefix, 'ams01-r1' AS router, 'et-0/0/0' AS interface",
     r"the egress query \(option query\)'s result has no column bps \(it needs prefix, router, interface, bps, "
     r"named exactly; it has prefix, router, interface\)"),
    ("query", "SELECT '100.96.0.0/20' AS Prefix, 'ams01-r1' AS router, 'et-0/0/0' AS interface, 1.0 AS bps",
     r"has no column prefix"),
    ("ingress_query", "SELECT 'ams01' AS site, 1.0 AS bps", r"ingress_query\)'s result has no column pool"),
    ("query", "SELECT '100.96.0.1/20' AS prefix, 'ams01-r1' AS router, 'et-0/0/0' AS interface, 1.0 AS bps",
     r"returned prefix '100.96.0.1/20' for ams01-r1:et-0/0/0: not a prefix"),
    ("query", "SELECT '100.96.0.0/20' AS prefix, 'ams01-r1' AS router, 'et-0/0/0' AS interface, -1.0 AS bps",
     r"returned bps -1(\.0)? for 100.96.0.0/20 on ams01-r1:et-0/0/0: not a finite rate >= 0"),
    ("query", "SELECT nope FROM {table:Identifier}", r"the egress query \(option query\) failed: Code: 47\. "
                                                     r"DB::Exception: Unknown expression identifier `nope`\.$"),
])
def test_custom_query_problems_are_named(flows_path, clock, network, option, query, message):
    with pytest.raises(LoadSourceError, match=message):
        _source(flows_path, **{option: query}).fetch(network)


@pytest.mark.parametrize(("options", "message"), [
    ({"window_s": 0}, "option window_s must be a whole number from 1 to 3600, got 0"),
    ({"window_s": -300}, "option window_s must be a whole number from 1 to 3600, got -300"),
    ({"window_s": 3601}, "option window_s must be a whole number from 1 to 3600, got 3601"),
    ({"window_s": 300.5}, "option window_s must be a whole number"),
    ({"window_s": True}, "option window_s must be a whole number"),
    ({"max_rows": 0}, "option max_rows must be a whole number from 1"),
    ({"timeout_s": 0}, "option timeout_s must be a number of seconds above 0 and at most 600"),
    ({"lag_s": -1}, "option lag_s must be a whole number from 0 to 3600"),
    ({"engine": "mysql"}, "option engine must be one of chdb, server, got 'mysql'"),
    ({"bogus": 1}, r"load source 'clickhouse': bad options: .*unexpected keyword argument 'bogus'"),
    ({"table": "flows; DROP TABLE flows"}, "option table must be a table name or database.table"),
    ({"query": "  ; "}, "option query must be a SQL query"),
    ({"alternates": {"ams01-r1:et-0/0/0": "ams01-r2:Ethernet1"}}, "option alternates must map link ids to lists"),
    ({"host": "127.0.0.1"}, "option host applies to engine server only"),
])
def test_bad_options_are_refused_before_any_query(flows_path, options, message):
    with pytest.raises(LoadSourceError, match=message):
        _source(flows_path, **options)


def test_chdb_engine_needs_an_existing_directory(tmp_path):
    with pytest.raises(LoadSourceError, match="engine chdb needs option path"):
        get_source("clickhouse")
    with pytest.raises(LoadSourceError, match="option path must be an existing directory, got '.*nowhere'"):
        get_source("clickhouse", path=tmp_path / "nowhere")


def test_a_second_chdb_directory_in_one_process_is_an_error(flows_path, tmp_path, clock, network):
    """chDB runs one engine per process: the session fixture holds `flows_path`."""
    with pytest.raises(LoadSourceError, match=r"cannot open a chDB session: .*EmbeddedServer already initialized"):
        get_source("clickhouse", path=tmp_path).fetch(network)


def test_the_source_needs_the_network(flows_path):
    with pytest.raises(LoadSourceError, match="needs the network"):
        _source(flows_path).fetch(None)


def test_the_docs_show_the_sql_the_source_runs():
    """docs/pillar-schema.md, "clickhouse", quotes the queries and the settings clause with the defaults."""
    text = (REPO / "docs" / "pillar-schema.md").read_text()
    for sql in (clickhouse.EGRESS_SQL, clickhouse.INGRESS_SQL, clickhouse.settings_clause(10, 1_000_000)):
        assert f"```sql\n{sql}\n```" in text


# --- the server engine -------------------------------------------------------------------------------------

def test_parameters_are_sent_as_clickhouse_connect_binds_them(network):
    """chDB takes parameter values as text: the source writes the text clickhouse-connect sends a server."""
    names, lows, highs = clickhouse._pool_ranges(network)
    params = {"database": "default", "table": "flows", "start": NOW - WINDOW_S, "end": NOW, "window_s": WINDOW_S,
              "links": [tuple(link.split(":", 1)) for link in network.link_ids()] + [("odd'name\\", "tab\there")],
              "pools": names, "pool_low": lows, "pool_high": highs}
    for name, value in params.items():
        assert clickhouse.parameter_text(value) == clickhouse_connect.driver.binding.format_bind_value(value), name


@pytest.fixture()
def server_over_chdb(monkeypatch, flows_path):
    """clickhouse_connect.get_client answering from the chDB session directory through clickhouse-connect's
    own chDB backend (same parameter binding and result handling as for a server); the options the source
    passed are recorded."""
    real = clickhouse_connect.get_client
    calls: list[dict] = []

    def get_client(**options):
        calls.append(options)
        return real(interface="chdb", path=flows_path)

    monkeypatch.setattr(clickhouse_connect, "get_client", get_client)
    return calls


def test_server_engine_runs_the_same_sql(server_over_chdb, flows_path, clock, network):
    source = get_source("clickhouse", engine="server", host="clickhouse.example.net", port=8443, secure=True,
                        username="trafficshift", password="hunter2", timeout_s=7)
    load = source.fetch(network)

    assert load == _source(flows_path).fetch(network)
    assert server_over_chdb == [{"host": "clickhouse.example.net", "port": 8443, "username": "trafficshift",
                                 "password": "hunter2", "secure": True, "connect_timeout": 7.0,
                                 "send_receive_timeout": 12.0, "autogenerate_session_id": False}]
    assert "hunter2" not in repr(source) and "hunter2" not in str(load)
    with pytest.raises(LoadSourceError, match="server clickhouse.example.net:8443: table nope does not exist"):
        get_source("clickhouse", engine="server", host="clickhouse.example.net", port=8443, password="hunter2",
                   table="nope").fetch(network)


def test_server_errors_never_show_the_password(server_over_chdb, clock, network):
    query = "SELECT 'hunter2' AS nope FROM {table:Identifier} WHERE throwIf(1, 'hunter2 in an error')"
    with pytest.raises(LoadSourceError) as caught:
        get_source("clickhouse", engine="server", host="db", password="hunter2", query=query).fetch(network)
    assert "hunter2" not in str(caught.value) and "*** in an error" in str(caught.value)


def test_unreachable_server_is_an_error_without_the_password(network):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LoadSourceError, match=f"clickhouse source: server 127.0.0.1:{port}: cannot connect") as caught:
        get_source("clickhouse", engine="server", host="127.0.0.1", port=port, password="hunter2",
                   timeout_s=2).fetch(network)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("options", [
    {"window_s": 0}, {"path": "/tmp"}, {"port": 0}, {"secure": "yes"}, {"username": 7},
])
def test_bad_server_options_never_show_the_password(options):
    with pytest.raises(LoadSourceError) as caught:
        get_source("clickhouse", engine="server", host="db", password="hunter2", **options)
    assert "hunter2" not in str(caught.value)


def test_a_password_for_the_chdb_engine_is_refused_without_showing_it(flows_path):
    with pytest.raises(LoadSourceError, match="option password applies to engine server only") as caught:
        _source(flows_path, password="hunter2")
    assert "hunter2" not in str(caught.value)
