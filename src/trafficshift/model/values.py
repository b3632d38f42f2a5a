"""The value types of the model: identifiers and their patterns, interface names per vendor, ASNs, addresses,
prefixes, communities (what a field may hold, checked where pydantic validates it)."""
from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints)


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
#: RFC 6996: private use; refused as a router's own `asn` unless the network is a lab (the example's 64512)
PRIVATE_ASNS = (range(64512, 65535), range(4200000000, 4294967295))
#: the longest pool prefixes most of the Internet accepts, by IP version (longer ones are filtered)
LONGEST_ANNOUNCEABLE = {4: 24, 6: 48}


def _not_reserved_asn(value: int) -> int:
    if value in RESERVED_ASNS:
        raise ValueError(f"{value} is {RESERVED_ASNS[value]}")
    return value


def is_documentation_asn(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and any(value in r for r in DOCUMENTATION_ASNS)


def is_private_asn(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and any(value in r for r in PRIVATE_ASNS)


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


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"  # 0-255 without leading zeros


def _aligned_ipv4(length: int) -> re.Pattern:
    """Canonical IPv4 network addresses of a /`length`: the octets the mask covers are any, the one it cuts
    is a multiple of the block size, the rest are 0 (host bits never set)."""
    whole, bits = divmod(length, 8)
    octets = [_OCTET] * whole
    if whole < 4:
        octets.append("(?:" + "|".join(str(value) for value in range(0, 256, 1 << (8 - bits))) + ")")
        octets += ["0"] * (3 - whole)
    return re.compile(r"\.".join(octets), re.ASCII)


#: the canonical length text ("0".."32") -> its `_aligned_ipv4` pattern
_ALIGNED_IPV4 = {str(length): _aligned_ipv4(length) for length in range(33)}


def _network(value: object) -> str:
    """A prefix in canonical text form. Loads carry 10^5-10^6 of them: an IPv4 prefix already written
    canonically is recognised by one regular expression per length (octets, no leading zeros, no host
    bits) and returned as given, several times faster than `ipaddress`; anything else goes through
    `ipaddress`, errors included."""
    if type(value) is str:
        address, _, length = value.rpartition("/")
        aligned = _ALIGNED_IPV4.get(length)
        if aligned is not None and aligned.fullmatch(address) is not None:
            return value
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
