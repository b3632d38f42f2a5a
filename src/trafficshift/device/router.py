"""One router's traffic-shift operations over an open NAPALM driver: what the Salt `traffic` execution module
(saltext/trafficshift/modules/traffic.py) runs on each proxy, kept free of Salt so it is tested on its own.

Every function takes the parsed `Network` (from the proxy's `traffic` pillar, see `network_from_pillar`), the
router's name and the driver the caller owns; the caller keeps the same driver open between `apply` (commit
confirmed) and `confirm`. Intents arrive as `plan.intent_to_dict` dicts and may hold the whole plan: only this
router's are used. Failures are `TrafficShiftError`s; the device ones are `deploy.DeployError`
("router: step failed: reason"). Returns are plain dicts that never carry credentials.
"""
from __future__ import annotations

import ipaddress
import re
import time

from trafficshift.device import deploy
from trafficshift.effect import (announcement_expectations, check_announcements, check_routes, detour_expectations,
                                 more_specific_kept, neighbor_sends, with_sessions)
from trafficshift.errors import TrafficShiftError, ValidationError
from trafficshift.model import Network
from trafficshift.model.plan import Detour, Intent, intent_from_dict, intent_to_dict
from trafficshift.render.readback import read_intents, read_present_objects
from trafficshift.render import baseline_chains, render_baseline, render_shift, unknown_managed_objects
from trafficshift.validation import parse_network

#: device seconds a confirmed commit waits for `confirm` before the router reverts by itself
DEFAULT_REVERT_IN_S = 600
#: secrets a device diff can show as context lines (EOS `username ... secret sha512 <hash>`, Junos
#: `encrypted-password "<hash>"`): the value is replaced before a diff leaves this module
SECRET = re.compile(r"(?P<keyword>\b(?:secret|password|encrypted-password|key)\s+(?:(?:sha512|[0-9])\s+)?)\S+")


def scrub(text: str) -> str:
    return SECRET.sub(lambda match: match["keyword"] + "<removed>", text)


def network_from_pillar(router: str, pillar: dict) -> Network:
    try:
        if "traffic" not in pillar:
            raise ValidationError(["traffic: missing from this minion's pillar"])
        return parse_network(pillar["traffic"])
    except TrafficShiftError as exc:
        raise deploy.DeployError(router, "pillar", str(exc)) from None


def parse_intents(router: str, intents) -> tuple[Intent, ...]:
    """This router's intents out of `intent_to_dict` dicts (None: no intents, the baseline policy)."""
    if intents is None:
        return ()
    if not isinstance(intents, (list, tuple)):
        raise ValidationError([f"intents: must be a list of intent dicts, got {type(intents).__name__}"])
    parsed = []
    for index, data in enumerate(intents):
        try:
            parsed.append(intent_from_dict(data))
        except (KeyError, TypeError) as exc:
            raise ValidationError([f"intents:{index}: not an intent dict ({type(exc).__name__}: {exc})"]) from None
    return tuple(intent for intent in parsed if intent.router == router)


def _check_router(network: Network, router: str) -> None:
    if router not in network.routers:
        raise deploy.DeployError(router, "pillar", "not a router of the traffic pillar")


def render(network: Network, router: str, intents=None, drained_sites=None) -> str:
    """This router's managed shift block for `intents` (none: pass-through policies)."""
    _check_router(network, router)
    try:
        return render_shift(network, router, parse_intents(router, intents), tuple(drained_sites or ()))
    except TrafficShiftError as exc:
        raise deploy.DeployError(router, "render", str(exc)) from None


def diff(driver, network: Network, router: str, intents=None, drained_sites=None) -> dict:
    """What loading the shift block would change; the router is left untouched."""
    text = deploy.diff(driver, router, render(network, router, intents, drained_sites))
    return {"router": router, "diff": scrub(text)}


