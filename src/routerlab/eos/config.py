"""The EOS configuration database: a mode-aware line parser, the canonical running-config and its diff.

EOS receives configuration as flat CLI lines (napalm strips the indentation), so the parser has to know
which commands enter a sub-mode (``router bgp``, ``route-map``, ``interface``, ``ip prefix-list NAME``, ...)
and which do not (``ip community-list``; the one-line ``ip prefix-list NAME seq N permit P`` is stored, and
shown, as an entry of the list's block). Like the EOS CLI, a command that is not valid in the current
sub-mode is tried in the enclosing modes, leaving the sub-mode when one accepts it; a command that no
mode accepts is an "Invalid input" error.

The grammar below is a deliberate subset of EOS: what trafficshift renders plus the usual base config.
"""
from __future__ import annotations

import copy
import difflib
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Callable


class ConfigError(ValueError):
    """A command EOS refuses; the message is what EOS puts in the reply's ``errors`` list."""


@dataclass
class Node:
    text: str
    #: the sub-mode this line enters (a block), or None for a plain setting
    mode: str | None = None
    key: str = ""
    children: list["Node"] = field(default_factory=list)


def _first(n: int) -> Callable[[re.Match], str]:
    return lambda match: " ".join(match.group(0).split()[:n])


def _all_but_last(match: re.Match) -> str:
    return " ".join(match.group(0).split()[:-1])


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    enters: str | None = None
    #: identity of the setting: a new line with the same key replaces the old one (default: the line)
    key: Callable[[re.Match], str] | None = None
    #: raises ConfigError for values EOS refuses; may rewrite the line to its canonical form
    canonical: Callable[[re.Match, Node], str] | None = None
    #: a one-line form of a block entry: -> (block header, entry inside it)
    into_block: Callable[[re.Match], tuple[str, str]] | None = None


def _rule(pattern: str, enters: str | None = None, key=None, canonical=None, into_block=None) -> Rule:
    return Rule(re.compile(pattern), enters, key, canonical, into_block)


# -- value checks and canonical forms -------------------------------------------------------------------
_INTERFACE_TYPES = {
    "et": "Ethernet", "eth": "Ethernet", "ethernet": "Ethernet",
    "lo": "Loopback", "loopback": "Loopback",
    "ma": "Management", "management": "Management",
    "po": "Port-Channel", "port-channel": "Port-Channel",
    "vl": "Vlan", "vlan": "Vlan",
}
_INTERFACE_NAME = re.compile(r"([A-Za-z-]+?)(\d+(?:/\d+)*(?:\.\d+)?)")


def canonical_interface(name: str) -> str:
    match = _INTERFACE_NAME.fullmatch(name)
    if not match or match.group(1).lower() not in _INTERFACE_TYPES:
        raise ConfigError(f"Invalid input (at token 1: '{name}')")
    return _INTERFACE_TYPES[match.group(1).lower()] + match.group(2)


def _interface_line(match: re.Match, parent: Node) -> str:
    return "interface " + canonical_interface(match.group(1))


def _check_prefix(prefix: str, version: int, token: int) -> None:
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        raise ConfigError(f"Invalid input (at token {token}: '{prefix}')") from None
    if network.version != version:
        raise ConfigError(f"Invalid input (at token {token}: '{prefix}')")


#: what `set community` takes besides `AS:value` numbers (EOS User Manual, "set community (route-map)")
_COMMUNITY_WORDS = frozenset({"GSHUT", "internet", "local-as", "no-advertise", "no-export", "none", "additive",
                              "delete"})


def _set_community_line(match: re.Match, parent: Node) -> str:
    """`set community` values: `AS:value` with 16-bit parts, a well-known name, or a community-list."""
    words = match.group(0).split()
    if words[2:3] == ["community-list"]:
        return match.group(0)
    for token, word in enumerate(words[2:], 3):
        if word in _COMMUNITY_WORDS:
            continue
        parts = word.split(":")
        if len(parts) != 2 or not all(part.isdigit() and int(part) <= 65535 for part in parts):
            raise ConfigError(f"Invalid input (at token {token}: '{word}')")
    return match.group(0)


def _check_ge_le(rest: str | None, max_len: int) -> None:
    for bound in re.findall(r"(?:ge|le) (\d+)", rest or ""):
        if not 1 <= int(bound) <= max_len:
            raise ConfigError(f"Invalid input (at token {len(bound)}: '{bound}')")


