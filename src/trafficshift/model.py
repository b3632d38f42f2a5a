"""The typed, immutable network / load / policy model (pillar schema version 1, docs/pillar-schema.md).

Field-level checks (types, units, ranges, the safe identifier character set) live here as pydantic
constraints; cross-reference and whole-input checks (unknown routers, stale load, counter consistency,
size limits) live in `trafficshift.validation`, which is the only way callers should build these objects
from untrusted data.

Every identifier that can reach a router config is restricted to a character set that cannot break out of
a Junos or EOS statement: no whitespace, quotes, braces, `;`, `#`, `!` or non-ASCII.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal, Mapping

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints,
                      ValidationInfo, field_validator, model_validator)
from pydantic_core import InitErrorDetails, ValidationError as PydanticValidationError

from trafficshift.problems import shown

SCHEMA_VERSION = 1

#: names of sites, routers, peers, pools, BGP groups: ASCII letters, digits, `.`, `_`, `-`
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
#: interface names as Junos/EOS write them: et-0/0/1, xe-0/0/0:1, Ethernet1/1, Port-Channel10
INTERFACE_PATTERN = r"^[A-Za-z][A-Za-z0-9/:._-]{0,62}$"
#: a link is named `router:interface` (router names cannot contain `:`, so the first `:` splits)
LINK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}:[A-Za-z][A-Za-z0-9/:._-]{0,62}$"
#: lowercase labels of letters, digits and `-`, joined by `.` (label rules: `_check_domain_name`)
DOMAIN_PATTERN = r"^[a-z0-9.-]+$"

#: the interface names a router of each vendor accepts, in the one spelling the device shows back (the
#: renderer's `interface_pattern`s must be these; validation checks every link against its router's vendor)
INTERFACE_PATTERNS = {
    #: et-0/0/1, xe-0/0/0:1, ge-1/0/0, ae0 (addresses go on unit 0)
    "junos": r"(?:(?:ge|xe|et)-\d{1,2}/\d{1,2}/\d{1,3}(?::\d{1,2})?|ae\d{1,4})",
    #: Ethernet1, Ethernet1/1, Ethernet49/1, Port-Channel10
    "eos": r"(?:Ethernet\d{1,3}(?:/\d{1,3}){0,2}|Port-Channel\d{1,6})",
}
INTERFACE_EXAMPLES = {
    "junos": "et-0/0/1, xe-0/0/0:1, ge-1/0/0, ae0",
    "eos": "Ethernet1, Ethernet1/1, Ethernet49/1, Port-Channel10",
}
_JUNOS_LOOSE = re.compile(r"(ge|xe|et)-(\d+)/(\d+)/(\d+)(?::(\d+))?|(ae)(\d+)", re.ASCII | re.IGNORECASE)
_EOS_LOOSE = re.compile(r"([a-z-]+)(\d+(?:/\d+)*)", re.ASCII | re.IGNORECASE)
#: EOS takes any unambiguous prefix of a keyword: `et1`, `eth1` and `ethernet1` are Ethernet1, `po10` Port-Channel10
_EOS_TYPES = ("Ethernet", "Port-Channel")


def canonical_interface(vendor: str, name: object) -> str | None:
    """The one spelling of interface `name` on a `vendor` router (`Ethernet01`, `ethernet1` and `Et1` are
    `Ethernet1` on EOS; `et-0/0/00` and `ET-0/0/0` are `et-0/0/0` on Junos), or None when `name` is not an
    interface of that vendor at all. A result always matches ``INTERFACE_PATTERNS[vendor]``."""
    if not isinstance(name, str) or len(name) > 64:
        return None
    canonical = None
    if vendor == "junos" and (match := _JUNOS_LOOSE.fullmatch(name)):
        kind, *numbers = (part for part in match.groups() if part is not None)
        numbers = [str(int(number)) for number in numbers]
        if kind.lower() == "ae":
            canonical = f"ae{numbers[0]}"
        else:
            canonical = f"{kind.lower()}-{'/'.join(numbers[:3])}" + (f":{numbers[3]}" if len(numbers) > 3 else "")
    elif vendor == "eos" and (match := _EOS_LOOSE.fullmatch(name)):
        word, numbers = match.group(1).lower(), match.group(2).split("/")
        kind = next((k for k in _EOS_TYPES if len(word) >= 2 and k.lower().startswith(word)), None)
        if kind is not None:
            canonical = kind + "/".join(str(int(number)) for number in numbers)
    if canonical is None or not re.fullmatch(INTERFACE_PATTERNS.get(vendor, "(?!)"), canonical, re.ASCII):
        return None
    return canonical

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, strict=True)]
InterfaceName = Annotated[str, StringConstraints(pattern=INTERFACE_PATTERN, strict=True)]
LinkId = Annotated[str, StringConstraints(pattern=LINK_ID_PATTERN, strict=True)]
Bps = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
NonNegativeBps = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False, strict=True)]
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
#: ASNs no BGP speaker may use, on either side of a session
RESERVED_ASNS = {
    0: "reserved (RFC 7607)",
    23456: "AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs, never a real AS",
    65535: "reserved (RFC 7300)",
    4294967295: "reserved (RFC 7300)",
}
#: RFC 5398: for examples only; refused as `peer_as` unless the network is a lab (`traffic:lab: true`)
DOCUMENTATION_ASNS = (range(64496, 64512), range(65536, 65552))
#: RFC 6996: private use (a router's own `asn` may be one, e.g. the example's 64512)
PRIVATE_ASNS = (range(64512, 65535), range(4200000000, 4294967295))


def _not_reserved_asn(value: int) -> int:
    if value in RESERVED_ASNS:
        raise ValueError(f"{value} is {RESERVED_ASNS[value]}")
    return value


def is_documentation_asn(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and any(value in r for r in DOCUMENTATION_ASNS)


ASN = Annotated[int, Field(ge=0, le=4294967295, strict=True), AfterValidator(_not_reserved_asn)]


def split_link_id(link_id: str) -> tuple[str, str]:
    """``"ams01-r1:et-0/0/1"`` -> ``("ams01-r1", "et-0/0/1")``."""
    router, _, interface = link_id.partition(":")
    return router, interface


def _reject_scope(value: str) -> None:
    """`ipaddress` accepts IPv6 scope ids (``fe80::1%<anything>``) and echoes them back verbatim, so a
    scope id would carry arbitrary text (spaces, `;`, newlines) into a router config."""
    if "%" in value:
        raise ValueError(f"scoped IPv6 addresses (with %zone) are not allowed, got {ascii(value)[:80]}")


def _parse_network(value: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A prefix; host bits set is an error, not silently masked."""
    if not isinstance(value, str):
        raise ValueError(f"must be a prefix string like 198.51.100.0/24, got {type(value).__name__}")
    _reject_scope(value)
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"invalid prefix {value!r}: {exc}") from None