def apply(driver, network: Network, router: str, intents=None, drained_sites=None,
          revert_in: int = DEFAULT_REVERT_IN_S) -> dict:
    """Load the shift block; if it changes anything, commit confirmed (the router reverts after `revert_in`
    device seconds unless `confirm` follows). Without a diff nothing is committed. `apply_s`: the seconds it
    took on the proxy (the metrics engine's per-router apply duration)."""
    started = time.perf_counter()
    config = render(network, router, intents, drained_sites)
    if revert_in <= 0 or revert_in % deploy.REVERT_GRANULARITY_S:
        raise deploy.DeployError(router, "commit", f"revert_in must be a positive multiple of "
                                                   f"{deploy.REVERT_GRANULARITY_S} seconds, got {revert_in}")
    # an EOS config session commits its whole copy of the running config: a change someone commits between
    # the session's start and ours would be overwritten, so the running config must not move meanwhile
    # (Junos needs no check: NAPALM holds the configuration lock from the load to the commit)
    guard = network.routers[router].vendor == "eos"
    before = deploy.running_config(driver, router, step="load") if guard else None
    text = deploy.stage(driver, router, config)
    if not text:
        deploy.discard(driver, router)
        return {"router": router, "changed": False, "diff": "", "pending": False,
                "apply_s": round(time.perf_counter() - started, 4)}
    if guard and deploy.running_config(driver, router, step="commit", discard_on_failure=True) != before:
        deploy.discard(driver, router)
        raise deploy.DeployError(router, "commit", "the running config changed while the change was staged "
                                                   "(someone committed meanwhile); nothing was committed")
    deploy.commit_confirmed(driver, router, revert_in, undo=_undo_block(network, router, before) if guard else None)
    return {"router": router, "changed": True, "diff": scrub(text), "pending": True,
            "apply_s": round(time.perf_counter() - started, 4)}


def _undo_block(network: Network, router: str, running: str) -> str | None:
    """The managed block that restores what `running` holds (its shifts read back and rendered again), for
    a rollback that must keep a change someone committed after ours; None when it cannot be rendered."""
    try:
        previous = _still_possible(network, router, read_intents(network, router, running))
        return render_shift(network, router, previous, _drained(network, previous))
    except TrafficShiftError:
        return None


def effect(driver, network: Network, router: str, intents=None, hot_links=None) -> dict:
    """Whether the router routes as its intents among `intents` say (trafficshift.effect): its detours in the
    routes it selects (one lookup per checked prefix), its prepends and withdrawals in what it sends each
    neighbor concerned. Returns what was checked and the misses (`to_dict`, with `line`, the operator's
    one-line description). Changes nothing; the caller decides what a miss means."""
    _check_router(network, router)
    started = time.perf_counter()
    mine = parse_intents(router, intents)
    expectations = detour_expectations(network, router, mine, sample=network.policy.effect_sample,
                                       hot_links=tuple(hot_links or ()))
    more_specifics = network.routers[router].vendor == "eos"
    replies = {want.prefix: deploy.routes_to(driver, router, want.prefix, more_specifics=more_specifics)
               for want in expectations}
    misses = list(check_routes(expectations, replies))
    announcements = announcement_expectations(network, router, mine)
    advertised = {neighbor: deploy.advertised_routes(driver, router, neighbor)
                  for neighbor in sorted({want.neighbor for want in announcements})}
    misses += check_announcements(announcements, advertised, network.routers[router].asn)
    if misses:  # why traffic did not move, where a session down explains it
        try:
            misses = with_sessions(misses, deploy.bgp_sessions(driver, router))
        except deploy.DeployError:
            pass  # the misses say what is wrong; the sessions would only have said why
    checked = [want.prefix for want in expectations] + \
        [f"{want.prefix} to {want.neighbor}" for want in announcements]
    return {"router": router, "checked": checked,
            "misses": [{**miss.to_dict(), "line": miss.describe(network)} for miss in misses],
            "effect_s": round(time.perf_counter() - started, 4)}