def _prefix_list_entry(match: re.Match) -> tuple[str, str]:
    """The one-line form `ip prefix-list NAME [seq N] permit P` as the block EOS stores and shows (header,
    entry): `show running-config` prints IPv4 prefix-lists in block form, as IPv6 ones (a recorded
    running-config of cEOSLab EOS-4.32.5M; Arista AVD's generated configs)."""
    name, seq, action, prefix, rest = match.group("name", "seq", "action", "prefix", "rest")
    _check_prefix(prefix, 4, 5 if seq else 3)
    _check_ge_le(rest, 32)
    return f"ip prefix-list {name}", f"{f'seq {seq} ' if seq else ''}{action} {prefix}{rest or ''}"


def _ip_prefix_line(match: re.Match, parent: Node) -> str:
    """An entry in prefix-list mode; unsequenced ones go 10 past the list's highest sequence number."""
    seq, action, prefix, rest = match.group("seq", "action", "prefix", "rest")
    _check_prefix(prefix, 4, 3 if seq else 1)
    _check_ge_le(rest, 32)
    if seq is None:
        seqs = [int(child.text.split()[1]) for child in parent.children if child.text.startswith("seq ")]
        seq = str(max(seqs, default=0) + 10)
    return f"seq {seq} {action} {prefix}{rest or ''}"


def _ipv6_prefix_line(match: re.Match, parent: Node) -> str:
    _check_prefix(match.group("prefix"), 6, 3)
    _check_ge_le(match.group("rest"), 128)
    return match.group(0)


def _route_map_line(match: re.Match, parent: Node) -> str:
    return f"route-map {match.group(1)} {match.group(2) or 'permit'} {match.group(3) or '10'}"


def _router_bgp_line(match: re.Match, parent: Node) -> str:
    for child in parent.children:
        if child.mode == "router-bgp" and child.text != match.group(0):
            raise ConfigError(f"BGP is already running with AS number {child.text.split()[2]}")
    return match.group(0)


def _peer_group_line(match: re.Match, parent: Node) -> str:
    return f"neighbor {match.group(1)} peer group{match.group(2) or ''}"


def _route_map_key(match: re.Match) -> str:
    return f"route-map {match.group(1)} {match.group(3) or '10'}"


def _ipv6_address_line(match: re.Match, parent: Node) -> str:
    """`ipv6 address A/L` as EOS shows it: the address compressed and lower-case; not an IPv6 interface
    address (an IPv4 one, a bad length, link-local: that takes `ipv6 address A link-local`) is refused."""
    try:
        address = ipaddress.IPv6Interface(match.group(1))
    except ValueError:
        raise ConfigError(f"Invalid input (at token 2: '{match.group(1)}')") from None
    if address.ip.is_link_local or address.ip.is_multicast or address.ip.is_unspecified:
        raise ConfigError(f"Invalid input (at token 2: '{match.group(1)}')")
    return f"ipv6 address {address}"


_IP = r"[0-9A-Fa-f:.]+"
_PREFIX_LIST = (r"ip prefix-list (?P<name>[\w.-]+) (?:seq (?P<seq>\d+) )?(?P<action>permit|deny) "
                r"(?P<prefix>\S+)(?P<rest>(?: (?:ge|le) \d+){0,2})")
_NEIGHBOR_SETTINGS = (r"remote-as|description|update-source|ebgp-multihop|local-as|password|send-community"
                      r"|next-hop-self|maximum-routes|weight|timers|route-reflector-client|shutdown"
                      r"|allowas-in|remove-private-as|default-originate|bfd|next-hop-unchanged|peer group"
                      r"|local-v6-addr|out-delay|graceful-restart|rib-in pre-policy retain")


