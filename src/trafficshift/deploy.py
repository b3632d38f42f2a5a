"""One router's config change through an open NAPALM driver: diff, commit confirmed, verify, confirm, undo.

The caller owns the driver (a Salt proxy's connection, or one the demo opened) and keeps the SAME driver open
from `commit_confirmed` to `confirm`: on EOS, closing it aborts the pending session, which reverts the change.
Every driver failure becomes a `DeployError` naming the router and the step, after the candidate has been
discarded, so nothing half-loaded stays behind.
"""
from __future__ import annotations

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


def stage(driver, router: str, config: str) -> str:
    """Load `config` as a merge candidate and return the device's diff ('' when nothing changes).
    On failure the candidate is discarded."""
    try:
        driver.load_merge_candidate(config=config)
        return (driver.compare_config() or "").strip()
    except Exception as exc:
        _discard_quietly(driver)
        raise DeployError(router, "load", _reason(exc)) from exc


def diff(driver, router: str, config: str) -> str:
    """What `config` would change on the router; leaves the router untouched."""
    text = stage(driver, router, config)
    discard(driver, router)
    return text


def discard(driver, router: str) -> None:
    try:
        driver.discard_config()
    except Exception as exc:
        raise DeployError(router, "discard", _reason(exc)) from exc


def commit_confirmed(driver, router: str, revert_in_s: int) -> None:
    """Commit the staged candidate; the router reverts by itself unless `confirm` follows in time."""
    if revert_in_s <= 0 or revert_in_s % REVERT_GRANULARITY_S:
        raise ValueError(f"revert_in_s must be a positive multiple of {REVERT_GRANULARITY_S}, got {revert_in_s}")
    try:
        driver.commit_config(revert_in=revert_in_s)
    except Exception as exc:
        _discard_quietly(driver)
        raise DeployError(router, "commit", _reason(exc)) from exc


def commit(driver, router: str) -> None:
    """Commit the staged candidate for good (provisioning, where nothing came before to revert to)."""
    try:
        driver.commit_config()
    except Exception as exc:
        _discard_quietly(driver)
        raise DeployError(router, "commit", _reason(exc)) from exc


def confirm(driver, router: str) -> None:
    try:
        driver.confirm_commit()
    except Exception as exc:
        raise DeployError(router, "confirm", _reason(exc)) from exc


def has_pending_commit(driver, router: str) -> bool:
    try:
        return bool(driver.has_pending_commit())
    except Exception as exc:
        raise DeployError(router, "pending-check", _reason(exc)) from exc


def rollback(driver, router: str) -> None:
    """Undo the last commit (a pending confirmed commit included) on the router."""
    try:
        driver.rollback()
    except Exception as exc:
        raise DeployError(router, "rollback", _reason(exc)) from exc


def running_config(driver, router: str) -> str:
    try:
        return driver.get_config(retrieve="running")["running"]
    except Exception as exc:
        raise DeployError(router, "read-back", _reason(exc)) from exc


def _discard_quietly(driver) -> None:
    # the original failure is what the operator needs; a failed discard after it adds nothing
    try:
        driver.discard_config()
    except Exception:
        pass
