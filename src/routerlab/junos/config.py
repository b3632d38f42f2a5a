"""The Junos configuration model: a tree of statements parsed from curly-brace text or set/delete lines.

Junos has a schema that says which statement takes a name, which is a leaf and which is a list. The
emulator has no schema; it knows the keywords that matter for the router configs this project pushes
(interfaces, BGP, policy-options, routing-options, system) and falls back to simple rules for the rest:

- a statement ending in ``{ ... }`` is a container, keyed by all of its words (``group EBGP``);
- a statement ending in ``;`` is a leaf, keyed by its first word (a second ``peer-as`` replaces the
  first), except the multi-valued leaves keyed by their full text (``community add X`` in a ``then``);
- list leaves (``members``, ``import``, ``export`` ...) collect values and render ``import [ A B ];``;
- a leaf whose first word names a container (``neighbor 10.0.0.1;``, ``then accept;``) is that container.

Statements are kept in Junos' display order: below the hierarchy levels in `SCHEMA_ORDER` the statement
kinds come in Junos schema order, ``apply-groups`` first everywhere; statements of one kind (the entries of a
named list such as prefix-lists, policy-statements, terms, BGP groups and neighbors, interfaces) keep the
order they were first configured in, and a replaced or merged statement keeps its place. Rendering is
canonical Junos text (4-space indent); `diff` renders Junos ``show | compare`` output with ``[edit ...]``
headers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: the top-level stanzas Junos accepts (anything else is a syntax error)
TOP_LEVEL = frozenset({
    "system", "interfaces", "protocols", "policy-options", "routing-options", "snmp", "chassis", "firewall",
    "class-of-service", "routing-instances", "security", "services", "groups", "apply-groups", "version",
    "forwarding-options", "event-options",
})
#: keywords whose next word is a name: ``group EBGP``, ``term t1``, ``unit 0``
NAMED = frozenset({
    "group", "neighbor", "interface", "unit", "term", "policy-statement", "prefix-list", "community", "as-path",
    "family", "route", "area", "filter", "user", "file", "host", "server", "address", "instance", "rib",
    "interface-range", "authentication-key", "client", "policer", "vlan",
})
#: containers whose children are all names (``interfaces { ge-0/0/0 { ... } }``)
NAME_PARENTS = frozenset({"interfaces", "routing-instances", "groups"})
#: keywords that are plain containers when a set line passes through them
CONTAINERS = frozenset((TOP_LEVEL - {"version", "apply-groups"}) | {
    "bgp", "ospf", "ospf3", "isis", "mpls", "rsvp", "ldp", "lldp", "pim", "static", "aggregate", "generate",
    "from", "then", "to", "login", "services", "ssh", "netconf", "syslog", "ntp", "name-server",
    "graceful-restart", "bfd-liveness-detection", "tracing", "traceoptions", "archival",
})
#: list leaves: ``import [ A B ];`` (one value renders ``import A;``)
LISTS = frozenset({"members", "import", "export", "apply-groups", "apply-groups-except", "next-hop"})
#: in ``from``/``to`` clauses these are lists of references rather than named containers
MATCH_LISTS = frozenset({"community", "policy", "protocol", "neighbor", "interface", "as-path", "family",
                         "route-type", "instance"})
#: leaves keyed by their first two words (``prefix-list-filter PL orlonger`` replaces a same-PL filter)
KEYED_BY_TWO = frozenset({"prefix-list-filter", "route-filter", "source-address-filter"})
#: containers Junos prints on one line when they hold a single leaf (``then accept;``)
ONE_LINE = frozenset({"from", "then", "to", "community", "route"})
MATCH_CLAUSES = frozenset({"from", "to"})
#: words that only tag the statement after them
TAGS = frozenset({"replace:", "delete:", "inactive:", "protect:"})

_BGP = ("type", "description", "local-address", "import", "family", "authentication-key", "export", "peer-as",
        "local-as", "multipath")
#: Junos schema order of the statement kinds (first words) below a hierarchy level, for the levels trafficshift
#: renders; the level is named by its statements' first words, "*" for a name below `NAME_PARENTS`
#: (``interfaces et-0/0/0 unit 0`` is ``("interfaces", "*", "unit")``). Kinds not listed follow the listed
#: ones in configured order; levels not listed keep configured order (apply-groups first everywhere).
SCHEMA_ORDER: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("version", "groups", "apply-groups", "system", "chassis", "services", "security", "interfaces", "snmp",
         "forwarding-options", "event-options", "routing-options", "protocols", "policy-options",
         "class-of-service", "firewall", "routing-instances"),
    ("system",): ("host-name", "domain-name", "domain-search", "backup-router", "time-zone",
                  "authentication-order", "root-authentication", "name-server", "radius-server",
                  "tacplus-server", "login", "services", "syslog", "ntp"),
    ("interfaces", "*"): ("description", "vlan-tagging", "flexible-vlan-tagging", "mtu", "encapsulation", "unit"),
    ("interfaces", "*", "unit"): ("description", "vlan-id", "family"),
    ("interfaces", "*", "unit", "family"): ("mtu", "filter", "address"),
    ("routing-options",): ("interface-routes", "rib", "static", "aggregate", "generate", "router-id",
                           "autonomous-system", "forwarding-table"),
    ("protocols",): ("rsvp", "mpls", "bgp", "isis", "ospf", "ospf3", "ldp", "pim", "lldp"),
    ("protocols", "bgp"): _BGP + ("group",),
    ("protocols", "bgp", "group"): _BGP + ("neighbor",),
    ("protocols", "bgp", "group", "neighbor"): _BGP,
    # as in Junos' own YANG (junos-conf-policy-options, 18.2R1)
    ("policy-options",): ("satellite-policies", "prefix-list", "route-filter-list", "source-address-filter-list",
                          "mac-list", "vsi-policy", "policy-statement", "community", "route-distinguisher",
                          "as-path", "as-path-group", "damping", "condition", "rtf-prefix-list", "application-maps",
                          "redundancy-policy"),
    ("policy-options", "policy-statement"): ("term", "from", "to", "then"),
    ("policy-options", "policy-statement", "term"): ("from", "to", "then"),
}
#: statements Junos shows first at every level below the top
APPLY = frozenset({"apply-groups", "apply-groups-except", "apply-macro"})


class ConfigSyntaxError(ValueError):
    """A load that real Junos would refuse; ``bad_element`` is the offending token."""

    def __init__(self, message: str, bad_element: str = "", line: int | None = None) -> None:
        super().__init__(f"{message} (line {line}: {bad_element})" if line else message)
        self.message = message
        self.bad_element = bad_element
        self.line = line


def _quote(word: str) -> str:
    if word.startswith('"') or (word and not re.search(r'[\s;{}\[\]#"]', word)):
        return word
    return '"' + word.replace('"', '\\"') + '"'


@dataclass
class Node:
    """One statement. A container has `children`; a leaf has `words`; a list has `values`."""
    key: str
    kind: str  # "container" | "leaf" | "list"
    words: tuple[str, ...] = ()
    values: list[str] = field(default_factory=list)
    children: dict[str, "Node"] = field(default_factory=dict)

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def root(cls) -> "Node":
        return cls(key="", kind="container")

    def copy(self) -> "Node":
        return Node(self.key, self.kind, self.words, list(self.values),
                    {key: child.copy() for key, child in self.children.items()})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return (self.key, self.kind, self.words, self.values) == (other.key, other.kind, other.words, other.values) \
            and list(self.children.items()) == list(other.children.items())

    @property
    def name_words(self) -> list[str]:
        return self.key.split()

    def child_container(self, words: list[str]) -> "Node":
        key = " ".join(words)
        node = self.children.get(key)
        if node is None or node.kind != "container":
            node = Node(key=key, kind="container")
            self.children[key] = node
        return node

    # -- merging --------------------------------------------------------------------------------------
    def merge(self, other: "Node", replace: frozenset[tuple[str, ...]] = frozenset(),
              path: tuple[str, ...] = ()) -> None:
        """Merge `other` (a container with the same key) into self, as ``load merge`` does; the statements
        at the `replace` paths take the loaded statement's place instead (assigning an existing dict key keeps
        its position, as Junos keeps a replaced object's place)."""
        for key, child in other.children.items():
            mine = self.children.get(key)
            if mine is None or mine.kind != child.kind or path + (key,) in replace:
                self.children[key] = child.copy()
            elif child.kind == "container":
                mine.merge(child, replace, path + (key,))
            elif child.kind == "list":
                mine.values.extend(value for value in child.values if value not in mine.values)
            else:
                mine.words = child.words

    def put_in_schema_order(self, level: tuple[str, ...] = ()) -> None:
        """Reorder the tree below self (the root, or the node at schema `level`) into Junos display order: a
        stable sort by statement kind, so statements of one kind keep their configured order."""
        self.children = dict(sorted(self.children.items(), key=lambda item: _rank(level, item[0])))
        for key, child in self.children.items():
            if child.kind == "container":
                child.put_in_schema_order(_level_below(level, key))

    # -- rendering -----------------------------------------------------------------------------------
    def statement_lines(self, depth: int) -> list[str]:
        pad = "    " * depth
        if self.kind == "leaf":
            return [pad + " ".join(_quote(word) for word in self.words) + ";"]
        if self.kind == "list":
            if len(self.values) == 1:
                return [f"{pad}{self.key} {_quote(self.values[0])};"]
            return [f"{pad}{self.key} [ {' '.join(_quote(value) for value in self.values)} ];"]
        head = " ".join(_quote(word) for word in self.name_words)
        if not self.children:
            return [f"{pad}{head};"]
        only = next(iter(self.children.values()))
        if len(self.children) == 1 and only.kind != "container" and self.name_words[0] in ONE_LINE:
            return [f"{pad}{head} {only.statement_lines(0)[0]}"]
        lines = [f"{pad}{head} {{"]
        for child in self.children.values():
            lines.extend(child.statement_lines(depth + 1))
        lines.append(pad + "}")
        return lines

    def render(self) -> str:
        """The whole tree (self is the root) as Junos curly-brace text."""
        lines: list[str] = []
        for child in self.children.values():
            lines.extend(child.statement_lines(0))
        return "\n".join(lines) + ("\n" if lines else "")

    def set_lines(self, prefix: tuple[str, ...] = ()) -> list[str]:
        """``display set`` form of the tree below self."""
        out = []
        for child in self.children.values():
            words = prefix + tuple(_quote(word) for word in child.name_words)
            if child.kind == "leaf":
                out.append("set " + " ".join(prefix + tuple(_quote(word) for word in child.words)))
            elif child.kind == "list":
                out.extend("set " + " ".join(prefix + (child.key, _quote(value))) for value in child.values)
            elif child.children:
                out.extend(child.set_lines(words))
            else:
                out.append("set " + " ".join(words))
        return out

    # -- look-ups --------------------------------------------------------------------------------------
    def find(self, *keys: str) -> "Node | None":
        node: Node | None = self
        for key in keys:
            node = node.children.get(key) if node is not None else None
        return node

    def walk(self, path: tuple[str, ...] = ()):
        """Yield (path, node) for every statement below self, depth first, in order."""
        for child in self.children.values():
            yield path, child
            if child.kind == "container":
                yield from child.walk(path + (child.key,))


