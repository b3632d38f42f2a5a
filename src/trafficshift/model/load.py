"""Measured load: the `traffic_load` pillar key (`Load`).

A load carries 10^5-10^6 egress demands. They are `msgspec` structs, not pydantic models: converted in C
from the pillar's plain data (strict types, no per-entry Python), a few dozen bytes each and never tracked
by the cyclic garbage collector. A pydantic model per demand and per alternate took four times as long to
validate and most of a 1M-prefix load's memory (docs/benchmarks.md, "End to end at scale"). The rest of
`Load` is small and stays pydantic.
"""
from __future__ import annotations

import math
import re
from typing import Annotated

import msgspec
from pydantic import Field, PlainSerializer, PlainValidator

from trafficshift.model.values import LINK_ID_PATTERN, Frozen, LinkId, Name, NonNegativeBps, _network


class Alternate(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    link: str  # a link id (LINK_ID_PATTERN), checked by `egress_demands`
    preference: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0  # lower is preferred


class EgressDemand(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """Traffic toward one destination prefix, on its preferred (best-path) link, with alternates.
    Built by `egress_demands` (validated); constructing one directly checks nothing."""

    prefix: str  # canonical text form
    bps: Annotated[float, msgspec.Meta(ge=0)]  # finite, checked by `egress_demands`
    link: str
    alternates: tuple[Alternate, ...] = ()


_DEMANDS = tuple[EgressDemand, ...]
_LINK_ID = re.compile(LINK_ID_PATTERN, re.ASCII)


def egress_demands(value: object) -> tuple[EgressDemand, ...]:
    """The load's `egress` list -> demands: strict types (no bool for a number, no string for a number,
    no unknown keys), finite rates, link ids of the documented form, prefixes in canonical form. Raises
    ValueError naming the first problem; `trafficshift.validation.parse_load` names every problem in the
    load's own terms."""
    try:
        demands = msgspec.convert(value, _DEMANDS, strict=True)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    try:
        total = math.fsum(demand.bps for demand in demands)
    except OverflowError:
        total = math.inf
    # every rate is >= 0 (msgspec checked it), so a finite sum means finite rates; a sum of finite rates may
    # still overflow (a counter wrap: check_load's finding, not a malformed load)
    infinite = None if math.isfinite(total) else next(
        (index for index, demand in enumerate(demands) if not math.isfinite(demand.bps)), None)
    if infinite is not None:
        raise ValueError(f"egress {infinite}: bps must be a finite number")
    link_ids = {demand.link for demand in demands}
    link_ids.update(alternate.link for demand in demands for alternate in demand.alternates)
    for link_id in link_ids:
        if _LINK_ID.fullmatch(link_id) is None:
            raise ValueError(f"link id {ascii(link_id)[:80]} does not match {LINK_ID_PATTERN}")
    canonical = [_network(demand.prefix) for demand in demands]  # ValueError for an invalid prefix
    if canonical != [demand.prefix for demand in demands]:
        demands = tuple(demand if prefix == demand.prefix else msgspec.structs.replace(demand, prefix=prefix)
                        for demand, prefix in zip(demands, canonical))
    return demands


class LinkCounter(Frozen):
    out_bps: NonNegativeBps
    #: false: the load source saw the link operationally down; the planner treats it as failed (capacity 0)
    up: Annotated[bool, Field(strict=True)] = True


class SiteLoad(Frozen):
    ingress_bps: NonNegativeBps
    #: ingress per anycast pool at this site (what a prepend/withdraw of that pool can move)
    pools: dict[Name, NonNegativeBps] = Field(default_factory=dict)


Demands = Annotated[_DEMANDS, PlainValidator(egress_demands), PlainSerializer(msgspec.to_builtins)]


class Load(Frozen):
    """Measured load: the `traffic_load` pillar key, filled by the ext_pillar."""

    timestamp: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]  # epoch seconds
    source: Name = "file"
    egress: Demands = ()
    links: dict[LinkId, LinkCounter] = Field(default_factory=dict)
    sites: dict[Name, SiteLoad] = Field(default_factory=dict)
