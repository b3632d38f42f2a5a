"""Measured load: the `traffic_load` pillar key (`Load`)."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trafficshift.model.values import Frozen, LinkId, Name, NonNegativeBps, Prefix


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
    #: false: the load source saw the link operationally down; the planner treats it as failed (capacity 0)
    up: Annotated[bool, Field(strict=True)] = True


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