def _neighbor_rules(af: bool) -> list[Rule]:
    rules = [
        _rule(r"neighbor (\S+) (?:route-map|prefix-list) \S+ (in|out)",
              key=lambda m: f"neighbor {m.group(1)} {m.group(0).split()[2]} {m.group(2)}"),
    ]
    if af:
        rules += [
            # activation is per neighbor and family, and shown either way once configured: `no neighbor X
            # activate` stays in the config (`default neighbor X activate` removes it)
            _rule(r"(?:no )?neighbor (\S+) activate", key=lambda m: f"neighbor {m.group(1)} activate"),
            _rule(r"neighbor \S+ (?:activate|additional-paths \S+|next-hop address-family ipv6 .+"
                  r"|default-originate.*|graceful-restart)", key=_first(3)),
        ]
    else:
        rules += [
            _rule(r"neighbor \S+ peer group", key=_first(2)),
            # the pre-4.23 spelling, shown in the current one as EOS does
            _rule(r"neighbor (\S+) peer-group( \S+)?", key=lambda m: f"neighbor {m.group(1)}" + (
                " peer group" if m.group(2) else ""), canonical=_peer_group_line),
            _rule(rf"neighbor (\S+) ({_NEIGHBOR_SETTINGS})(?: .+)?",
                  key=lambda m: f"neighbor {m.group(1)} {m.group(2)}"),
        ]
    return rules


_BGP_COMMON = [
    _rule(r"bgp .+"),
    _rule(r"maximum-paths \d+(?: ecmp \d+)?", key=_first(1)),
    _rule(rf"network {_IP}/\d+(?: route-map \S+)?", key=_first(2)),
    _rule(r"redistribute (?:connected|static|ospf|isis|attached-host)(?: route-map \S+)?", key=_first(2)),
    _rule(rf"aggregate-address {_IP}/\d+(?: .+)?", key=_first(2)),
]