#: `family` statements (of a unit, a BGP group or neighbor) in the order Junos shows them, as far as the lab
#: knows it: IPv4 before IPv6; other families follow in configured order
FAMILY_ORDER = ("inet", "inet6")


def _rank(level: tuple[str, ...], key: str) -> tuple[int, int]:
    """Where the statement `key` goes among its siblings at schema `level` (see `SCHEMA_ORDER`)."""
    order = SCHEMA_ORDER.get(level, ())
    word, _, name = key.partition(" ")
    if word in order:
        family = FAMILY_ORDER.index(name) if name in FAMILY_ORDER else len(FAMILY_ORDER)
        return order.index(word), family if word == "family" else 0
    return (-1 if word in APPLY and level else len(order)), 0


def _level_below(level: tuple[str, ...], key: str) -> tuple[str, ...]:
    """The schema level of the container `key` at `level`: ``interfaces et-0/0/0`` is ``("interfaces", "*")``."""
    return level + ("*" if level and level[-1] in NAME_PARENTS else key.partition(" ")[0],)


# -- classification of a leaf statement ------------------------------------------------------------------
def _classify(parent_key: str, words: list[str]) -> tuple[str, str]:
    """(kind, key) for a ``;``-terminated statement in a container named `parent_key`."""
    first = words[0]
    parent = parent_key.split()[0] if parent_key else ""
    if parent == "then" and first == "community" and len(words) >= 3:
        return "leaf", " ".join(words)
    if parent in MATCH_CLAUSES and first in MATCH_LISTS:
        return "list", first
    if parent in MATCH_CLAUSES and first == "prefix-list":
        return "leaf", " ".join(words[:2])
    if first in LISTS and not (parent == "then" and first == "next-hop"):
        return "list", first
    if first in KEYED_BY_TWO and len(words) >= 2:
        return "leaf", " ".join(words[:2])
    return "leaf", first


