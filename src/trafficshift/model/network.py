"""The topology and policy: the `traffic:` pillar key (`Network`)."""
from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, Mapping

from pydantic import (Field, ValidationInfo, field_validator, model_validator)
from pydantic_core import InitErrorDetails, ValidationError as PydanticValidationError

from trafficshift.problems import shown
from trafficshift.model.values import (ASN, DEFAULT_MARKER_VALUE, SCHEMA_VERSION, Bps, DomainName, Fraction, Frozen,
                                       GroupName, HostAddress, InterfaceName, Name, NonNegativeBps, PoolPrefix, Seconds,
                                       StandardCommunity, _address, interface_address, split_link_id,
                                       unusable_address)


#: default prefix limits per link kind and session family: a transit's full table with room to grow (about
#: 1.0 million IPv4 and 230,000 IPv6 routes in 2026), and for peers room for the largest peering tables while
#: a peer leaking a full table still trips the limit
PREFIX_LIMITS = {"transit": {4: 1_500_000, 6: 400_000}, "private": {4: 500_000, 6: 150_000},
                 "public-ix": {4: 500_000, 6: 150_000}}
MAX_U32 = 4_294_967_295


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
    #: 0 marks a failed link: nothing is planned onto it and its prefixes are planned away first
    capacity_bps: NonNegativeBps
    group: GroupName  # BGP group (Junos) / peer-group (EOS)
    #: the IPv6 session of a dual-stack link whose `neighbor` is IPv4
    neighbor6: HostAddress | None = None
    #: the IPv6 interface address (with length) for `neighbor6`; only with `neighbor6`
    local_address6: str | None = None
    #: the most prefixes the link's IPv4 / IPv6 session may send before the router tears it down (a peer
    #: leaking a full table); None: `PREFIX_LIMITS` for the link's kind
    max_prefixes_v4: Annotated[int, Field(ge=1, le=MAX_U32, strict=True)] | None = None
    max_prefixes_v6: Annotated[int, Field(ge=1, le=MAX_U32, strict=True)] | None = None

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

    def prefix_limit(self, family: int) -> int:
        """The prefix limit of the link's session of `family`."""
        configured = self.max_prefixes_v4 if family == 4 else self.max_prefixes_v6
        return configured if configured is not None else PREFIX_LIMITS[self.kind][family]


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

    @property
    def families(self) -> tuple[int, ...]:
        """The IP versions of the pool's prefixes: (4,), (6,) or (4, 6)."""
        return tuple(sorted({ipaddress.ip_network(prefix).version for prefix in self.prefixes}))


class Policy(Frozen):
    """Thresholds and guard rails (docs/guard-rails.md). Utilizations are fractions of capacity."""

    overload_threshold: Fraction = 0.90  # high watermark: above this a link/site is overloaded
    target_utilization: Fraction = 0.80  # shift until at or below this
    low_watermark: Fraction = 0.60  # undo a shift only when the source would stay below this
    hold_time_s: Seconds = 1800.0  # minimum age of a shift before it may be undone
    #: after an ingress step at a site, the planner raises no shift there again for this long: BGP
    #: convergence (about a minute) plus two measurement windows, so the next step is judged on load that
    #: shows the last one
    step_dwell_s: Seconds = 180.0
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
    #: before confirming, check on each changed router that the detoured prefixes now leave by their
    #: alternates (docs/effect.md); a miss after `effect_budget_s` rolls the run back
    verify_effect: Annotated[bool, Field(strict=True)] = True
    #: how long (wall-clock seconds) the check waits for BGP to converge on the new policy
    effect_budget_s: Annotated[float, Field(gt=0, le=600, allow_inf_nan=False, strict=True)] = 60.0
    #: detours checked per router besides every one off a link still predicted over target
    effect_sample: Annotated[int, Field(ge=0, le=10_000, strict=True)] = 20
    #: before a plan is final, ask each alternate's router whether the alternate's neighbor sends each detoured
    #: prefix; a detour onto one that does not is not planned (docs/effect.md, "Before planning")
    check_detour_routes: Annotated[bool, Field(strict=True)] = True


class Baseline(Frozen):
    """Fleet-wide system basics rendered into every router's baseline config."""

    domain_name: DomainName = "lab.example.net"
    ntp_servers: tuple[HostAddress, ...] = ()
    syslog_hosts: tuple[HostAddress, ...] = ()


class Network(Frozen):
    """Topology plus policy: the `traffic:` pillar key."""

    schema_version: Literal[1] = SCHEMA_VERSION
    #: a lab or test network: documentation ASNs (RFC 5398) may be peers, a router's own ASN may be private
    #: (RFC 6996) and pool prefixes may be longer than /24 (IPv4) or /48 (IPv6). Off by default: on a real
    #: edge each is a copy-paste from an example or an announcement the Internet would not carry as sent,
    #: and validation refuses it
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