def detour_routes(driver, network: Network, router: str, detours=None) -> dict:
    """What this router says about the routes planned detours depend on (`detours`: `[{"router", "link",
    "prefix", "from_link"}]`, the whole plan's; `from_link` may be None): for each detour onto one of its links
    (`router` is this one), whether the link's neighbor sends exactly the prefix (a path from it, active or
    not: `routes`); for each detour off one of its links (`from_link` is on this router), the more-specific of
    the prefix whose best path still comes from that link's neighbor, if any (`more_specifics`); and, when a
    prefix is not sent, the links whose BGP sessions are all down (`sessions_down`). One `get_route_to` per
    prefix (with more-specifics). Changes nothing."""
    _check_router(network, router)
    links = network.routers[router].links
    if detours is not None and not isinstance(detours, (list, tuple)):
        raise ValidationError([f"detours: must be a list of {{router, link, prefix, from_link}}, "
                               f"got {type(detours).__name__}"])
    onto, off = set(), set()
    for index, detour in enumerate(detours or ()):
        if not isinstance(detour, dict) or set(detour) != {"router", "link", "prefix", "from_link"}:
            raise ValidationError([f"detours:{index}: expected {{router, link, prefix, from_link}}, got {detour!r}"])
        source_router, _, source = str(detour["from_link"] or "").partition(":")
        if router not in (detour["router"], source_router):
            continue
        try:
            prefix = str(ipaddress.ip_network(str(detour["prefix"])))
        except ValueError:
            raise ValidationError([f"detours:{index}:prefix: {detour['prefix']!r} is not a prefix"]) from None
        for field, name, wanted in (("link", detour["link"], onto), ("from_link", source, off)):
            if (detour["router"] if field == "link" else source_router) != router:
                continue
            if name not in links:
                raise ValidationError([f"detours:{index}:{field}: {name!r} is not a link of {router}"])
            wanted.add((prefix, name))
    more_specifics = network.routers[router].vendor == "eos"  # Junos shows a prefix's range anyway
    replies = {prefix: deploy.routes_to(driver, router, prefix, more_specifics=more_specifics)
               for prefix in sorted({prefix for prefix, _ in onto | off}, key=_prefix_key)}
    routes = [{"prefix": prefix, "link": link, "sent": _sends(links[link], replies[prefix], prefix)}
              for prefix, link in sorted(onto, key=lambda pair: (_prefix_key(pair[0]), pair[1]))]
    kept = []
    for prefix, link in sorted(off, key=lambda pair: (_prefix_key(pair[0]), pair[1])):
        neighbor = _neighbor_for(links[link], prefix)
        inside = more_specific_kept(replies[prefix], prefix, neighbor) if neighbor is not None else None
        if inside is not None:
            kept.append({"prefix": prefix, "link": link, "more_specific": inside})
    return {"router": router, "routes": routes, "more_specifics": kept,
            "sessions_down": _links_down(driver, network, router, routes)}


def _prefix_key(prefix: str):
    network = ipaddress.ip_network(prefix)
    return network.version, network


def _neighbor_for(link, prefix: str) -> str | None:
    """The link's neighbor of the prefix's address family (None: the link carries no such session)."""
    family = ipaddress.ip_network(prefix).version
    return next((address for version, address, _ in link.sessions() if version == family), None)


def _sends(link, reply: dict, prefix: str) -> bool:
    neighbor = _neighbor_for(link, prefix)
    return neighbor is not None and neighbor_sends(reply, prefix, neighbor)


def _links_down(driver, network: Network, router: str, routes: list[dict]) -> list[str]:
    """The links among those with a prefix not sent whose every BGP session the router reports down (asked
    only when something is not sent; a router that cannot say reports none)."""
    missing = sorted({route["link"] for route in routes if not route["sent"]})
    if not missing:
        return []
    try:
        established = deploy.bgp_sessions(driver, router)
    except deploy.DeployError:
        return []
    up = {ipaddress.ip_address(address): is_up for address, is_up in established.items()
          if _is_address(address)}
    links = network.routers[router].links
    return [link for link in missing
            if all(up.get(ipaddress.ip_address(address)) is False for _, address, _ in links[link].sessions())]


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def verify(driver, network: Network, router: str, intents=None, hot_links=None) -> dict:
    """A pending commit's whole check in one call (one Salt job per stage): the shift intents the running
    config carries (`current`) and whether its detours moved traffic (`effect`, with `effect_s`, the time the
    route lookups took); `verify_s`, the whole check's seconds on the proxy."""
    started = time.perf_counter()
    found = {**current(driver, network, router), **effect(driver, network, router, intents, hot_links)}
    return {**found, "verify_s": round(time.perf_counter() - started, 4)}


def confirm(driver, router: str) -> dict:
    deploy.confirm(driver, router)
    return {"router": router, "confirmed": True}


def rollback(driver, router: str) -> dict:
    deploy.rollback(driver, router)
    return {"router": router, "rolled_back": True}


def pending(driver, router: str) -> dict:
    return {"router": router, "pending": deploy.has_pending_commit(driver, router)}