def _container_words(parent_key: str, words: list[str]) -> int:
    """How many leading `words` of a statement name a container (0: the statement is a leaf)."""
    first = words[0]
    parent = parent_key.split()[0] if parent_key else ""
    if parent in NAME_PARENTS and first not in ("apply-groups", "apply-groups-except", "interface-range"):
        return 1
    if parent in MATCH_CLAUSES and (first in MATCH_LISTS or first == "prefix-list"):
        return 0
    if parent == "then":
        return 0
    if first == "filter" and len(words) > 1 and words[1] in ("input", "output", "input-list", "output-list"):
        return 1
    if first in NAMED and len(words) >= 2:
        return 2
    if first in CONTAINERS and len(words) >= 2:
        return 1
    return 0


def _statement_key(parent: Node, words: list[str]) -> str:
    """The key a ``;`` statement gets below `parent` (what a ``replace:``/``delete:`` tag addresses)."""
    count = _container_words(parent.key, words)
    return " ".join(words[:count]) if count else _classify(parent.key, words)[1]


def _insert_leaf(parent: Node, words: list[str]) -> None:
    """Insert a ``;`` statement below `parent`, expanding ``neighbor X;`` / ``then accept;`` shorthand."""
    count = _container_words(parent.key, words)
    if count:
        child = parent.child_container(words[:count])
        if len(words) > count:
            _insert_leaf(child, words[count:])
        return
    kind, key = _classify(parent.key, words)
    if kind == "list":
        node = parent.children.get(key)
        if node is None or node.kind != "list":
            node = parent.children[key] = Node(key=key, kind="list")
        node.values.extend(value for value in words[1:] if value not in node.values)
    else:
        parent.children[key] = Node(key=key, kind="leaf", words=tuple(words))