GRAMMAR: dict[str, list[Rule]] = {
    "config": [
        _rule(r"hostname [\w.-]+", key=_first(1)),
        _rule(r"(?:ip domain-name|dns domain) \S+", key=_first(2)),
        _rule(r"ip name-server (?:vrf \S+ )?\S+"),
        _rule(r"ntp server .+"),
        _rule(r"logging .+"),
        _rule(r"snmp-server .+"),
        _rule(r"service routing protocols model (?:ribd|multi-agent)", key=_first(4)),
        _rule(r"transceiver qsfp default-mode \S+", key=_first(3)),
        _rule(r"spanning-tree mode (?:mstp|rstp|rapid-pvst|none)", key=_first(2)),
        _rule(r"no aaa root", key=lambda m: "aaa root"),
        _rule(r"aaa .+"),
        _rule(r"username (\S+) .+", key=_first(2)),
        _rule(r"clock timezone \S+", key=_first(2)),
        _rule(r"(?:no )?ip routing(?: vrf \S+)?", key=lambda m: m.group(0).removeprefix("no ")),
        _rule(r"ipv6 unicast-routing"),
        _rule(r"ip route (?:vrf \S+ )?.+"),
        _rule(r"ipv6 route (?:vrf \S+ )?.+"),
        _rule(r"ip prefix-list [\w.-]+", enters="ip-pfx"),
        _rule(_PREFIX_LIST, into_block=_prefix_list_entry),
        _rule(r"ipv6 prefix-list [\w.-]+", enters="ipv6-pfx"),
        _rule(r"ip community-list (?:regexp |standard |expanded )?[\w.-]+ (?:permit|deny) .+"),
        _rule(r"ip large-community-list (?:regexp |standard )?[\w.-]+ (?:permit|deny) .+"),
        _rule(r"ip extcommunity-list (?:regexp |standard )?[\w.-]+ (?:permit|deny) .+"),
        _rule(r"ip as-path access-list [\w.-]+ (?:permit|deny) .+"),
        _rule(r"ip access-list (?:standard )?[\w.-]+", enters="acl"),
        _rule(r"route-map ([\w.-]+)(?: (permit|deny)(?: (\d+))?)?", enters="route-map", key=_route_map_key,
              canonical=_route_map_line),
        _rule(r"interface (\S+)", enters="interface", key=lambda m: m.group(0),
              canonical=_interface_line),
        _rule(r"vrf instance [\w.-]+", enters="vrf"),
        _rule(r"vlan \d+", enters="vlan"),
        _rule(r"router bgp \d+(?:\.\d+)?", enters="router-bgp", key=_first(2), canonical=_router_bgp_line),
        _rule(r"management api http-commands", enters="api"),
        _rule(r"event-handler [\w.-]+", enters="event-handler"),
    ],
    "event-handler": [
        _rule(r"trigger .+", key=_first(1)),
        _rule(r"action .+", key=_first(1)),
        _rule(r"delay \d+", key=_first(1)),
    ],
    "interface": [
        _rule(r"description .+", key=_first(1)),
        _rule(r"shutdown"),
        _rule(r"(?:no )?switchport", key=lambda m: "switchport"),
        _rule(r"ip address \S+/\d+", key=_first(2)),
        _rule(r"ip address \S+/\d+ secondary"),
        # an interface may hold several IPv6 addresses: each line is its own setting
        _rule(r"ipv6 address (\S+/\d+)", canonical=_ipv6_address_line),
        _rule(r"ipv6 enable"),
        _rule(r"mtu \d+", key=_first(1)),
        _rule(r"speed .+", key=_first(1)),
        _rule(r"load-interval \d+", key=_first(1)),
        _rule(r"channel-group \d+ mode (?:active|passive|on)", key=_first(1)),
        _rule(r"vrf \S+", key=_first(1)),
        _rule(r"bfd .+"),
        _rule(r"ip ospf .+"),
        _rule(r"isis .+"),
    ],
    "router-bgp": [
        _rule(r"shutdown"),
        _rule(rf"router-id {_IP}", key=_first(1)),
        _rule(r"distance bgp \d+(?: \d+ \d+)?", key=_first(2)),
        _rule(r"timers bgp \d+ \d+", key=_first(2)),
        _rule(r"graceful-restart(?: .+)?"),
        *_BGP_COMMON,
        *_neighbor_rules(af=False),
        _rule(r"address-family (?:ipv4|ipv6)(?: unicast)?", enters="router-bgp-af"),
        _rule(r"vrf [\w.-]+", enters="router-bgp-vrf"),
    ],
    "router-bgp-vrf": [
        _rule(r"rd \S+", key=_first(1)),
        _rule(r"route-target (?:import|export|both) .+"),
        _rule(rf"router-id {_IP}", key=_first(1)),
        *_BGP_COMMON,
        *_neighbor_rules(af=False),
        _rule(r"address-family (?:ipv4|ipv6)(?: unicast)?", enters="router-bgp-af"),
    ],
    "router-bgp-af": [*_BGP_COMMON, *_neighbor_rules(af=True)],
    "route-map": [
        _rule(r"description .+", key=_first(1)),
        _rule(r"match (?:ip address prefix-list|ipv6 address prefix-list|ip address access-list|community"
              r"|extcommunity|large-community|as-path|tag|interface|ip next-hop prefix-list"
              r"|source-protocol|as) \S+(?: exact-match)?", key=_all_but_last),
        _rule(r"set (?:local-preference|metric|weight|origin|tag|distance) \S+", key=_first(2)),
        _rule(r"set (?:ip|ipv6) next-hop \S+", key=_first(3)),
        _rule(r"set as-path prepend(?: (?:\d+(?:\.\d+)?|auto|last-as \d+))+", key=_first(3)),
        _rule(r"set community .+", key=_first(2), canonical=_set_community_line),
        _rule(r"set (?:extcommunity|large-community) .+", key=_first(2)),
        _rule(r"continue(?: \d+)?", key=_first(1)),
        _rule(r"sub-route-map \S+", key=_first(1)),
    ],
    "ip-pfx": [
        _rule(r"(?:seq (?P<seq>\d+) )?(?P<action>permit|deny) (?P<prefix>\S+)(?P<rest>(?: (?:ge|le) \d+){0,2})",
              key=_first(2), canonical=_ip_prefix_line),
    ],
    "ipv6-pfx": [
        _rule(r"seq \d+ (?:permit|deny) (?P<prefix>\S+)(?P<rest>(?: (?:ge|le) \d+){0,2})", key=_first(2),
              canonical=_ipv6_prefix_line),
    ],
    "acl": [
        _rule(r"(?:\d+ )?(?:permit|deny|remark) .+"),
        _rule(r"statistics per-entry"),
    ],
    "vrf": [_rule(r"description .+", key=_first(1))],
    "vlan": [_rule(r"name \S+", key=_first(1))],
    "api": [
        _rule(r"(?:no )?shutdown", key=lambda m: "shutdown"),
        _rule(r"protocol (?:http|https)(?: port \d+)?", key=_first(2)),
        _rule(r"(?:no )?protocol (?:http|https)", key=lambda m: m.group(0).removeprefix("no ")),
        _rule(r"vrf [\w.-]+", enters="api-vrf"),
    ],
    "api-vrf": [_rule(r"(?:no )?shutdown", key=lambda m: "shutdown")],
}

