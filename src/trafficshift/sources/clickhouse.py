"""The `clickhouse` load source: egress demands and anycast ingress estimated from sampled flow records
(sFlow/IPFIX) in a ClickHouse table shaped like Akvorado's `flows` table (docs/pillar-schema.md#clickhouse).

Two engines run the same SQL with the same `{name:Type}` query parameters: ``chdb`` (default) opens a chDB
session (ClickHouse embedded in this process) on a directory that holds the table; ``server`` talks to a
ClickHouse server over HTTP(S) through clickhouse-connect. Both are imported only when a fetch needs them.

What the flows give, per window [end - window_s, end) with end = now - lag_s (whole seconds):
- egress: per destination prefix (DstAddr masked to the router's DstNetMask) and network link (ExporterName,
  OutIfName), sum(Bytes * SamplingRate) * 8 / window_s. The load format has one preferred link per prefix
  (a local-pref override acts network-wide), so a prefix that left over several links becomes one demand with
  its total rate, on the link that carried most of it;
- link counters: every network link's out_bps is what the flows measured leaving over it (an estimate from the
  same samples, not an interface counter);
- ingress: per site, the flows arriving over the site's network links (ExporterName, InIfName), and of them
  per anycast pool those whose destination lies in one of the pool's prefixes (matched in SQL).
"""
from __future__ import annotations

import contextlib
import gc
import ipaddress
import json
import math
import operator
import os
import re
import time
from typing import Any, Mapping, Sequence

from trafficshift.model import Network, split_link_id
from trafficshift.sources.base import LoadSourceError, default_alternates, missing_ingress, partial_data
from trafficshift.validation import parse_network

ENGINES = ("chdb", "server")
#: the flow table's columns the built-in queries read (the subset of Akvorado's `flows` they need)
FLOW_COLUMNS = ("TimeReceived", "SamplingRate", "ExporterName", "InIfName", "OutIfName", "DstAddr", "DstNetMask",
                "Bytes")
#: result columns of the operator's own queries (`query`, `ingress_query`), compared exactly
EGRESS_COLUMNS = ("prefix", "router", "interface", "bps")
INGRESS_COLUMNS = ("site", "pool", "bps")
MAX_WINDOW_S = 3600
MAX_LAG_S = 3600
MAX_TIMEOUT_S = 600
DEFAULT_MAX_ROWS = 1_000_000
#: `table` or `database.table`, plain identifiers (bound as Identifier parameters, never formatted in)
TABLE = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
SERVER_OPTIONS = ("host", "port", "username", "password", "database", "secure")

# Egress demand per (router, interface, destination prefix). IPv4 destinations are IPv4-mapped (::ffff:a.b.c.d)
# with an IPv4 DstNetMask (0..32): masked as /(96 + mask) and printed without the ::ffff: prefix. Grouping by the
# masked address (not its text) keeps the per-row work small; the text is built once per group.
EGRESS_SQL = """\
WITH
    DstAddr BETWEEN toIPv6('::ffff:0.0.0.0') AND toIPv6('::ffff:255.255.255.255') AS v4,
    IPv6CIDRToRange(DstAddr, toUInt8(if(v4, 96 + least(DstNetMask, 32), least(DstNetMask, 128)))).1 AS network
SELECT
    concat(if(network BETWEEN toIPv6('::ffff:0.0.0.0') AND toIPv6('::ffff:255.255.255.255'),
              replaceOne(toString(network), '::ffff:', ''), toString(network)),
           '/', toString(DstNetMask)) AS prefix,
    ExporterName AS router,
    OutIfName AS interface,
    sum(toUInt128(Bytes) * SamplingRate) * 8 / {window_s:UInt32} AS bps,
    countIf(SamplingRate = 0) AS unsampled,
    countIf(DstNetMask > if(v4, 32, 128)) AS bad_masks
FROM {database:Identifier}.{table:Identifier}
WHERE TimeReceived >= toDateTime({start:UInt32}) AND TimeReceived < toDateTime({end:UInt32})
    AND (ExporterName, OutIfName) IN {links:Array(Tuple(String, String))}
GROUP BY ExporterName, OutIfName, network, DstNetMask"""

