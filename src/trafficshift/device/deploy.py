"""One router's config change through an open NAPALM driver: diff, commit confirmed, verify, confirm, undo.

The caller owns the driver (a Salt proxy's connection, or one the demo opened) and keeps the SAME driver open
from `commit_confirmed` to `confirm`: on EOS, closing it aborts the pending session, which reverts the change.
Every driver failure becomes a `DeployError` naming the router and the step, after the candidate has been
discarded, so nothing half-loaded stays behind.

On EOS, NAPALM's confirm and rollback run `write memory`, and its rollback aborts the session, which puts back
the whole running config from before the commit. Both reach beyond our change, so EOS confirmed commits
remember (`_EosWindow`, on the driver that made them) whether the startup config was in sync before (only
then does the confirm save it), the running config right after the commit, and the managed block that
restores the previous state. A rollback then aborts only when nobody committed since ours; otherwise it keeps
their commit: ours is confirmed and the previous managed block applied over it (docs/rendering.md, "Limits").
"""
from __future__ import annotations

import ipaddress
from contextlib import contextmanager
from dataclasses import dataclass

from trafficshift.errors import TrafficShiftError

#: NAPALM's Junos driver takes revert_in in whole minutes; keep one value valid for both vendors
REVERT_GRANULARITY_S = 60


class DeployError(TrafficShiftError):
    def __init__(self, router: str, step: str, reason: str) -> None:
        self.router, self.step, self.reason = router, step, reason
        super().__init__(f"{router}: {step} failed: {reason}")


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


@contextmanager
def _step(driver, router: str, step: str, *, discard_on_failure: bool = False):
    """Turn any driver failure inside the block into a DeployError for `router`/`step`; for the steps that
    leave a candidate behind, discard it first."""
    try:
        yield
    except Exception as exc:
        if discard_on_failure:
            _discard_quietly(driver)
        raise DeployError(router, step, _reason(exc)) from exc


def stage(driver, router: str, config: str) -> str:
    """Load `config` as a merge candidate and return the device's diff ('' when nothing changes).
    On failure the candidate is discarded."""
    with _step(driver, router, "load", discard_on_failure=True):
        driver.load_merge_candidate(config=config)
        return (driver.compare_config() or "").strip()


def diff(driver, router: str, config: str) -> str:
    """What `config` would change on the router; leaves the router untouched."""
    text = stage(driver, router, config)
    discard(driver, router)
    return text


def discard(driver, router: str) -> None:
    with _step(driver, router, "discard"):
        driver.discard_config()


def _keeps_lock(driver) -> bool:
    """Junos with NAPALM's default locking (the lock taken at each load): the lock is kept from the confirmed
    commit to the confirm. NAPALM releases it right after the commit, and its confirm is a plain commit of
    the shared candidate, so whatever a person loaded in between would be committed with our change."""
    return getattr(driver, "platform", None) == "junos" and not getattr(driver, "lock_disable", True) \
        and not getattr(driver, "session_config_lock", True) and not getattr(driver, "config_private", False)


def _release_kept_lock(driver) -> None:
    if _keeps_lock(driver) and getattr(driver, "locked", False):
        driver._unlock()  # pylint: disable=protected-access - NAPALM's own lock, taken at the load


@dataclass(frozen=True)
class _EosWindow:
    """What an EOS confirmed commit needs at its confirm or rollback."""

    #: the running config right after our commit: when it differs later, someone committed since
    committed: str
    #: running and startup configs were the same before our commit: confirming saves the startup config
    save: bool
    #: the managed block that restores the state before our commit (None: not known, e.g. provisioning)
    undo: str | None


#: the driver attribute holding the `_EosWindow` of the last EOS confirmed commit made through it
_WINDOW = "trafficshift_eos_window"


def _is_eos(driver) -> bool:
    return getattr(driver, "platform", None) == "eos"


def _config_body(text: str) -> list[str]:
    # `show running-config` and `show startup-config` differ in their `!` header comments only
    return [line.rstrip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("!")]


def commit_confirmed(driver, router: str, revert_in_s: int, *, undo: str | None = None) -> None:
    """Commit the staged candidate; the router reverts by itself unless `confirm` follows in time. On Junos
    the configuration lock stays held until `confirm` (or `rollback`, or a pending-check finding nothing
    pending), so nobody's candidate edits can ride along with the confirm. On EOS, `undo` is the managed
    block that restores the state before this commit, for a rollback after someone else's commit."""
    if revert_in_s <= 0 or revert_in_s % REVERT_GRANULARITY_S:
        raise ValueError(f"revert_in_s must be a positive multiple of {REVERT_GRANULARITY_S}, got {revert_in_s}")
    if _is_eos(driver):
        with _step(driver, router, "commit", discard_on_failure=True):
            configs = driver.get_config(retrieve="all")
            save = _config_body(configs["running"]) == _config_body(configs["startup"])
            driver.commit_config(revert_in=revert_in_s)
        # committed: a failure from here on leaves the timer to revert it, nothing to discard
        with _step(driver, router, "commit"):
            setattr(driver, _WINDOW, _EosWindow(driver.get_config(retrieve="running")["running"], save, undo))
        return
    with _step(driver, router, "commit", discard_on_failure=True):
        if not _keeps_lock(driver):
            driver.commit_config(revert_in=revert_in_s)
            return
        driver.session_config_lock = True  # NAPALM keeps a session-wide lock across commits
        try:
            driver.commit_config(revert_in=revert_in_s)
        finally:
            driver.session_config_lock = False


def commit(driver, router: str) -> None:
    """Commit the staged candidate for good (provisioning, where nothing came before to revert to)."""
    with _step(driver, router, "commit", discard_on_failure=True):
        driver.commit_config()