# -- curly-brace text -----------------------------------------------------------------------------------
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{};\[\]]|[^\s{};\[\]"]+')


def _tokens(text: str) -> list[tuple[str, int]]:
    tokens = []
    for number, line in enumerate(_strip_comments(text).splitlines(), start=1):
        for match in _TOKEN.finditer(line):
            tokens.append((match.group(0), number))
    return tokens


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1].replace('\\"', '"')
    return token


@dataclass
class TaggedTree:
    """A parsed load: the tree plus the paths tagged ``replace:`` or ``delete:``."""
    tree: Node
    replace_paths: list[tuple[str, ...]] = field(default_factory=list)
    delete_paths: list[tuple[str, ...]] = field(default_factory=list)


def parse_text(text: str) -> TaggedTree:
    """Parse curly-brace Junos text; raises ConfigSyntaxError like ``load`` does on a real router."""
    result = TaggedTree(Node.root())
    stack: list[Node] = [result.tree]
    path: list[str] = []
    words: list[str] = []
    tag: str | None = None
    list_values: list[str] | None = None
    tokens = _tokens(text)
    for token, line in tokens:
        if list_values is not None:
            if token == "]":
                words.extend(list_values)
                list_values = None
            elif token in ("{", "}", ";", "["):
                raise ConfigSyntaxError("syntax error, expecting ']'", token, line)
            else:
                list_values.append(_unquote(token))
            continue
        if token in TAGS and not words:
            tag = token
        elif token == "[":
            if not words:
                raise ConfigSyntaxError("syntax error", token, line)
            list_values = []
        elif token == "]":
            raise ConfigSyntaxError("syntax error", token, line)
        elif token in ("{", ";"):
            if not words:
                raise ConfigSyntaxError("syntax error", token, line)
            if len(stack) == 1 and words[0] not in TOP_LEVEL:
                raise ConfigSyntaxError("syntax error", words[0], line)
            parent = stack[-1]
            if token == "{":
                node = parent.child_container(words)
                _record_tag(result, tag, tuple(path) + (node.key,))
                stack.append(node)
                path.append(node.key)
            else:
                key_path = tuple(path) + (_statement_key(parent, words),)
                if tag == "delete:":
                    result.delete_paths.append(key_path)
                else:
                    _insert_leaf(parent, words)
                    _record_tag(result, tag, key_path)
            words, tag = [], None
        elif token == "}":
            if words:
                raise ConfigSyntaxError("syntax error, expecting ';' or '{'", words[-1], line)
            if len(stack) == 1:
                raise ConfigSyntaxError("syntax error", "}", line)
            stack.pop()
            path.pop()
        else:
            words.append(_unquote(token))
    if words or list_values is not None:
        raise ConfigSyntaxError("syntax error, expecting ';' or '{'", words[-1] if words else "[",
                                tokens[-1][1] if tokens else None)
    if len(stack) > 1:
        raise ConfigSyntaxError("syntax error, expecting '}'", stack[-1].key,
                                tokens[-1][1] if tokens else None)
    result.tree.put_in_schema_order()
    return result