# Ingress per (router, interface, pool): the pool is the first whose prefix range holds DstAddr ('' for none;
# pool prefixes never overlap, parse_network refuses that). Exact per flow, whatever DstNetMask says.
INGRESS_SQL = """\
SELECT
    ExporterName AS router,
    InIfName AS interface,
    {pools:Array(String)}[arrayFirstIndex((low, high) -> DstAddr BETWEEN low AND high,
                                          {pool_low:Array(IPv6)}, {pool_high:Array(IPv6)})] AS pool,
    sum(toUInt128(Bytes) * SamplingRate) * 8 / {window_s:UInt32} AS bps,
    countIf(SamplingRate = 0) AS unsampled
FROM {database:Identifier}.{table:Identifier}
WHERE TimeReceived >= toDateTime({start:UInt32}) AND TimeReceived < toDateTime({end:UInt32})
    AND (ExporterName, InIfName) IN {links:Array(Tuple(String, String))}
GROUP BY router, interface, pool"""

# The flow table's columns, for a clear message when the table or a column is missing.
COLUMNS_SQL = """\
SELECT name
FROM system.columns
WHERE database = {database:String} AND table = {table:String}"""


def _now() -> float:
    """The clock a fetch reads (tests replace it)."""
    return time.time()


def settings_clause(timeout_s: float, max_rows: int) -> str:
    """The bounds every query runs under: ClickHouse stops it after `timeout_s` and refuses (not truncates) a
    result of more than `max_rows` rows. Numbers checked by the source, formatted in (SETTINGS takes literals)."""
    return (f"SETTINGS max_execution_time = {timeout_s:g}, max_result_rows = {max_rows}, "
            "result_overflow_mode = 'throw'")


def wrapped(query: str, settings: str) -> str:
    """The operator's query as a subquery under our settings: its own trailing `;` and line comments cannot
    swallow them, and its result columns are exactly its own."""
    return f"SELECT *\nFROM (\n{query.strip().rstrip(';').rstrip()}\n)\n{settings}"


def _escaped(value: str) -> str:
    """A string parameter's text: backslash before backslash, quote, backtick, tab and newline."""
    return "".join("\\" + char if char in "\\'`\t\n" else char for char in value)