def _leading_words(pattern: str) -> tuple[list[str], str]:
    """The literal words a rule's pattern starts with, and its first token (for patterns starting with a group)."""
    words = []
    for word in pattern.removeprefix("(?:no )?").split(" "):
        if re.search(r"[\\()\[\]?*+|{}.^$]", word):
            break
        words.append(word)
    return words, pattern.split(" ")[0]


_LEADING = {mode: [_leading_words(rule.pattern.pattern) for rule in rules] for mode, rules in GRAMMAR.items()}


def _negatable(mode: str, words: list[str]) -> bool:
    """Could `no WORDS` name a setting of this mode? (`no ip routing` is not an interface setting)"""
    for literal, first in _LEADING[mode]:
        if literal and words[:len(literal)] == literal[:len(words)]:
            return True
        if not literal and words[0] in re.split(r"\W+", first):
            return True
    return False


def _known_word(word: str) -> bool:
    return any(word in re.split(r"[^\w-]+", first) or word in literal[:1]
               for leading in _LEADING.values() for literal, first in leading)


#: physical interfaces cannot be deleted, `no interface` returns them to defaults
_PHYSICAL = re.compile(r"interface (?:Ethernet|Management)\d")


# -- the configuration tree ------------------------------------------------------------------------------
class Config:
    """One configuration (running, startup, a session candidate) as a tree of CLI lines."""

    def __init__(self) -> None:
        self.root = Node("", mode="config")

    def copy(self) -> "Config":
        return copy.deepcopy(self)

    @classmethod
    def from_text(cls, text: str, into: "Config | None" = None) -> "Config":
        """Parse a saved config (show running-config / startup-config / a flash file), or merge it `into`."""
        config = into if into is not None else cls()
        editor = Editor(config)
        lines = [raw.expandtabs(8).rstrip() for raw in text.splitlines()]
        # indentation tells where a block ends; flat text (as napalm sends it) relies on the modes alone
        indented = any(line.startswith(" ") for line in lines)
        header_indents: list[int] = []  # indentation of each sub-mode header on the editor's stack
        heredoc: list[str] | None = None  # the body of a `banner` being read, up to its `EOF`
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if heredoc is not None:
                if stripped != "EOF":
                    heredoc.append(line)
                    continue
                editor.apply(banner, "\n".join(heredoc))
                heredoc = None
                continue
            if stripped in ("banner login", "banner motd"):
                banner, heredoc = stripped, []
                continue
            if not stripped or (stripped.startswith("!") and not stripped.startswith("!!")):
                continue
            if stripped == "end" and not line.startswith(" "):
                break
            indent = len(line) - len(stripped)
            while indented and header_indents and indent <= header_indents[-1]:
                header_indents.pop()
                editor.exit()
            try:
                entered = editor.apply(stripped)
            except ConfigError as exc:
                raise ConfigError(f"line {number}: {stripped!r}: {exc}") from None
            del header_indents[len(editor.stack) - 1 - entered:]
            if entered:
                header_indents.append(indent)
        return config

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, defaults: bool = False) -> str:
        """The body of `show running-config`: canonical order, `!` between sections, no header/end.

        `defaults` (`show running-config all`) adds the default settings the lab models, e.g. an interface's
        `no shutdown`, which clients such as pyeapi's interface API read."""
        out: list[str] = []
        root = self.root
        if defaults:
            root = copy.deepcopy(root)
            _add_defaults(root)
        nodes = sorted(root.children, key=_top_level_order)
        for index, node in enumerate(nodes):
            if node.mode == "banner":
                out.append(node.text)
                out.extend(child.text for child in node.children)
                out.append("EOF")
                out.append("!")
                continue
            if node.mode is not None:
                _render_block(node, 0, out)
                out.append("!")
                continue
            out.append(node.text)
            following = nodes[index + 1] if index + 1 < len(nodes) else None
            if following is None or following.mode is not None or _section(following) != _section(node):
                out.append("!")
        return "\n".join(out) + "\n" if out else ""

    def hostname(self, default: str) -> str:
        for node in self.root.children:
            if node.text.startswith("hostname "):
                return node.text.split()[1]
        return default


_DEFAULTS = {"interface": ["no shutdown"], "router-bgp": ["no shutdown"]}


def _add_defaults(node: Node) -> None:
    for child in node.children:
        if child.mode in _DEFAULTS:
            present = {grandchild.key for grandchild in child.children}
            for line in _DEFAULTS[child.mode]:
                if line.removeprefix("no ") not in present:
                    child.children.append(Node(line, key=line.removeprefix("no ")))
        if child.mode:
            _add_defaults(child)


