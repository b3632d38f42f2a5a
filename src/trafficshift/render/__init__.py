"""Render plan intents and router baselines into Junos and Arista EOS configuration (docs/rendering.md).

Public API (every function returns config text for one router, or raises `RenderError`/`LintError` and
renders nothing):

- `render_baseline(network, router, present=None)`: provisioning config (system, interfaces, BGP, pool
  prefix-lists, each replaced whole) whose BGP neighbors hook the managed `TS-` policies; with what the
  router holds (`present`), it also removes the pool objects the pillar no longer has and keeps each
  neighbor's operator policies after ours; `baseline_chains` gives the neighbor chains it renders;
- `render_shift(network, router, intents, drained_sites=())`: the managed traffic-shift block alone,
  replaced whole on every load; no intents renders the pass-through policies (back to baseline).
  `intents` may be the whole plan's (only `router`'s are rendered; the drain lint then sees whole sites);
- `render_router(network, router, plan, drained_sites=())`: baseline followed by the shift block;
- `VENDORS`: vendor name -> generator class; `generator(vendor)` builds one.

Templates live in trafficshift/render/templates/<vendor>/{baseline,shift}.j2 with the same names and variables (`cfg`, a
`structure.RouterConfig`) for every vendor. Output is deterministic: sorted, no timestamps.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from trafficshift.errors import RenderError
from trafficshift.render import lint as linting
from trafficshift.model import Network
from trafficshift.model.plan import Plan
from trafficshift.render import structure
from trafficshift.render.base import Generator
from trafficshift.render.eos import EosGenerator
from trafficshift.render.junos import JunosGenerator

VENDORS: dict[str, type[Generator]] = {cls.vendor: cls for cls in (EosGenerator, JunosGenerator)}

__all__ = ["VENDORS", "baseline_chains", "generator", "render_baseline", "render_router", "render_shift"]


@lru_cache(maxsize=None)
def generator(vendor: str, template_dir=None) -> Generator:
    """The generator for `vendor`, one per (vendor, template_dir), so templates compile once."""
    try:
        return VENDORS[vendor](template_dir)
    except KeyError:
        raise RenderError(f"unknown vendor {vendor!r}; known: {', '.join(sorted(VENDORS))}") from None


def _prepare(network: Network, router: str, intents, drained_sites, template_dir=None):
    if router not in network.routers:
        raise RenderError(f"unknown router {router!r}")
    gen = generator(network.routers[router].vendor, template_dir)
    intents = tuple(intents)
    cfg = structure.build(network, router, intents, gen)
    linting.lint(cfg, network, intents, drained_sites)
    return gen, cfg


def render_baseline(network: Network, router: str, *, present: structure.PresentObjects | None = None,
                    template_dir=None) -> str:
    """`present`: what the router holds now (`readback.read_present_objects`); the baseline then also
    removes the pool objects the pillar no longer has and keeps each neighbor's operator policies after
    ours (or refuses, on a vendor that cannot chain them)."""
    gen, cfg = _prepare(network, router, (), (), template_dir)
    if present is not None:
        cfg = structure.with_present(cfg, present, chains_operator_policies=gen.chains_operator_policies)
    return gen.render_template("baseline.j2", cfg=cfg)


def baseline_chains(network: Network, router: str, present: structure.PresentObjects) -> dict:
    """Neighbor address -> (import chain, export chain) the baseline gives the router holding `present`:
    what the router must show after provisioning (read back with `readback.read_present_objects`)."""
    gen, cfg = _prepare(network, router, (), ())
    cfg = structure.with_present(cfg, present, chains_operator_policies=gen.chains_operator_policies)
    return {str(ipaddress.ip_address(n.address)): (n.import_chain, n.export_chain)
            for group in cfg.groups for n in group.neighbors}


def unknown_managed_objects(network: Network, router: str, present: structure.PresentObjects) -> tuple[str, ...]:
    """The objects carrying our `TS-` prefix that the router holds (`present`, read back) and the pillar does
    not render for it: the shift policies (and EOS detour prefix-lists) of a link the pillar no longer has.
    Provisioning deletes them, or makes them pass-through while a neighbor outside the pillar still applies
    them; until they are gone they are drift."""
    _, cfg = _prepare(network, router, (), ())
    rendered = {policy.name for policy in cfg.policies} | {name for name, _ in cfg.managed_list_slots}
    found = [name for name in present.policies if structure.MANAGED_POLICY.fullmatch(name)]
    return tuple(sorted(name for name in found + list(present.detour_lists) if name not in rendered))


def render_shift(network: Network, router: str, intents=(), drained_sites=(), *, template_dir=None) -> str:
    gen, cfg = _prepare(network, router, intents, drained_sites, template_dir)
    return gen.render_template("shift.j2", cfg=cfg)


def render_router(network: Network, router: str, plan: Plan | None = None, drained_sites=(), *,
                  template_dir=None) -> str:
    intents = plan.intents if plan is not None else ()
    gen, cfg = _prepare(network, router, intents, drained_sites, template_dir)
    return gen.render_template("baseline.j2", cfg=cfg) + gen.render_template("shift.j2", cfg=cfg)
