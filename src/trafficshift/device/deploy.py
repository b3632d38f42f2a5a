"""One router's config change through an open NAPALM driver: diff, commit confirmed, verify, confirm, undo.

The caller owns the driver (a Salt proxy's connection, or one the demo opened) and keeps the SAME driver open
from `commit_confirmed` to `confirm`: on EOS, closing it aborts the pending session, which reverts the change.
Every driver failure becomes a `DeployError` naming the router and the step, after the candidate has been
discarded, so nothing half-loaded stays behind.
"""
from __future__ import annotations

from contextlib import contextmanager

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


def commit_confirmed(driver, router: str, revert_in_s: int) -> None:
    """Commit the staged candidate; the router reverts by itself unless `confirm` follows in time. On Junos
    the configuration lock stays held until `confirm` (or `rollback`, or a pending-check finding nothing
    pending), so nobody's candidate edits can ride along with the confirm."""
    if revert_in_s <= 0 or revert_in_s % REVERT_GRANULARITY_S:
        raise ValueError(f"revert_in_s must be a positive multiple of {REVERT_GRANULARITY_S}, got {revert_in_s}")
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
    with _step(driver, router, "confirm"):
        driver.confirm_commit()
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
    """Undo the last commit (a pending confirmed commit included) on the router."""
    with _step(driver, router, "rollback"):
        driver.rollback()


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