def confirm(driver, router: str) -> None:
    """Make the pending confirmed commit permanent. EOS saves the startup config only when it was in sync
    with the running config before our commit: otherwise someone's unsaved change would be saved with it."""
    with _step(driver, router, "confirm"):
        window = getattr(driver, _WINDOW, None)
        if window is None or window.save:
            driver.confirm_commit()  # EOS: the session commit, then `write memory`
        else:
            _eos_commit_session(driver, pending=True)
        _release_kept_lock(driver)


def has_pending_commit(driver, router: str) -> bool:
    """Whether a confirmed commit waits for its confirm; when none does (the router reverted it by itself,
    or it was confirmed), a lock still kept for it is released."""
    with _step(driver, router, "pending-check"):
        pending = bool(driver.has_pending_commit())
        if not pending:
            _release_kept_lock(driver)
        return pending


def rollback(driver, router: str) -> None:
    """Undo our last commit (a pending confirmed commit included) on the router, keeping anybody else's.

    Junos: NAPALM's `rollback 1`, exact because the configuration lock was held since our load. EOS, after a
    confirmed commit of ours: while it is pending and nobody committed since, the session is aborted; when
    someone did, aborting would revert their commit too, so ours is confirmed and the managed block from
    before it applied over theirs. A confirmed one is undone by that block as well. Neither saves the startup
    config, except to undo a change whose confirm saved it."""
    with _step(driver, router, "rollback"):
        window = getattr(driver, _WINDOW, None) if _is_eos(driver) else None
        if window is None:
            driver.rollback()
            return
        pending = bool(driver.config_session) and driver.has_pending_commit()  # ours, still pending
        untouched = pending and _config_body(driver.get_config(retrieve="running")["running"]) == \
            _config_body(window.committed)
        if pending and (untouched or window.undo is None):
            driver.discard_config()  # abort: back to the running config from before our commit
        elif window.undo is None:
            driver.rollback()  # a confirmed commit with no block to undo it: NAPALM's (configure replace)
        else:
            if pending:
                _eos_commit_session(driver, pending=True)
            driver.load_merge_candidate(config=window.undo)
            if (driver.compare_config() or "").strip():
                _eos_commit_session(driver, pending=False, save=window.save and not pending)
            else:
                driver.discard_config()
        delattr(driver, _WINDOW)


def _eos_commit_session(driver, *, pending: bool, save: bool = False) -> None:
    """Commit NAPALM's open EOS config session (confirm it, when `pending`) without NAPALM's `write memory`,
    unless `save`."""
    session = driver.config_session
    if not session or (pending and not driver.has_pending_commit()):
        raise RuntimeError("no pending commit-confirm of this session found")
    driver.device.run_commands([f"configure session {session} commit"] + (["write memory"] if save else []),
                               encoding="text")
    driver.config_session = None


def running_config(driver, router: str, step: str = "read-back", *, discard_on_failure: bool = False) -> str:
    """The running config; a failure is reported as `step` (the operation the read is part of), after
    discarding the staged candidate if asked."""
    with _step(driver, router, step, discard_on_failure=discard_on_failure):
        return driver.get_config(retrieve="running")["running"]


def _discard_quietly(driver) -> None:
    # the original failure is what the operator needs; a failed discard after it adds nothing
    try:
        driver.discard_config()
    except Exception:
        pass


def routes_to(driver, router: str, prefix: str, *, more_specifics: bool) -> dict:
    """NAPALM's `get_route_to(prefix)`: {prefix: [path, ...]}. `more_specifics` asks for the prefixes inside it
    too (EOS shows them only on request; Junos shows a prefix's range anyway and refuses the option)."""
    with _step(driver, router, "effect"):
        return driver.get_route_to(destination=prefix, longer=more_specifics) or {}


def advertised_routes(driver, router: str, neighbor: str) -> dict[str, list[int]]:
    """What the router sends BGP neighbor `neighbor`: {prefix: AS path as sent}. NAPALM has no getter for it,
    so the vendor's own command goes through the driver's session: Junos `get-route-information` with
    `advertising-protocol-name bgp` (`show route advertising-protocol bgp X`; the router's AS printed in
    brackets), EOS `show ip[v6] bgp neighbors X advertised-routes` over eAPI."""
    with _step(driver, router, "effect"):
        if _is_eos(driver):
            family = "ipv6" if ipaddress.ip_address(neighbor).version == 6 else "ip"
            (reply,) = driver.device.run_commands([f"show {family} bgp neighbors {neighbor} advertised-routes"])
            entries = reply.get("vrfs", {}).get("default", {}).get("bgpRouteEntries", {})
            return {prefix: _as_numbers(entry["bgpRoutePaths"][0]["asPathEntry"]["asPath"])
                    for prefix, entry in entries.items() if entry.get("bgpRoutePaths")}
        reply = driver.device.rpc.get_route_information(advertising_protocol_name="bgp", neighbor=neighbor)
        return {rt.findtext("rt-destination").strip(): _as_numbers(rt.findtext("rt-entry/as-path") or "")
                for rt in reply.iter("rt") if rt.findtext("rt-destination")}


def bgp_sessions(driver, router: str) -> dict[str, bool]:
    """Whether each BGP session of the router's default instance is up: {neighbor address: is_up}, from
    NAPALM's `get_bgp_neighbors` (its "global" table)."""
    with _step(driver, router, "effect"):
        peers = (driver.get_bgp_neighbors() or {}).get("global", {}).get("peers", {})
        return {address: bool(peer.get("is_up")) for address, peer in peers.items()}


def _as_numbers(text: str) -> list[int]:
    """The AS numbers of a printed AS path ("[64500] 64500 1299 I", "64500 1299 i"), in order."""
    return [int(word) for word in text.replace("[", " ").replace("]", " ").split() if word.isdigit()]