def _network(value: object) -> str:
    """A prefix in canonical text form."""
    return str(_parse_network(value))


def _address(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be an IP address string, got {type(value).__name__}")
    _reject_scope(value)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"invalid IP address {value!r}") from None


def unusable_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why `address` cannot be a host this network talks to or is known by (BGP neighbor, interface address,
    router id, NTP server, syslog host), or None."""
    if address.version == 6 and address.ipv4_mapped is not None:
        return "an IPv4-mapped IPv6 address (write the IPv4 address)"
    if address.is_unspecified:
        return "the unspecified address"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    return None


def host_address(value: object) -> str:
    """A unicast address a session or service can use, in canonical text form."""
    text = _address(value)
    why = unusable_address(ipaddress.ip_address(text))
    if why is not None:
        raise ValueError(f"{text} is {why}, not a usable host address")
    return text


def interface_address(value: object) -> str:
    """An interface address with its length (``192.0.2.0/31``), in canonical text form."""
    if not isinstance(value, str):
        raise ValueError(f"must be an interface address like 192.0.2.0/31, got {type(value).__name__}")
    _reject_scope(value)
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError(f"invalid interface address {value!r}") from None
    if interface.network.prefixlen == 0:
        raise ValueError(f"{interface} has length /0: an interface address needs its subnet, like 192.0.2.0/31")
    why = unusable_address(interface.ip)
    if why is not None:
        raise ValueError(f"{interface.ip} is {why}, not a usable interface address")
    return str(interface)


def span(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[int, int]:
    """First and last address of `network` as integers (cheaper than `ipaddress`'s own properties)."""
    start = int(network.network_address)
    return start, start | ((1 << (network.max_prefixlen - network.prefixlen)) - 1)


#: per IP version, (first, last, text) of the spaces no pool prefix may overlap, besides the default route
_NOT_POOL_SPACE = {
    4: ((*span(ipaddress.ip_network("224.0.0.0/4")), "multicast space 224.0.0.0/4"),),
    6: ((*span(ipaddress.ip_network("ff00::/8")), "multicast space ff00::/8"),
        (*span(ipaddress.ip_network("::ffff:0:0/96")), "IPv4-mapped space ::ffff:0:0/96 (write IPv4 prefixes as IPv4)")),
}


def pool_prefix_refusal(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str | None:
    """Why `network` cannot be an anycast pool prefix, or None: a pool is unicast space, so not a default
    route, nothing overlapping multicast space, no IPv4-mapped IPv6."""
    if network.prefixlen == 0:
        return f"{network} is a default route, never an anycast pool"
    first, last = span(network)
    for space_first, space_last, what in _NOT_POOL_SPACE[network.version]:
        if first <= space_last and last >= space_first:
            return f"{network} overlaps {what}"
    return None


def pool_prefix(value: object) -> str:
    """An anycast pool prefix in canonical text form (`pool_prefix_refusal`)."""
    network = _parse_network(value)
    why = pool_prefix_refusal(network)
    if why is not None:
        raise ValueError(why)
    return str(network)


def _not_address_like(value: str) -> str:
    """EOS reads `neighbor <name> ...` as an address when the name is one: a peer group `10.0.0.1` would
    configure a neighbor. Dotted numbers are refused whether or not Python's parser takes them (`010.0.0.1`)."""
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+){1,3}", value, re.ASCII):
        raise ValueError(f"{value!r} reads as an IP address; a BGP group (EOS peer group) needs a name")
    return value


def _check_domain_name(value: str) -> str:
    """RFC 1035 host name rules: at most 253 characters, labels of 1-63, no label starting or ending in `-`."""
    if len(value) > 253:
        raise ValueError(f"{len(value)} characters, more than the 253 a domain name may have")
    for label in value.split("."):
        if not label:
            raise ValueError(f"{value!r} has an empty label (a leading, trailing or doubled '.')")
        if len(label) > 63:
            raise ValueError(f"label {label[:20]!r}... is {len(label)} characters, more than 63")
        if label.startswith("-") or label.endswith("-"):
            raise ValueError(f"label {label!r} starts or ends with '-'")
    return value


def standard_community(value: object) -> str:
    """An RFC 1997 community ``ASN:value`` an operator may use as their own: both parts 0-65535 and outside
    the reserved ranges ``0:*`` and ``65535:*``, which hold every well-known community (NO_EXPORT, NO_ADVERTISE,
    RFC 7999 BLACKHOLE 65535:666, RFC 8326 GRACEFUL_SHUTDOWN 65535:0, RFC 3765 NOPEER)."""
    if not isinstance(value, str):
        raise ValueError(f"must be a community string like 64512:4242, got {type(value).__name__}")
    match = re.fullmatch(r"(\d{1,5}):(\d{1,5})", value, re.ASCII)
    if match is None:
        raise ValueError(f"must be a standard community ASN:value like 64512:4242, got {ascii(value)[:80]}")
    asn, local = (int(part) for part in match.groups())
    if asn > 65535 or local > 65535:
        raise ValueError(f"both parts of a standard community must be 0-65535, got {value!r}")
    if asn in (0, 65535):
        raise ValueError(f"{value!r} is in the reserved range {asn}:* (RFC 1997; the well-known communities "
                         f"such as BLACKHOLE 65535:666 and NO_EXPORT 65535:65281 live there)")
    return f"{asn}:{local}"


#: list items validated one by one, so an error names its index (pools:p:prefixes:3)
Prefix = Annotated[str, BeforeValidator(_network)]
IPAddress = Annotated[str, BeforeValidator(_address)]
#: neighbors, NTP servers, syslog hosts: unicast, not unspecified, broadcast, loopback or link-local
HostAddress = Annotated[str, BeforeValidator(host_address)]
PoolPrefix = Annotated[str, BeforeValidator(pool_prefix)]
GroupName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, strict=True), AfterValidator(_not_address_like)]
DomainName = Annotated[str, StringConstraints(pattern=DOMAIN_PATTERN, strict=True), AfterValidator(_check_domain_name)]
StandardCommunity = Annotated[str, BeforeValidator(standard_community)]
#: the local part of the default marker community `<ASN>:4242`; any value of the operator's own AS
#: would do, this one is just easy to grep for and is not the `ASN:666` many providers use for blackholing
DEFAULT_MARKER_VALUE = 4242


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- topology -------------------------------------------------------------------------------------------
class Link(Frozen):
    """One external link on one router interface: an eBGP session over IPv4, over IPv6, or one of each
    (dual stack: `neighbor` IPv4 plus `neighbor6`). Both sessions of a link share its peer, AS, group,
    capacity and the link's managed policies."""

    peer: Name
    #: the peer's address of the link's session, IPv4 or IPv6 (an IPv6-only link puts its IPv6 address here)
    neighbor: HostAddress
    #: interface address with length, e.g. 192.0.2.0/31, of the same family as `neighbor`; `neighbor` must be
    #: another address of its subnet (checked by validation, with the other links of the router)
    local_address: str | None = None
    peer_as: ASN
    kind: Literal["transit", "private", "public-ix"]
    capacity_bps: Bps
    group: GroupName  # BGP group (Junos) / peer-group (EOS)
    #: the IPv6 session of a dual-stack link whose `neighbor` is IPv4
    neighbor6: HostAddress | None = None
    #: the IPv6 interface address (with length) for `neighbor6`; only with `neighbor6`
    local_address6: str | None = None

    @field_validator("local_address", mode="before")
    @classmethod
    def _check_local_address(cls, value: object) -> object:
        return None if value is None else interface_address(value)

    @field_validator("neighbor6")
    @classmethod
    def _check_neighbor6(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if ipaddress.ip_address(value).version != 6:
            raise ValueError(f"must be an IPv6 address; {value} is IPv4 (an IPv4 session's address goes in "
                             f"neighbor)")
        neighbor = info.data.get("neighbor")
        if neighbor is not None and ipaddress.ip_address(neighbor).version == 6:
            raise ValueError(f"not allowed when neighbor is IPv6 ({neighbor}): neighbor6 adds the IPv6 "
                             f"session of a link whose neighbor is IPv4")
        return value

    @field_validator("local_address6", mode="before")
    @classmethod
    def _check_local_address6(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return None
        text = interface_address(value)
        if ipaddress.ip_interface(text).version != 6:
            raise ValueError(f"must be an IPv6 interface address; {text} is IPv4 (that goes in local_address)")
        if "neighbor6" in info.data and info.data["neighbor6"] is None:
            raise ValueError("only with neighbor6 (the IPv6 session this address is for)")
        return text

    @model_validator(mode="wrap")
    @classmethod
    def _same_family(cls, data: object, handler) -> "Link":
        """`local_address` is of `neighbor`'s family. Reported at `neighbor`, in the words validation uses for
        a neighbor outside the link's subnet (which a neighbor of the other family is), so that parse_network
        shows the problem once."""
        link = handler(data)
        if link.local_address is not None and \
                ipaddress.ip_interface(link.local_address).version != ipaddress.ip_address(link.neighbor).version:
            raw = data.get("neighbor", link.neighbor) if isinstance(data, Mapping) else link.neighbor
            message = f"outside the subnet of local_address {link.local_address}, got {shown(raw)}"
            raise PydanticValidationError.from_exception_data(cls.__name__, [InitErrorDetails(
                type="value_error", loc=("neighbor",), input=raw, ctx={"error": ValueError(message)})])
        return link

    def sessions(self) -> tuple[tuple[int, str, str | None], ...]:
        """One `(family, neighbor, local_address)` per BGP session of the link, IPv4 first."""
        sessions = [(ipaddress.ip_address(self.neighbor).version, self.neighbor, self.local_address)]
        if self.neighbor6 is not None:
            sessions.append((6, self.neighbor6, self.local_address6))
        return tuple(sorted(sessions, key=lambda session: session[0]))

    @property
    def families(self) -> tuple[int, ...]:
        """The IP versions the link's sessions carry: (4,), (6,) or (4, 6)."""
        return tuple(family for family, _, _ in self.sessions())


class Router(Frozen):
    site: Name
    vendor: Literal["junos", "eos"]
    asn: ASN
    router_id: str
    links: dict[InterfaceName, Link] = Field(default_factory=dict)

    @field_validator("router_id", mode="before")
    @classmethod
    def _check_router_id(cls, value: object) -> str:
        address = _address(value)
        if ipaddress.ip_address(address).version != 4:
            raise ValueError(f"router_id must be an IPv4 address, got {value!r}")
        why = unusable_address(ipaddress.ip_address(address))
        if why is not None:
            raise ValueError(f"{address} is {why}, not a usable router_id")
        return address


class Site(Frozen):
    ingress_capacity_bps: Bps
    #: other sites in order of topology distance; where shifted anycast ingress spills when no catchment
    #: model is given for this site
    neighbors: tuple[Name, ...] = ()


class Pool(Frozen):
    """An anycast prefix pool announced at `sites`. Lower `priority` is shifted first."""

    #: no two pools overlap (checked by validation)
    prefixes: tuple[PoolPrefix, ...] = Field(min_length=1)
    priority: Annotated[int, Field(ge=0, le=1000, strict=True)]
    sites: tuple[Name, ...] = Field(min_length=1)


class Policy(Frozen):
    """Thresholds and guard rails (docs/guard-rails.md). Utilizations are fractions of capacity."""

    overload_threshold: Fraction = 0.90  # high watermark: above this a link/site is overloaded
    target_utilization: Fraction = 0.80  # shift until at or below this
    low_watermark: Fraction = 0.60  # undo a shift only when the source would stay below this
    hold_time_s: Seconds = 1800.0  # minimum age of a shift before it may be undone
    max_moved_fraction: Fraction = 0.25  # of total egress demand moved per cycle
    max_overrides: Annotated[int, Field(ge=0, le=100_000, strict=True)] = 2000
    receiver_headroom: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False, strict=True)] = 0.0
    max_shifting_elements: Annotated[int, Field(ge=1, strict=True)] = 20  # circuit breaker: links+sites
    max_withdraw_sites: Annotated[int, Field(ge=0, strict=True)] = 1  # never withdraw a pool from more
    max_prepend: Annotated[int, Field(ge=1, le=10, strict=True)] = 3
    #: each AS-path prepend step toward one neighbor moves this fraction of the pool's ingress arriving
    #: over that neighbor's link (3 steps at 0.25 move 75%; a withdrawal moves the rest)
    prepend_step_fraction: Fraction = 0.25
    #: an operator drain moves at most this fraction of the drained element's load per planner cycle
    drain_step_fraction: Fraction = 0.25
    split_threshold_bps: Bps = 10e9  # prefixes above this may be split (never finer than /24, /48)
    max_load_age_s: Seconds = 300.0  # older load data: fail static
    counter_tolerance: Fraction = 0.10  # per-prefix sum vs link counter
    max_plan_change: Annotated[int, Field(ge=1, strict=True)] = 500  # intents added+removed per cycle
    detour_local_pref: Annotated[int, Field(ge=101, le=65535, strict=True)] = 200
    #: tags the routes a shift changed; stays inside the AS (docs/rendering.md, "The marker community").
    #: None: `<the routers' ASN>:4242` (`Network.marker_community`)
    marker_community: StandardCommunity | None = None


