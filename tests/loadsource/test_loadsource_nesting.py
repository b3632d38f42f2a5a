"""The file source against deep nesting and YAML merge keys: a clear, path-qualified LoadSourceError, never a
RecursionError, and no key that PyYAML would silently let a later one win over."""
from __future__ import annotations

import json
import random

import pytest

from trafficshift.sources import LoadSourceError, get_source, json_nesting_problem
from trafficshift.validation import MAX_LOAD_DEPTH, nesting_problem

LIMIT = f"nested deeper than the limit of {MAX_LOAD_DEPTH} levels"


def fetch_error(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LoadSourceError) as raised:
        get_source("file", path=path).fetch()
    return str(raised.value).replace(str(path), "<path>")


def test_the_limit_is_32_levels():
    assert MAX_LOAD_DEPTH == 32


@pytest.mark.parametrize("levels", [40, 950, 10_000], ids=["40", "950", "10000"])
def test_deeply_nested_json_names_the_path(tmp_path, levels):
    """40 levels parse and are refused by the walk over the data; 10,000 stop json.loads' C scanner with
    RecursionError and are named by the tokenizer; 950 may go either way. The message is the same."""
    text = '{"timestamp": 1, "egress": [{"alternates": ' + "[" * levels + "]" * levels + "}]}"
    # level 1 the load, 2 egress, 3 its entry, 4 alternates, 5.. the nested lists: level 33 is the 29th
    path = "traffic_load:egress:0:alternates:" + ":".join(["0"] * 29)
    assert fetch_error(tmp_path, "deep.json", text) == f"file source: <path>: {path}: {LIMIT}"


def test_deeply_nested_json_keys_are_named(tmp_path):
    text = '{"timestamp": 1, "x": ' + '{"a b": ' * 40 + "1" + "}" * 40 + "}"
    path = "traffic_load:x:" + ":".join(["'a b'"] * 31)
    assert fetch_error(tmp_path, "deep.json", text) == f"file source: <path>: {path}: {LIMIT}"
    text = '{"timestamp": 1, "x": ' + '{"a b": ' * 5000 + "1" + "}" * 5000 + "}"
    assert fetch_error(tmp_path, "deeper.json", text) == f"file source: <path>: {path}: {LIMIT}"


def test_deeply_nested_yaml_is_refused(tmp_path):
    text = "timestamp: 1\nx: " + "[" * 40 + "]" * 40 + "\n"
    path = "traffic_load:x:" + ":".join(["0"] * 31)
    assert fetch_error(tmp_path, "deep.yaml", text) == f"file source: <path>: {path}: {LIMIT}"
    # libyaml stops at 1000 levels itself, before any Python code sees the document: line and column
    text = "timestamp: 1\nx: " + "[" * 10_000 + "]" * 10_000 + "\n"
    assert fetch_error(tmp_path, "deeper.yaml", text) == f"file source: <path>: {LIMIT} at line 2, column 1003"
    text = "timestamp: 1\nx:\n" + "".join("  " * (i + 1) + "-\n" for i in range(2000))
    assert fetch_error(tmp_path, "block.yaml", text) == f"file source: <path>: {LIMIT} at line 1001, column 1999"


def test_a_document_within_the_limit_is_fine(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"timestamp": 1, "x": [[[[[[[[1]]]]]]]]}))
    assert get_source("file", path=path).fetch()["x"] == [[[[[[[[1]]]]]]]]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # an explicit key next to a merged one: PyYAML keeps the explicit one silently
        ("timestamp: 1\nlinks:\n  ams01-r1:et-0/0/0:\n    <<: {out_bps: 1}\n    out_bps: 50000000000\n", 5),
        # two merged mappings with the same key: PyYAML keeps the first silently
        ("timestamp: 1\nlinks:\n  ams01-r1:et-0/0/0:\n    <<: [{out_bps: 1}, {out_bps: 2}]\n", 4),
        # a merge key at the top of the load hiding a second timestamp
        ("<<: {timestamp: 1}\ntimestamp: 1790000000\n", 2),
    ],
    ids=["explicit-and-merged", "two-merged", "top-level"],
)
def test_duplicate_keys_through_yaml_merge_keys_are_refused(tmp_path, text, line):
    message = fetch_error(tmp_path, "merge.yaml", text)
    key = "timestamp" if "<<: {timestamp" in text else "out_bps"
    assert message.startswith(
        f"file source: <path> is not valid YAML: duplicate key '{key}' (through a YAML merge key <<)\n"
        f'  in "<byte string>", line {line}, column '
    ), message


def test_plain_duplicates_are_not_blamed_on_merge_keys(tmp_path):
    message = fetch_error(tmp_path, "dup.yaml", "timestamp: 1\nx: {<<: {a: 1}, b: 1, b: 2}\n")
    assert message.startswith("file source: <path> is not valid YAML: duplicate key 'b'\n"), message


def test_a_merge_key_without_duplicates_still_merges(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("timestamp: 1\nlinks:\n  ams01-r1:et-0/0/0:\n    <<: {out_bps: 1}\n")
    assert get_source("file", path=path).fetch()["links"] == {"ams01-r1:et-0/0/0": {"out_bps": 1}}


def test_the_json_tokenizer_and_the_walk_over_data_agree():
    """`json_nesting_problem` (on text) and `nesting_problem` (on parsed data) name the same container, with
    brackets, quotes and colons inside strings, and in compact and indented layout."""
    rnd = random.Random(20261127)
    scalars = [1, 'a]"b', "[{", None, 2.5, "\\"]
    keys = ["k", "x[", 'y"}', "\u00e9", "a:b", "c,d"]

    def container(children: list):
        if rnd.random() < 0.5:
            return children
        return {rnd.choice(keys) + str(i): child for i, child in enumerate(children)}

    def document(level: int, spine: int):
        """A spine down to level `spine`, with shallow side branches on the way."""
        if level >= spine:
            return rnd.choice(scalars)
        side = [container([rnd.choice(scalars)]) if rnd.random() < 0.3 else rnd.choice(scalars)
                for _ in range(rnd.randint(0, 2))]
        side.insert(rnd.randint(0, len(side)), document(level + 1, spine))
        return container(side)

    found = 0
    for _ in range(500):
        data = {"timestamp": 1, "x": document(2, rnd.randint(20, 45))}
        expected = nesting_problem(data)
        found += expected is not None
        assert json_nesting_problem(json.dumps(data)) == expected
        assert json_nesting_problem(json.dumps(data, ensure_ascii=False, indent=1)) == expected
    assert 50 < found < 450  # both kinds were tried
