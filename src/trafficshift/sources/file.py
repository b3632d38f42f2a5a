"""The `file` load source: one YAML or JSON load document, read strictly (see the package docstring)."""
from __future__ import annotations

import json
import math
import re
from itertools import chain
from pathlib import Path
from typing import Any, Mapping

import yaml

from trafficshift.bulk import collector_paused
from trafficshift.model import Network
from trafficshift.validation import DEFAULT_LIMITS, MAX_LOAD_DEPTH, deep_problem, nesting_problem
from trafficshift.sources.base import LoadSourceError

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
    data = dict(pairs)  # in C: a load has 10^5-10^6 objects
    if len(data) < len(pairs):
        seen: set = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"duplicate key {ascii(duplicate)[:80]}")
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


_PLAIN_KINDS = frozenset({str, int, float, bool, type(None), dict, list})


def _surely_plain(data: dict, limit: int = MAX_LOAD_DEPTH) -> bool:
    """True when `data` is plain JSON (string keys; strings, ints, finite floats, bools, None, dicts, lists)
    nested at most `limit` levels deep. One pass per level over all of that level's keys and values, the
    type checks in C: a tenth of the time `nesting_problem` and `_not_json` take on a 200k-entry load.
    False only says "look closer": those two then name the problem, if there is one."""
    level: list = [data]
    for _ in range(limit):
        dicts = [container for container in level if type(container) is dict]
        if set(map(type, chain.from_iterable(dicts))) - {str}:
            return False  # a key that is not a string
        values = list(chain.from_iterable(map(dict.values, dicts)))
        if len(dicts) < len(level):
            values += chain.from_iterable(container for container in level if type(container) is list)
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_KINDS:
            return False
        if float in kinds:
            try:  # an infinity or a NaN makes the exact sum non-finite
                finite = math.isfinite(math.fsum([value for value in values if type(value) is float]))
            except OverflowError:  # finite values whose sum overflows: the slow walk decides
                finite = False
            if not finite:
                return False
        level = [value for value in values if type(value) is dict or type(value) is list]
        if not level:
            return True
    return False


def _plain(load: object, origin: str) -> dict:
    """The load as a JSON-safe mapping with a timestamp, or LoadSourceError naming the offending path."""
    if not isinstance(load, dict):
        raise LoadSourceError(f"{origin}: must hold a mapping, got {type(load).__name__}")
    surely_plain = _surely_plain(load)
    too_deep = None if surely_plain else nesting_problem(load)
    if too_deep:
        raise LoadSourceError(f"{origin}: {too_deep}")
    if "timestamp" not in load:
        raise LoadSourceError(f"{origin}: has no timestamp (traffic_load:timestamp: required; when were these values measured?)")
    problem = None if surely_plain else _not_json(load)
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
        with collector_paused():
            return _plain(read_document(self.path, max_bytes=self.max_bytes), f"file source: {self.path}")