class Baseline(Frozen):
    """Fleet-wide system basics rendered into every router's baseline config."""

    domain_name: DomainName = "lab.example.net"
    ntp_servers: tuple[HostAddress, ...] = ()
    syslog_hosts: tuple[HostAddress, ...] = ()


class Network(Frozen):
    """Topology plus policy: the `traffic:` pillar key."""

    schema_version: Literal[1] = SCHEMA_VERSION
    #: a lab or test network: documentation ASNs (RFC 5398) may be peers. Off by default: on a real edge a
    #: documentation `peer_as` is a copy-paste from an example, and validation refuses it
    lab: Annotated[bool, Field(strict=True)] = False
    sites: dict[Name, Site]
    routers: dict[Name, Router]
    pools: dict[Name, Pool] = Field(default_factory=dict)
    #: spill model: for a site, the fraction of its shifted ingress that lands at each other site
    catchment: dict[Name, dict[Name, Fraction]] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    baseline: Baseline = Field(default_factory=Baseline)

    @property
    def marker_community(self) -> str | None:
        """`policy.marker_community`, or `<ASN>:4242` from the routers' one 16-bit ASN; None when neither
        exists (validation refuses such a network)."""
        if self.policy.marker_community is not None:
            return self.policy.marker_community
        asns = {router.asn for router in self.routers.values()}
        if len(asns) != 1 or not isinstance(asn := next(iter(asns)), int) or not 0 < asn < 65535:
            return None
        return f"{asn}:{DEFAULT_MARKER_VALUE}"

    def link(self, link_id: str) -> Link:
        router, interface = split_link_id(link_id)
        return self.routers[router].links[interface]

    def link_ids(self) -> list[str]:
        return sorted(f"{name}:{ifname}" for name, router in self.routers.items() for ifname in router.links)


# -- load -----------------------------------------------------------------------------------------------
class Alternate(Frozen):
    link: LinkId
    preference: Annotated[int, Field(ge=0, le=1000, strict=True)] = 0  # lower is preferred


class EgressDemand(Frozen):
    """Traffic toward one destination prefix, on its preferred (best-path) link, with alternates."""

    prefix: Prefix
    bps: NonNegativeBps
    link: LinkId
    alternates: tuple[Alternate, ...] = ()


class LinkCounter(Frozen):
    out_bps: NonNegativeBps


class SiteLoad(Frozen):
    ingress_bps: NonNegativeBps
    #: ingress per anycast pool at this site (what a prepend/withdraw of that pool can move)
    pools: dict[Name, NonNegativeBps] = Field(default_factory=dict)


class Load(Frozen):
    """Measured load: the `traffic_load` pillar key, filled by the ext_pillar."""

    timestamp: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]  # epoch seconds
    source: Name = "file"
    egress: tuple[EgressDemand, ...] = ()
    links: dict[LinkId, LinkCounter] = Field(default_factory=dict)
    sites: dict[Name, SiteLoad] = Field(default_factory=dict)