def _record_tag(result: TaggedTree, tag: str | None, path: tuple[str, ...]) -> None:
    if tag == "replace:":
        result.replace_paths.append(path)
    elif tag == "delete:":
        result.delete_paths.append(path)


def apply_load(candidate: Node, loaded: TaggedTree) -> Node:
    """``load replace`` semantics: merge, except ``replace:`` statements replace what was there (in its place)
    and ``delete:`` ones go."""
    merged = candidate.copy()
    merged.merge(loaded.tree, frozenset(loaded.replace_paths))
    for path in loaded.delete_paths:
        parent = merged.find(*path[:-1])
        if parent is not None:
            parent.children.pop(path[-1], None)
    merged.put_in_schema_order()
    return merged


# -- set / delete lines --------------------------------------------------------------------------------
def _split_words(line: str, number: int) -> list[str]:
    words = []
    in_list = False
    for match in _TOKEN.finditer(line):
        token = match.group(0)
        if token == "[":
            in_list = True
        elif token == "]":
            in_list = False
        elif token in ("{", "}", ";"):
            raise ConfigSyntaxError("syntax error", token, number)
        else:
            words.append(_unquote(token))
    if in_list:
        raise ConfigSyntaxError("syntax error, expecting ']'", "[", number)
    return words


def apply_set_lines(candidate: Node, text: str) -> Node:
    """Apply ``set``/``delete`` lines (``load set``) to a copy of `candidate`."""
    tree = candidate.copy()
    for number, raw in enumerate(_strip_comments(text).splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        words = _split_words(line, number)
        verb, args = words[0], words[1:]
        if verb not in ("set", "delete"):
            raise ConfigSyntaxError("syntax error", verb, number)
        if not args:
            if verb == "delete":
                tree.children.clear()
                continue
            raise ConfigSyntaxError("syntax error", verb, number)
        if args[0] not in TOP_LEVEL:
            raise ConfigSyntaxError("syntax error", args[0], number)
        if verb == "set":
            _set(tree, args)
        else:
            _delete(tree, args)
    tree.put_in_schema_order()
    return tree


def _existing_container(node: Node, words: list[str]) -> int:
    for count in (2, 1):
        if len(words) >= count:
            child = node.children.get(" ".join(words[:count]))
            if child is not None and child.kind == "container":
                return count
    return 0


def _set(tree: Node, words: list[str]) -> None:
    node = tree
    while words:
        count = _existing_container(node, words) or _container_words(node.key, words)
        if not count and len(words) == 1 and words[0] in CONTAINERS:
            count = 1
        if not count:
            _insert_leaf(node, words)
            return
        node = node.child_container(words[:count])
        words = words[count:]


def _delete(tree: Node, words: list[str]) -> None:
    """Remove the statement `words` names; a missing statement is ignored (Junos only warns)."""
    node = tree
    while words:
        for count in (2, 1):
            key = " ".join(words[:count])
            child = node.children.get(key)
            if child is not None and len(words) >= count:
                break
        else:
            child, count = None, 0
        if child is None:
            # a leaf addressed by its key word (``delete system host-name``) or a list value
            _, key = _classify(node.key, words)
            child = node.children.get(key)
            if child is None:
                return
            if child.kind == "list" and len(words) > 1:
                child.values = [value for value in child.values if value not in words[1:]]
                if not child.values:
                    del node.children[key]
                return
            del node.children[key]
            return
        if len(words) == count:
            del node.children[child.key]
            return
        if child.kind == "list":
            child.values = [value for value in child.values if value not in words[count:]]
            if not child.values:
                del node.children[child.key]
            return
        if child.kind != "container":
            return
        node, words = child, words[count:]


# -- diff -------------------------------------------------------------------------------------------
def diff(old: Node, new: Node) -> str:
    """Junos ``show | compare`` text from `old` to `new`; empty when they are equal."""
    lines: list[str] = []
    _diff_level(old, new, (), (), lines)
    return "\n".join(lines) + ("\n" if lines else "")


def _diff_level(old: Node, new: Node, path: tuple[str, ...], level: tuple[str, ...], out: list[str]) -> None:
    """Changes in statement order; a run of changes at this level shares one ``[edit ...]`` header."""
    header = "[edit" + "".join(" " + " ".join(_quote(w) for w in key.split()) for key in path) + "]"
    hunk: list[str] = []

    def flush() -> None:
        if hunk:
            out.append(header)
            out.extend(hunk)
            hunk.clear()

    for key in _diff_order(old, new, level):
        before, after = old.children.get(key), new.children.get(key)
        if before == after:
            continue
        if before is not None and after is not None and before.kind == after.kind == "container" \
                and before.children and after.children:
            flush()
            _diff_level(before, after, path + (key,), _level_below(level, key), out)
            continue
        if before is not None:
            hunk.extend(_diff_lines("-", before))
        if after is not None:
            hunk.extend(_diff_lines("+", after))
    flush()


def _diff_order(old: Node, new: Node, level: tuple[str, ...]) -> list[str]:
    """The new config's statement order, each removed statement where it stood: after what preceded it in the
    old config, among the statements of its kind."""
    keys = list(new.children)
    placed = 0  # where the next removed statement goes
    for key in old.children:
        if key in new.children:
            placed = max(placed, keys.index(key) + 1)
        else:
            keys.insert(placed, key)
            placed += 1
    return sorted(keys, key=lambda key: _rank(level, key))


def _diff_lines(sign: str, node: Node) -> list[str]:
    # as Junos prints them: a leaf after two spaces, a container (and what it holds) after three
    pad = "   " if node.kind == "container" else "  "
    return [sign + pad + line for line in node.statement_lines(0)]


# -- commit checks -----------------------------------------------------------------------------------
def reference_errors(tree: Node) -> list[tuple[str, str]]:
    """(error path, message) for every policy, prefix-list and community used but not defined."""
    options = tree.find("policy-options")
    defined = {"policy-statement": set(), "prefix-list": set(), "community": set()}
    if options is not None:
        for key in options.children:
            kind, _, name = key.partition(" ")
            if kind in defined:
                defined[kind].add(name)
    errors: list[tuple[str, str]] = []

    def missing(kind: str, name: str, path: tuple[str, ...]) -> None:
        if name in defined[kind]:
            return
        label = {"policy-statement": "Policy", "prefix-list": "Prefix-list", "community": "Community"}[kind]
        message = f"Policy error: {label} {name} referenced but not defined"
        where = "[edit " + " ".join(path) + "]"
        if (where, message) not in errors:
            errors.append((where, message))

    for path, node in tree.walk():
        parent = path[-1].split()[0] if path else ""
        in_policy = any(part.startswith("policy-statement ") for part in path)
        if node.kind == "list" and node.key in ("import", "export") and not in_policy:
            for name in node.values:
                missing("policy-statement", name, path)
        elif node.kind == "list" and parent in MATCH_CLAUSES and node.key == "policy":
            for name in node.values:
                missing("policy-statement", name, path)
        elif node.kind == "list" and parent in MATCH_CLAUSES and node.key == "community":
            for name in node.values:
                missing("community", name, path)
        elif node.kind == "leaf" and parent in MATCH_CLAUSES and node.words[0] in ("prefix-list",
                                                                                  "prefix-list-filter"):
            missing("prefix-list", node.words[1], path)
        elif node.kind == "leaf" and parent == "then" and node.words[0] == "community" and len(node.words) >= 3:
            missing("community", node.words[2], path)
    return errors


#: community members Junos names instead of numbering (RFC 1997 and later well-known communities)
WELL_KNOWN_COMMUNITIES = frozenset({"no-export", "no-advertise", "no-export-subconfed", "llgr-stale", "no-llgr"})
_REGEX_CHARACTERS = set("^$*+?.[]()|\\")


def community_member_error(member: str) -> str | None:
    """Why Junos refuses `member` of a `community ... members` list, or None. A member with regular
    expression characters is a pattern (only for matching; not checked here); a literal is `AS:value` with
    16-bit parts, `large:A:B:C` with 32-bit parts, an extended `target:`/`origin:` community, or a
    well-known name."""
    if member in WELL_KNOWN_COMMUNITIES or _REGEX_CHARACTERS & set(member):
        return None
    parts = member.split(":")
    if parts[0] in ("target", "origin") and len(parts) == 3:
        return None
    numbers = parts[1:] if parts[0] == "large" else parts
    limit = 4294967295 if parts[0] == "large" else 65535
    if len(numbers) == (3 if parts[0] == "large" else 2) and all(n.isdigit() and int(n) <= limit for n in numbers):
        return None
    return f"Invalid community value: {member}"


def community_errors(tree: Node) -> list[tuple[str, str]]:
    """(error path, message) for every community member Junos refuses at commit."""
    errors = []
    options = tree.find("policy-options")
    for key, node in (options.children.items() if options is not None else ()):
        if not key.startswith("community "):
            continue
        members = node.find("members")
        for member in (members.values if members is not None else ()):
            message = community_member_error(member)
            if message is not None:
                errors.append((f"[edit policy-options {key}]", message))
    return errors


def default_config(hostname: str) -> str:
    return (
        "system {\n"
        f"    host-name {hostname};\n"
        "    services {\n"
        "        ssh;\n"
        "        netconf {\n"
        "            ssh;\n"
        "        }\n"
        "    }\n"
        "}\n"
        "interfaces {\n"
        "    ge-0/0/0 {\n"
        "        unit 0 {\n"
        "            family inet {\n"
        "                address 192.0.2.1/31;\n"
        "            }\n"
        "        }\n"
        "    }\n"
        "    lo0 {\n"
        "        unit 0 {\n"
        "            family inet {\n"
        "                address 198.51.100.1/32;\n"
        "            }\n"
        "        }\n"
        "    }\n"
        "}\n"
    )