def parameter_text(value: Any, top_level: bool = True) -> str:
    """A query parameter's value in ClickHouse's text form, as chDB takes it (it passes strings on as they are):
    the same text clickhouse-connect sends a server for the parameter types these queries use (str, int, lists
    and tuples of them); tests/loadsource compares the two."""
    if isinstance(value, bool):
        raise TypeError("no bool query parameters")
    if isinstance(value, str):
        return _escaped(value) if top_level else f"'{_escaped(value)}'"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(parameter_text(item, False) for item in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(parameter_text(item, False) for item in value) + ")"
    raise TypeError(f"unsupported query parameter type {type(value).__name__}")


def _engine_message(exc: BaseException, secret: str = "") -> str:
    """An engine's exception as one short line: no traceback, no stack trace, no query text, no password."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for cut in (" Stack trace", " In scope ", ". (version"):
        if cut in text:
            text = text[: text.index(cut)]
    if secret:
        text = text.replace(secret, "***")
    return text[:400]


class _EngineError(Exception):
    """What an engine raises instead of its own exceptions: the short message only."""


class ChdbEngine:
    """A chDB session on `path`, opened read-only (readonly=2: no writes, our per-query settings allowed) for one
    fetch and closed after it: chDB keeps a failed query's partial output in the session's buffer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.session = None

    def __enter__(self) -> "ChdbEngine":
        try:
            from chdb import session as chdb_session
        except ImportError as exc:
            raise _EngineError(f"the chdb package is not importable ({exc})") from None
        try:
            self.session = chdb_session.Session(f"{self.path}?readonly=2")
        except Exception as exc:  # noqa: BLE001 (chDB raises RuntimeError and its own errors)
            message = _engine_message(exc)
            if "Error initializing EmbeddedServer" in message:  # the lock's own message goes to stderr only
                message += (" (chDB locks its directory for one process at a time: is another process, a writer "
                            "or a second pillar compile, using it?)")
            raise _EngineError(f"cannot open a chDB session: {message}") from None
        return self

    def __exit__(self, *_exc) -> None:
        if self.session is not None:
            try:
                self.session.close()
            except Exception:  # noqa: BLE001 (closing is best effort; the fetch's outcome stands)
                pass
            self.session = None

    def query(self, sql: str, params: Mapping[str, Any]) -> tuple[list[str], list[list]]:
        text = {name: parameter_text(value) for name, value in params.items()}
        try:
            answer = self.session.query(sql, "JSONCompact", params=text)
            data = json.loads(answer.bytes())
        except ValueError as exc:  # json: never half an answer (chDB can prepend a failed query's output)
            raise _EngineError(f"malformed answer ({exc})") from None
        except Exception as exc:  # noqa: BLE001
            raise _EngineError(_engine_message(exc)) from None
        try:
            return [column["name"] for column in data["meta"]], data["data"]
        except (KeyError, TypeError):
            raise _EngineError("malformed answer (no meta or data)") from None


class ServerEngine:
    """A ClickHouse server through clickhouse-connect (HTTP or HTTPS), for one fetch."""

    def __init__(self, *, host: str, port: int | None, username: str, password: str, database: str | None,
                 secure: bool, timeout_s: float) -> None:
        self.options = {"host": host, "username": username, "password": password, "secure": secure,
                        "connect_timeout": timeout_s, "send_receive_timeout": timeout_s + 5,
                        "autogenerate_session_id": False}
        if port is not None:
            self.options["port"] = port
        if database is not None:
            self.options["database"] = database
        self.password = password
        self.client = None

    def __enter__(self) -> "ServerEngine":
        try:
            import clickhouse_connect
        except ImportError as exc:
            raise _EngineError(f"the clickhouse-connect package is not importable ({exc})") from None
        try:
            self.client = clickhouse_connect.get_client(**self.options)
        except Exception as exc:  # noqa: BLE001 (connection, TLS, authentication errors)
            raise _EngineError(f"cannot connect: {_engine_message(exc, self.password)}") from None
        return self

    def __exit__(self, *_exc) -> None:
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # noqa: BLE001
                pass
            self.client = None

    def query(self, sql: str, params: Mapping[str, Any]) -> tuple[list[str], list[Sequence]]:
        try:
            result = self.client.query(sql, parameters=dict(params))
            return list(result.column_names), result.result_rows
        except Exception as exc:  # noqa: BLE001
            raise _EngineError(_engine_message(exc, self.password)) from None


def _number(value: Any) -> float | None:
    """A rate from a result cell (a JSON number, or a 64-bit integer as text); None if it is none."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _canonical_prefix(text: Any) -> str | None:
    """An operator query's prefix in canonical text (IPv4-mapped IPv6 as IPv4), or None if it is no prefix."""
    if not isinstance(text, str):
        return None
    try:
        network = ipaddress.ip_network(text)
    except ValueError:
        return None
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            network = ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return str(network)


def _pool_ranges(network: Network) -> tuple[list[str], list[str], list[str]]:
    """(pool, first address, last address) of every pool prefix, IPv4 as IPv4-mapped IPv6 like DstAddr."""
    names, lows, highs = [], [], []
    for name, pool in sorted(network.pools.items()):
        for prefix in pool.prefixes:
            net = ipaddress.ip_network(prefix)
            low, high = net.network_address, net.broadcast_address
            if net.version == 4:
                low, high = (ipaddress.IPv6Address(f"::ffff:{address}") for address in (low, high))
            names.append(name)
            lows.append(str(low))
            highs.append(str(high))
    return names, lows, highs


def _shown(value: Any, limit: int = 60) -> str:
    """A value for a message: its repr, cut at `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while a large load is built: its 10^6 dicts and lists would trigger
    collections over the growing graph again and again (a third of the time at 10^6 demands); none of them is
    garbage. The previous state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _utc(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LoadSourceError(f"clickhouse source: option {name} must be a whole number from {low} to {high}, "
                              f"got {_shown(value)}")
    return value


class ClickHouseSource:
    name = "clickhouse"

    def __init__(
        self,
        *,
        engine: str = "chdb",
        path: str | os.PathLike | None = None,
        host: str | None = None,
        port: int | None = None,
        username: str | None = None,
        password: str | None = None,
        database: str | None = None,
        secure: bool | None = None,
        table: str = "flows",
        window_s: int = 300,
        lag_s: int = 0,
        max_rows: int = DEFAULT_MAX_ROWS,
        timeout_s: float = 10.0,
        query: str | None = None,
        ingress_query: str | None = None,
        alternates: Mapping[str, list[str]] | None = None,
    ) -> None:
        def fail(message: str) -> LoadSourceError:
            return LoadSourceError(f"clickhouse source: {message}")

        if engine not in ENGINES:
            raise fail(f"option engine must be one of {', '.join(ENGINES)}, got {_shown(engine)}")
        self.engine = engine
        self.window_s = _whole("window_s", window_s, 1, MAX_WINDOW_S)
        self.lag_s = _whole("lag_s", lag_s, 0, MAX_LAG_S)
        self.max_rows = _whole("max_rows", max_rows, 1, 100 * DEFAULT_MAX_ROWS)
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) \
                or not 0 < timeout_s <= MAX_TIMEOUT_S:
            raise fail(f"option timeout_s must be a number of seconds above 0 and at most {MAX_TIMEOUT_S}, "
                       f"got {_shown(timeout_s)}")
        self.timeout_s = float(timeout_s)
        if not isinstance(table, str) or not TABLE.fullmatch(table):
            raise fail(f"option table must be a table name or database.table (letters, digits, _), "
                       f"got {_shown(table)}")
        self.table = table
        for option, value in (("query", query), ("ingress_query", ingress_query)):
            if value is not None and not (isinstance(value, str) and value.strip().rstrip(";").strip()):
                raise fail(f"option {option} must be a SQL query (a string), got {_shown(value)}")
        self.query, self.ingress_query = query, ingress_query
        if alternates is None:
            alternates = {}
        if not isinstance(alternates, Mapping) or not all(
                isinstance(link, str) and isinstance(alts, (list, tuple)) and all(isinstance(a, str) for a in alts)
                for link, alts in alternates.items()):
            raise fail("option alternates must map link ids to lists of link ids")
        self.alternates = {link: list(alts) for link, alts in alternates.items()}

        server = {"host": host, "port": port, "username": username, "password": password, "database": database,
                  "secure": secure}
        self._password = password if isinstance(password, str) else ""
        if engine == "chdb":
            given = [option for option in SERVER_OPTIONS if server[option] is not None]
            if given:
                raise fail(f"option {', '.join(given)} applies to engine server only (engine is chdb)")
            if path is None:
                raise fail("engine chdb needs option path: the directory of the chDB session holding the table")
            if not isinstance(path, (str, os.PathLike)) or not os.path.isdir(path):
                shown = os.fspath(path) if isinstance(path, os.PathLike) else path
                raise fail(f"option path must be an existing directory, got {_shown(shown, 200)}")
            # chDB compares its engine's path literally (one engine per process): one spelling per directory
            self.path = os.path.realpath(path)
            if "?" in self.path:
                raise fail(f"option path must not contain '?' (chDB reads it as connection options), "
                           f"got {self.path[:200]!r}")
            self.where = f"chdb {self.path}"
        else:
            if path is not None:
                raise fail("option path applies to engine chdb only (engine is server)")
            if not isinstance(host, str) or not host:
                raise fail("engine server needs option host")
            if port is not None:
                _whole("port", port, 1, 65535)
            for option in ("username", "password", "database"):
                if server[option] is not None and not isinstance(server[option], str):
                    raise fail(f"option {option} must be a string")  # the value is never shown
            if secure is not None and not isinstance(secure, bool):
                raise fail(f"option secure must be true or false, got {_shown(secure)}")
            self.server = {"host": host, "port": port, "username": username or "default",
                           "password": self._password, "database": database, "secure": bool(secure)}
            self.where = f"server {host}" + (f":{port}" if port is not None else "") \
                + (f"/{database}" if database else "")

    def __repr__(self) -> str:
        return f"ClickHouseSource({self.where!r}, table={self.table!r}, window_s={self.window_s})"

    def _fail(self, message: str) -> LoadSourceError:
        message = f"clickhouse source: {self.where}: {message}"
        return LoadSourceError(message.replace(self._password, "***") if self._password else message)

    def _engine(self):
        if self.engine == "chdb":
            return ChdbEngine(self.path)
        return ServerEngine(**self.server, timeout_s=self.timeout_s)

    def _run(self, engine, what: str, sql: str, params: Mapping[str, Any], columns: Sequence[str]) -> list[tuple]:
        """The rows of one query as tuples of `columns` (in that order; other columns dropped), or
        LoadSourceError naming `what`."""
        try:
            names, rows = engine.query(sql, params)
        except _EngineError as exc:
            message = str(exc)
            if "TOO_MANY_ROWS" in message:
                raise self._fail(f"the {what} has more than max_rows {self.max_rows} rows; a truncated load is no "
                                 f"load: raise max_rows or shorten window_s") from None
            if "TIMEOUT_EXCEEDED" in message:
                raise self._fail(f"the {what} did not finish within timeout_s {self.timeout_s:g}s") from None
            raise self._fail(f"the {what} failed: {message}") from None
        missing = [column for column in columns if column not in names]
        if missing:
            raise self._fail(f"the {what}'s result has no column {', '.join(missing)} (it needs "
                             f"{', '.join(columns)}, named exactly; it has {', '.join(map(str, names))[:200]})")
        if len(rows) > self.max_rows:  # an engine that did not apply max_result_rows
            raise self._fail(f"the {what} has more than max_rows {self.max_rows} rows; a truncated load is no load")
        return list(map(operator.itemgetter(*(names.index(column) for column in columns)), rows))

    def _database(self, engine) -> str:
        """The flow table's database: the `table` option's, or the session's current one."""
        database = self.table.rpartition(".")[0]
        if database:
            return database
        try:
            _, rows = engine.query("SELECT currentDatabase()", {})
            return str(rows[0][0])
        except (_EngineError, IndexError, TypeError) as exc:
            raise self._fail(f"cannot read the current database: {exc}") from None

    def _check_table(self, engine, database: str, table: str) -> None:
        """A missing flow table or column, named before the built-in queries would fail on it."""
        try:
            _, rows = engine.query(COLUMNS_SQL, {"database": database, "table": table})
        except _EngineError as exc:
            raise self._fail(f"cannot list the columns of table {self.table}: {exc}") from None
        present = {row[0] for row in rows}
        if not present:
            raise self._fail(f"table {self.table} does not exist (or this user cannot see it)")
        missing = [column for column in FLOW_COLUMNS if column not in present]
        if missing:
            raise self._fail(f"table {self.table} has no column {', '.join(missing)} (the built-in queries read "
                             f"{', '.join(FLOW_COLUMNS)})")

    def fetch(self, network: Network | Mapping | None = None) -> dict:
        if network is None:
            raise self._fail("needs the network (pillar key traffic) for its links, sites, pools and alternates")
        if not isinstance(network, Network):
            network = parse_network(network)
        end = int(_now()) - self.lag_s
        start = end - self.window_s
        link_ids = sorted(network.link_ids())
        pools, pool_low, pool_high = _pool_ranges(network)
        params = {"start": start, "end": end, "window_s": self.window_s,
                  "links": [split_link_id(link) for link in link_ids],
                  "pools": pools, "pool_low": pool_low, "pool_high": pool_high}
        settings = settings_clause(self.timeout_s, self.max_rows)
        try:
            with self._engine() as engine:
                params["database"], params["table"] = self._database(engine), self.table.rpartition(".")[2]
                if self.query is None or self.ingress_query is None:
                    self._check_table(engine, params["database"], params["table"])
                if self.query is None:
                    egress = self._run(engine, "egress query", f"{EGRESS_SQL}\n{settings}", params,
                                       EGRESS_COLUMNS + ("unsampled", "bad_masks"))
                else:
                    egress = self._run(engine, "egress query (option query)", wrapped(self.query, settings),
                                       params, EGRESS_COLUMNS)
                if self.ingress_query is None:
                    ingress = self._run(engine, "ingress query", f"{INGRESS_SQL}\n{settings}", params,
                                        ("router", "interface", "pool", "bps", "unsampled"))
                else:
                    ingress = self._run(engine, "ingress query (option ingress_query)",
                                        wrapped(self.ingress_query, settings), params, INGRESS_COLUMNS)
        except _EngineError as exc:
            raise self._fail(str(exc)) from None
        if not egress and not ingress:
            raise self._fail(f"no flows in the window {_utc(start)} to {_utc(end)} (end excluded) over any link "
                             f"of the network in {self.table}")
        if self.query is None or self.ingress_query is None:
            self._check_collector(egress if self.query is None else [], ingress if self.ingress_query is None else [])

        with _gc_paused():
            links = set(link_ids)
            seen: set[str] = set()  # links with flows in either direction
            out_bps = dict.fromkeys(link_ids, 0.0)
            demand = self._demands(egress, links, seen, out_bps)
            totals, pool_rates = self._ingress(network, ingress, links, seen)
            del egress, ingress  # the raw rows: 10^6 lists, no longer needed
            self._check_complete(network, link_ids, seen, totals, pool_rates)
            return {
                "timestamp": float(end),
                "source": "clickhouse",
                "egress": self._egress(network, demand),
                "links": {link: {"out_bps": out_bps[link]} for link in link_ids},
                "sites": {
                    site: {"ingress_bps": totals[site],
                           "pools": {pool: bps for (where, pool), bps in sorted(pool_rates.items()) if where == site}}
                    for site in sorted(totals)
                },
            }

    def _egress(self, network: Network, demand: dict) -> list[dict]:
        """The load's egress list: by link, then prefix; each entry with its own alternates list (no objects
        shared between entries: a YAML dump of the load would show them as aliases, which loads refuse)."""
        by_link: dict[str, list[str]] = {}
        for prefix in sorted(demand):
            by_link.setdefault(demand[prefix][2], []).append(prefix)
        out = []
        for link in sorted(by_link):
            alternates = self.alternates[link] if link in self.alternates else default_alternates(network, link)
            ranked = list(enumerate(alternates))
            out += [{"prefix": prefix, "bps": demand[prefix][0], "link": link,
                     "alternates": [{"link": alt, "preference": rank * 10} for rank, alt in ranked]}
                    for prefix in by_link[link]]
        return out

    def _rate(self, what: str, value: Any, shown: str) -> float:
        bps = _number(value)
        if bps is None or not math.isfinite(bps) or bps < 0:
            raise self._fail(f"the {what} returned bps {_shown(value, 40)} for {shown}: not a finite rate >= 0")
        return bps

    def _check_collector(self, egress: list[tuple], ingress: list[tuple]) -> None:
        """Rows with SamplingRate 0 or a DstNetMask beyond the address are a collector bug (the rate, or the
        prefix, is unknown), not traffic: an error naming the exporters (rows of the built-in queries only)."""
        unsampled = {row[1] for row in egress if row[4] not in (0, "0")}  # (prefix, router, ..., unsampled, ...)
        unsampled |= {row[0] for row in ingress if row[4] not in (0, "0")}  # (router, ..., unsampled)
        if unsampled:
            raise self._fail(f"flows with SamplingRate 0 from exporter {', '.join(sorted(map(str, unsampled)))[:300]} "
                             f"(a collector bug: the sampling rate is unknown, not zero traffic)")
        bad = sorted({str(row[1]) for row in egress if row[5] not in (0, "0")})
        if bad:
            raise self._fail(f"flows with a DstNetMask longer than the address (IPv4 > 32, IPv6 > 128) from "
                             f"exporter {', '.join(bad)[:300]} (a collector bug)")

    def _demands(self, egress: list[tuple], links: set[str], seen: set[str], out_bps: dict) -> dict:
        """prefix -> [total bps, bps of its main link, main link]: one demand per prefix, on the link that
        carried most of it (ties: the smaller link id); `out_bps` and `seen` filled on the way. Rows are
        (prefix, router, interface, bps, ...); a hot loop at 10^6 rows."""
        custom = self.query is not None
        what = "egress query (option query)" if custom else "egress query"
        demand: dict[str, list] = {}
        pairs: set[tuple[str, str]] = set()
        inf = math.inf
        for row in egress:
            prefix, bps = row[0], row[3]
            link = f"{row[1]}:{row[2]}"
            if link not in links:  # the operator's query may return every interface; the built-in one cannot
                continue
            if custom:
                canonical = _canonical_prefix(prefix)
                if canonical is None:
                    raise self._fail(f"the {what} returned prefix {_shown(prefix)} for {link}: not a prefix")
                prefix = canonical
                if (prefix, link) in pairs:
                    raise self._fail(f"the {what} returned {prefix} on {link} twice")
                pairs.add((prefix, link))
            if type(bps) is not float or not 0.0 <= bps < inf:  # noqa: E721 (exact type: the fast path)
                bps = self._rate(what, bps, f"{prefix} on {link}")
            seen.add(link)
            out_bps[link] += bps
            current = demand.get(prefix)
            if current is None:
                demand[prefix] = [bps, bps, link]
                continue
            current[0] += bps
            if bps > current[1] or (bps == current[1] and link < current[2]):
                current[1], current[2] = bps, link
        return demand

    def _ingress(self, network: Network, ingress: list[tuple], links: set[str], seen: set[str]) -> tuple[dict, dict]:
        """(site -> total ingress, (site, pool) -> pool ingress). Built-in rows (router, interface, pool, bps, ...)
        are per link: a site's total is everything arriving over its network links; a pool's share counts where
        the pool is announced (elsewhere it stays in the total only). The operator's rows (site, pool, bps) are
        per site already ('' pool: the total)."""
        totals: dict[str, float] = {}
        pools: dict[tuple[str, str], float] = {}
        if self.ingress_query is not None:
            what = "ingress query (option ingress_query)"
            for site, pool, value in ingress:
                if not isinstance(site, str) or not isinstance(pool, str):
                    raise self._fail(f"the {what} returned site {_shown(site)} pool {_shown(pool)}: not strings")
                bps = self._rate(what, value, f"site {site!r} pool {pool!r}")
                target, key = (totals, site) if pool == "" else (pools, (site, pool))
                if key in target:
                    raise self._fail(f"the {what} returned site {site!r} pool {pool!r} twice")
                target[key] = bps
            return totals, pools
        for router, interface, pool, value, *_ in ingress:
            link = f"{router}:{interface}"
            if link not in links:
                continue
            bps = self._rate("ingress query", value, f"{link} pool {pool!r}")
            seen.add(link)
            site = network.routers[router].site
            totals[site] = totals.get(site, 0.0) + bps
            if pool and site in network.pools[pool].sites:
                pools[(site, pool)] = pools.get((site, pool), 0.0) + bps
        return totals, pools

    def _check_complete(self, network: Network, link_ids: list[str], seen: set[str], totals: dict,
                        pools: dict) -> None:
        """Partial data is an error: every network link has flows, every site ingress, every pool announced at
        a site ingress there."""
        no_total, no_pool, no_total_for_pool = missing_ingress(network, totals, pools)
        missing = [f"flows over {link}" for link in link_ids if link not in seen]
        missing += [f"ingress at {site}" for site in no_total]
        missing += [f"ingress toward pool {pool} at {site}" for site, pool in no_pool]
        missing += [f"the ingress total of {site} (pool {pool} without it)" for site, pool in no_total_for_pool]
        if missing:
            raise self._fail(partial_data(missing))
