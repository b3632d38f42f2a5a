"""Safety lint on the renderer's intermediate structure: nothing leaves the renderer unless it passes.

- policy shape: every policy ends in exactly one unconditional pass-through term; terminal reject terms
  come after every modifying term (so a reject never hides a later modification), and each matches
  something (an unconditional reject would stop every announcement through that neighbor);
- references: every policy, prefix-list and community that a neighbor or term names is defined; every
  session announces through its own family's announce filter, and that filter is rendered;
- the managed block: managed objects, and only they, carry the `TS-` prefix; whatever trafficshift
  modifies on import carries the marker community;
- the marker stays inside the AS: no export term adds a community, and every export term that lets a
  route through to the eBGP neighbor removes the marker;
- drains: a plan may not stop announcing every pool at a site (on every link of every router there)
  unless that site is in `drained_sites`.
"""
from __future__ import annotations

from trafficshift.errors import LintError
from trafficshift.model import Network
from trafficshift.model.plan import Withdraw
from trafficshift.render.structure import MANAGED_PREFIX, MARKER_COMMUNITY, RouterConfig, announce_list


def lint(cfg: RouterConfig, network: Network, intents, drained_sites=()) -> None:
    problems = _policy_shape(cfg) + _references(cfg) + _managed_block(cfg)
    problems += _site_drain(network, cfg.site, intents, set(drained_sites))
    if problems:
        raise LintError(f"{cfg.name}: {len(problems)} lint problem(s):\n" + "\n".join(problems))


def _policy_shape(cfg: RouterConfig) -> list[str]:
    problems = []
    for policy in cfg.policies:
        actions = [term.action for term in policy.terms]
        if not actions or actions[-1] != "pass" or actions.count("pass") != 1 or policy.terms[-1].match_list:
            problems.append(f"policy {policy.name}: must end in exactly one unconditional pass-through term")
        if "reject" in actions and "modify" in actions[actions.index("reject"):]:
            problems.append(f"policy {policy.name}: terminal reject term before a modifying term")
        for term in policy.terms:
            if term.action == "reject" and not term.match_list:
                problems.append(f"policy {policy.name} term {term.name}: unconditional reject")
            if policy.direction == "import" and term.action == "modify" and term.community != MARKER_COMMUNITY:
                problems.append(f"policy {policy.name} term {term.name}: modifies routes without the marker community")
            if policy.direction == "export" and term.community is not None:
                problems.append(f"policy {policy.name} term {term.name}: adds community {term.community} "
                                f"to routes sent to an eBGP neighbor")
            if policy.direction == "export" and term.action != "reject" and term.strip_community != MARKER_COMMUNITY:
                problems.append(f"policy {policy.name} term {term.name}: sends routes to an eBGP neighbor "
                                f"without removing the marker community")
        seqs = [term.seq for term in policy.terms]
        if seqs != sorted(set(seqs)):
            problems.append(f"policy {policy.name}: term sequence numbers not strictly increasing: {seqs}")
    return problems


def _references(cfg: RouterConfig) -> list[str]:
    policies = {policy.name for policy in cfg.policies}
    lists = {(pl.name, pl.family) for pl in cfg.prefix_lists}
    problems = []
    for group in cfg.groups:
        for neighbor in group.neighbors:
            for name in (neighbor.import_policy, neighbor.export_policy):
                if name not in policies:
                    problems.append(f"neighbor {neighbor.address}: policy {name} is not defined")
            own = announce_list(neighbor.family)
            if neighbor.announce != own or neighbor.family not in cfg.announce_families:
                problems.append(f"neighbor {neighbor.address}: an IPv{neighbor.family} session must announce "
                                f"through {own}, defined for it; got {neighbor.announce}")
    for policy in cfg.policies:
        for term in policy.terms:
            if term.match_list is not None and (term.match_list, term.family) not in lists:
                problems.append(f"policy {policy.name} term {term.name}: IPv{term.family} prefix-list "
                                f"{term.match_list} is not defined")
            for community in (term.community, term.strip_community):
                if community is not None and community not in cfg.communities:
                    problems.append(f"policy {policy.name} term {term.name}: community {community} is not defined")
    return problems


def _managed_block(cfg: RouterConfig) -> list[str]:
    objects = [(p.name, p.managed) for p in cfg.policies] + [(pl.name, pl.managed) for pl in cfg.prefix_lists]
    objects += [(name, True) for name in cfg.communities] + [(name, True) for name, _ in cfg.managed_list_slots]
    return [f"object {name}: {'managed' if managed else 'baseline'} object "
            f"{'without' if managed else 'with'} the {MANAGED_PREFIX} prefix"
            for name, managed in objects if name.startswith(MANAGED_PREFIX) != managed]


def _site_drain(network: Network, site: str, intents, drained_sites: set[str]) -> list[str]:
    if site in drained_sites:
        return []
    pools = {name for name, pool in network.pools.items() if site in pool.sites}
    links = {(name, interface) for name, router in network.routers.items() if router.site == site
             for interface in router.links}
    if not pools or not links:
        return []
    withdrawn = {(i.router, i.link, i.pool) for i in intents if isinstance(i, Withdraw)}
    if all((router, link, pool) in withdrawn for router, link in links for pool in pools):
        return [f"site {site}: the plan withdraws every pool ({', '.join(sorted(pools))}) on every link; "
                f"pass drained_sites={{{site!r}}} to drain the site on purpose"]
    return []