def _render_block(node: Node, depth: int, out: list[str]) -> None:
    indent = "   " * depth
    out.append(indent + node.text)
    children = sorted(node.children, key=lambda child: _child_order(node.mode, child))
    for child in children:
        if child.mode is None:
            out.append(indent + "   " + child.text)
    for child in children:
        if child.mode is not None:
            out.append(indent + "   !")
            _render_block(child, depth + 1, out)


#: running-config section order; prefixes grouped in one tuple share a section (no `!` between them)
_SECTIONS = [
    ("!!",), ("event-handler",), ("service routing",), ("transceiver",), ("logging",),
    ("hostname", "ip domain-name", "dns domain", "ip name-server"), ("ntp",), ("snmp-server",),
    ("spanning-tree",), ("no aaa root", "aaa"), ("username",), ("clock",), ("vlan",), ("vrf instance",),
    ("interface",), ("ip access-list",), ("ip routing", "no ip routing", "ipv6 unicast-routing"),
    ("ip prefix-list",), ("ipv6 prefix-list",), ("ip community-list",), ("ip extcommunity-list",),
    ("ip large-community-list",),
    ("ip as-path",), ("ip route",), ("ipv6 route",), ("route-map",), ("router bgp",), ("management api",),
    ("banner",),
]


def _section_rank(node: Node) -> tuple[int, int]:
    for rank, prefixes in enumerate(_SECTIONS):
        for sub, prefix in enumerate(prefixes):
            if node.text == prefix or node.text.startswith(prefix + " " if prefix != "!!" else prefix):
                return rank, sub
    return len(_SECTIONS), 0


def _section(node: Node) -> int:
    return _section_rank(node)[0]


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _top_level_order(node: Node) -> tuple:
    rank = _section_rank(node)
    words = node.text.split()
    if words[0] == "interface":
        return rank, _natural(words[1])
    if words[0] == "route-map":
        return rank, (words[1],), (int(words[3]),)
    if node.text.startswith("ip prefix-list "):
        return rank, (words[2],)
    if words[0] == "vlan":
        return rank, (int(words[1]),)
    return (rank,)


_CHILD_RANKS = {
    "route-map": ["description", "match", "sub-route-map", "set", "continue"],
    "interface": ["description", "shutdown", "load-interval", "mtu", "speed", "no switchport", "switchport",
                  "channel-group", "vrf", "ip address", "ipv6"],
    "router-bgp": ["shutdown", "router-id", "distance", "graceful-restart", "maximum-paths", "bgp",
                   "timers", "neighbor", "aggregate-address", "redistribute", "network", "address-family", "vrf"],
    "router-bgp-af": ["bgp", "neighbor", "aggregate-address", "redistribute", "network"],
}


def _child_order(mode: str | None, node: Node) -> tuple:
    if node.text.startswith("!!"):
        return (-1,)  # mode comments lead their block
    ranks = _CHILD_RANKS.get(mode if mode != "router-bgp-vrf" else "router-bgp", [])
    # `no neighbor X activate` (address-family modes) sits among the neighbor's other lines
    text = node.text.removeprefix("no ") if node.text.startswith("no neighbor ") else node.text
    rank = next((i for i, word in enumerate(ranks) if text == word or text.startswith(word + " ")), len(ranks))
    words = text.split()
    if words[0] == "neighbor" and len(words) > 2:
        # EOS groups a neighbor's lines: peer groups first, then neighbors by address (IPv4 first); in an
        # address family a neighbor's activation leads its lines
        try:
            peer = (1, ipaddress.ip_address(words[1]).version, int(ipaddress.ip_address(words[1])))
        except ValueError:
            peer = (0, 0, words[1])
        attribute = 0 if words[2] == "peer" and len(words) == 3 else 1 if words[2] in ("peer", "activate") else \
            2 if words[2] == "remote-as" else 3
        return rank, peer, attribute
    if words[0] == "address-family":
        return rank, words[1:]  # address-family ipv4 before ipv6
    if mode in ("ip-pfx", "ipv6-pfx") and words[0] == "seq":
        return rank, int(words[1])
    return (rank,)


