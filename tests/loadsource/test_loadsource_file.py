"""The file load source, the source registry, restamp and the traffic_load ext_pillar adapter."""
from __future__ import annotations

import importlib.util
import json
import time

import pytest

from trafficshift.sources import LoadSourceError, fetch_load, get_source, restamp
from trafficshift.validation import parse_load

from loadsource_scenarios import REPO


def _ext_pillar_module():
    spec = importlib.util.spec_from_file_location("traffic_load", REPO / "src" / "saltext" / "trafficshift" / "pillar" / "traffic_load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_yaml_file_loads_the_example(normal_load):
    load = get_source("file", path=REPO / "pillar" / "load" / "normal.yaml").fetch()
    assert load == normal_load


def test_json_file_loads_the_same_data(tmp_path, normal_load):
    path = tmp_path / "load.json"
    path.write_text(json.dumps(normal_load))
    assert get_source("file", path=str(path)).fetch() == normal_load


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("dup.yaml", "timestamp: 1\nlinks: {}\nlinks: {}\n", "duplicate key 'links'"),
        ("dup.json", '{"timestamp": 1, "sites": {}, "sites": {}}', "duplicate key 'sites'"),
        ("alias.yaml", "timestamp: 1\nx: &a [1, 2]\ny: *a\n", "YAML aliases are not allowed"),
        ("nan.json", '{"timestamp": NaN}', "NaN is not a number"),
        ("nan.yaml", "timestamp: .nan\n", "not plain JSON"),
        ("date.yaml", "timestamp: 2026-11-27 03:00:00\n", "not plain JSON"),
        ("list.yaml", "- timestamp: 1\n", "must hold a mapping, got list"),
        ("untimed.yaml", "links: {}\n", "has no timestamp"),
        ("broken.yaml", "timestamp: [1\n", "is not valid YAML"),
        ("broken.json", "{", "is not valid JSON"),
        ("binary.json", b"\xff\xfe{}", "is not valid JSON"),
    ],
)
def test_malformed_files_are_refused(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(LoadSourceError, match=message):
        get_source("file", path=path).fetch()


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(LoadSourceError, match="cannot read .*nope.yaml: No such file"):
        get_source("file", path=tmp_path / "nope.yaml").fetch()


def test_oversize_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("timestamp: 1\n" + "#" * 2000 + "\n")
    with pytest.raises(LoadSourceError, match="larger than the limit of 1000 bytes"):
        get_source("file", path=path, max_bytes=1000).fetch()


def test_unknown_source_and_bad_options_are_errors():
    with pytest.raises(LoadSourceError, match="unknown load source 'snmp'; available: clickhouse, file, prometheus"):
        get_source("snmp")
    with pytest.raises(LoadSourceError, match="load source 'file': bad options"):
        get_source("file", path="x", colour="red")


def test_restamp_makes_a_recorded_scenario_fresh(network, normal_load):
    now = time.time()
    assert parse_load(normal_load, network, now=now).stale
    fresh = restamp(normal_load, now)
    assert fresh["timestamp"] == now and normal_load["timestamp"] != now  # the original is untouched
    assert not parse_load(fresh, network, now=now + 1).stale


def test_ext_pillar_returns_the_load_under_traffic_load(network_data, normal_load):
    module = _ext_pillar_module()
    assert module.__virtual__() == "traffic_load"
    pillar = module.ext_pillar("ams01-r1", {"traffic": network_data}, source="file", path=str(REPO / "pillar/load/normal.yaml"))
    assert pillar == {"traffic_load": normal_load}
    assert json.loads(json.dumps(pillar, allow_nan=False)) == pillar  # plain, JSON-safe


def test_ext_pillar_passes_the_network_to_the_source(prometheus, network_data, normal_load):
    module = _ext_pillar_module()
    pillar = module.ext_pillar("master", {"traffic": network_data}, source="prometheus", url=prometheus)
    assert pillar["traffic_load"]["links"] == normal_load["links"]
    assert fetch_load("prometheus", network=network_data, url=prometheus)["sites"] == normal_load["sites"]