def current(driver, network: Network, router: str) -> dict:
    """The shift intents the running config carries (`Detour.from_link` reads back as None), and
    `unknown_objects`: the `TS-` objects it holds that the pillar does not render for the router (a removed
    link's policies; `render.unknown_managed_objects`)."""
    _check_router(network, router)
    running = deploy.running_config(driver, router)
    try:
        intents = read_intents(network, router, running)
        unknown = unknown_managed_objects(network, router, read_present_objects(network.routers[router].vendor,
                                                                                running))
    except TrafficShiftError as exc:
        raise deploy.DeployError(router, "read-back", str(exc)) from None
    return {"router": router, "intents": [intent_to_dict(intent) for intent in intents],
            "unknown_objects": list(unknown)}


def provision(driver, network: Network, router: str, test: bool = False,
              revert_in: int = DEFAULT_REVERT_IN_S) -> dict:
    """Merge the baseline and the shift block the router already runs (read back, so provisioning never
    undoes an active shift that the pillar still allows); the baseline also removes the pool prefix-lists
    and `network` statements the pillar no longer has, and puts our policies in front of each neighbor's
    operator policies (docs/rendering.md, "Coexisting with the operator's policies"). Like a shift:
    committed confirmed, then the router must answer and read back the same shifts and every neighbor chain
    as rendered, then confirmed; otherwise rolled back (or, unreachable, it reverts by itself after
    `revert_in` device seconds). `test`: report the diff, commit nothing."""
    _check_router(network, router)
    running = deploy.running_config(driver, router)
    vendor = network.routers[router].vendor
    try:
        active = _still_possible(network, router, read_intents(network, router, running))
        present = read_present_objects(vendor, running)
    except TrafficShiftError as exc:
        raise deploy.DeployError(router, "read-back", str(exc)) from None
    try:
        config = render_baseline(network, router, present=present) + \
            render_shift(network, router, active, _drained(network, active))
    except TrafficShiftError as exc:
        raise deploy.DeployError(router, "render", str(exc)) from None
    text = deploy.stage(driver, router, config)
    if test or not text:
        deploy.discard(driver, router)
        return {"router": router, "changed": False, "diff": scrub(text)}
    deploy.commit_confirmed(driver, router, revert_in)
    try:
        running_after = deploy.running_config(driver, router)
        after = read_intents(network, router, running_after)
        chains_after = read_present_objects(vendor, running_after).chains
    except (deploy.DeployError, TrafficShiftError) as exc:
        _roll_back_quietly(driver, router)
        reason = exc.reason if isinstance(exc, deploy.DeployError) else str(exc)
        raise deploy.DeployError(router, "health-check", f"read-back after the commit failed: {reason}") from None
    if after != active:
        _roll_back_quietly(driver, router)
        raise deploy.DeployError(router, "health-check", f"the router runs {len(after)} shift(s) after the "
                                                         f"commit, {len(active)} were rendered; rolled back")
    wrong = _chain_mismatch(baseline_chains(network, router, present), chains_after)
    if wrong:
        _roll_back_quietly(driver, router)
        raise deploy.DeployError(router, "health-check", f"{wrong}; rolled back")
    deploy.confirm(driver, router)
    return {"router": router, "changed": True, "diff": scrub(text)}


def _chain_mismatch(rendered: dict, running: dict) -> str | None:
    """The first neighbor whose policy chain on the router is not the one rendered (ours first, then the
    operator's in their order), described; None when all match."""
    for address, (imports, exports) in sorted(rendered.items()):
        have = running.get(address, ((), ()))
        for direction, want, got in (("import", imports, have[0]), ("export", exports, have[1])):
            if tuple(got) != tuple(want):
                return (f"neighbor {address} {direction}s through [{' '.join(got)}] after the commit, "
                        f"[{' '.join(want)}] was rendered")
    return None


def _roll_back_quietly(driver, router: str) -> None:
    # the health-check failure is what the operator needs; an unreachable router reverts by itself
    try:
        deploy.rollback(driver, router)
    except deploy.DeployError:
        pass


def _still_possible(network: Network, router: str, intents) -> tuple[Intent, ...]:
    """The read-back shifts the pillar can still express: a pool it no longer announces at the router's
    site has nothing to prepend or withdraw (its objects go with the baseline)."""
    site = network.routers[router].site
    return tuple(intent for intent in intents if isinstance(intent, Detour)
                 or (intent.pool in network.pools and site in network.pools[intent.pool].sites))


def _drained(network: Network, intents) -> tuple[str, ...]:
    # what the router runs already passed the drain lint when it was applied; re-rendering it as-is must not
    # be refused for draining the router's own site
    return tuple(sorted({network.routers[intent.router].site for intent in intents}))