# -- the mode-aware CLI parser ----------------------------------------------------------------------------
class Editor:
    """Applies configuration commands to a Config like an EOS CLI session in config mode."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.stack: list[Node] = [config.root]

    def exit(self) -> bool:
        """`exit`: leave the current sub-mode; False at the top (which leaves config mode)."""
        if len(self.stack) == 1:
            return False
        self.stack.pop()
        return True

    def apply(self, line: str, text_input: str | None = None) -> bool:
        """Apply one command (indentation already stripped); True if it entered a sub-mode."""
        line = " ".join(line.split())
        if line == "comment" or line.startswith("!!"):
            # a mode comment: kept as `!!` lines in the current block
            body = text_input if line == "comment" else line[2:]
            for text in (body or "").splitlines():
                self.stack[-1].children.append(Node("!! " + text.strip(), key="!! " + text.strip()))
            return False
        if line in ("banner login", "banner motd"):
            self.stack[:] = self.stack[:1]
            self._remove(self.config.root, lambda node: node.text == line)
            self.config.root.children.append(
                Node(line, mode="banner", key=line,
                     children=[Node(text) for text in (text_input or "").splitlines() if text != "EOF"]))
            return False
        for depth in range(len(self.stack) - 1, -1, -1):
            parent = self.stack[depth]
            for rule in GRAMMAR[parent.mode]:
                match = rule.pattern.fullmatch(line)
                if match and rule.into_block:
                    header, entry = rule.into_block(match)
                    del self.stack[depth + 1:]
                    self.apply(header)
                    self.apply(entry)
                    del self.stack[depth + 1:]  # the one-line form leaves the CLI where it was
                    return False
                if match:
                    del self.stack[depth + 1:]
                    return self._set(parent, rule, match)
            words = line.split()
            if words[0] in ("no", "default") and len(words) > 1 and _negatable(parent.mode, words[1:]):
                del self.stack[depth + 1:]
                self._negate(parent, " ".join(words[1:]))
                return False
        words = line.split()
        bad = 1 if words[0] in ("no", "default", "comment") or _known_word(words[0]) else 0
        token = words[bad] if bad < len(words) else words[-1]
        raise ConfigError(f"Invalid input (at token {bad}: '{token}')")

    def _set(self, parent: Node, rule: Rule, match: re.Match) -> bool:
        text = rule.canonical(match, parent) if rule.canonical else match.group(0)
        if text != match.group(0):
            match = rule.pattern.fullmatch(text) or match
        key = rule.key(match) if rule.key else text
        for index, child in enumerate(parent.children):
            if child.key == key:
                child.text = text  # e.g. `route-map X deny 10` turns an existing permit entry into deny
                node = child
                break
        else:
            node = Node(text, mode=rule.enters, key=key)
            parent.children.append(node)
        if rule.enters:
            self.stack.append(node)
            return True
        return False

    def _negate(self, parent: Node, target: str) -> None:
        if target.startswith("interface "):
            target = "interface " + canonical_interface(target.split()[1])
        words = target.split()
        if words[:2] == ["ipv6", "address"] and len(words) == 3:
            try:
                target = f"ipv6 address {ipaddress.IPv6Interface(words[2])}"
            except ValueError:
                pass
        if parent.mode in ("router-bgp", "router-bgp-vrf") and len(words) == 2 and words[0] == "neighbor":
            # the neighbor goes, with what its address families say about it
            for family in (node for node in parent.children if node.mode == "router-bgp-af"):
                self._remove(family, lambda node: node.key.startswith(target + " "))
        for rule in GRAMMAR[parent.mode]:
            match = rule.pattern.fullmatch(target)
            if match and not rule.canonical:
                key = rule.key(match) if rule.key else target
                self._remove(parent, lambda node: node.key == key)
                return
        if _PHYSICAL.fullmatch(target) and parent.mode == "config":
            for node in parent.children:
                if node.text == target:
                    node.children.clear()
            return
        self._remove(parent, lambda node: node.text == target or node.text.startswith(target + " "))

    @staticmethod
    def _remove(parent: Node, predicate) -> None:
        parent.children[:] = [node for node in parent.children if not predicate(node)]


def unified_diff(before: str, after: str, session: str) -> str:
    """`show session-config named S diffs`: a unified diff of running-config against the session."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), fromfile="system:/running-config",
                                 tofile=f"session:/{session}-session-config", lineterm="")
    text = "\n".join(lines)
    return text + "\n" if text else ""
