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


def commit_confirmed(driver, router: str, revert_in_s: int) -> None:
    """Commit the staged candidate; the router reverts by itself unless `confirm` follows in time."""
    if revert_in_s <= 0 or revert_in_s % REVERT_GRANULARITY_S:
        raise ValueError(f"revert_in_s must be a positive multiple of {REVERT_GRANULARITY_S}, got {revert_in_s}")
    with _step(driver, router, "commit", discard_on_failure=True):
        driver.commit_config(revert_in=revert_in_s)


def commit(driver, router: str) -> None:
    """Commit the staged candidate for good (provisioning, where nothing came before to revert to)."""
    with _step(driver, router, "commit", discard_on_failure=True):
        driver.commit_config()


def confirm(driver, router: str) -> None:
    with _step(driver, router, "confirm"):
        driver.confirm_commit()


def has_pending_commit(driver, router: str) -> bool:
    with _step(driver, router, "pending-check"):
        return bool(driver.has_pending_commit())


def rollback(driver, router: str) -> None:
    """Undo the last commit (a pending confirmed commit included) on the router."""
    with _step(driver, router, "rollback"):
        driver.rollback()


def running_config(driver, router: str) -> str:
    with _step(driver, router, "read-back"):
        return driver.get_config(retrieve="running")["running"]


def _discard_quietly(driver) -> None:
    # the original failure is what the operator needs; a failed discard after it adds nothing
    try:
        driver.discard_config()
    except Exception:
        pass
