"""Operator access through Salt's external_auth (docs/access.md): the `file` backend with a read-only
`viewer` (traffic.plan, status, history, show, replay) and an `operator` who may also change the fleet
(apply, rebalance, rollback, drain/undrain, freeze/unfreeze, schedule) and write reports. Real salt-run calls against the
security deployment's master."""
from __future__ import annotations

import pytest

from security_setup import OPERATORS, ROUTERS


@pytest.fixture(scope="module")
def provisioned(sec_salt, sec_feed_load):
    sec_feed_load("normal")
    ret = sec_salt.run("traffic.provision", minion_tgt="*")
    assert ret.returncode == 0 and sorted(ret.data) == ROUTERS, ret


@pytest.fixture(autouse=True)
def fresh_load(sec_feed_load):
    """The load is stale after an hour of lab time (a minute of wall time at x60): measured now."""
    sec_feed_load("normal")
    return sec_feed_load


def as_user(sec_run, user, *args, password=None):
    return sec_run.run("-a", "file", "--username", user, "--password", password or OPERATORS[user], *args)


def denied(ret) -> bool:
    """Salt's refusal. salt-run and salt exit 0 on it (Salt 3008.4): what counts is the message, no data,
    and that nothing ran (the callers check the routers and the history)."""
    return ret.data is None and ret.stdout.strip() in (
        'Authentication failure of type "eauth" occurred for user viewer.',
        'Authentication failure of type "eauth" occurred for user operator.',
        'Authentication failure of type "eauth" occurred for user mallory.',
        "Authorization error occurred.")


def history(sec_run) -> list:
    ret = sec_run.run("traffic.history")
    assert ret.returncode == 0, ret
    return ret.data


def test_viewer_may_plan_and_read_but_not_apply(sec_run, sec_lab, provisioned, tmp_path):
    before = {router: len(sec_lab.control(router).commits()) for router in ROUTERS}
    runs = history(sec_run)
    report = tmp_path / "viewer-was-here.html"
    plan = as_user(sec_run, "viewer", "traffic.plan")
    assert plan.returncode == 0 and plan.data["status"] == "ok", plan
    assert as_user(sec_run, "viewer", "traffic.status").returncode == 0
    assert as_user(sec_run, "viewer", "traffic.history").returncode == 0
    for args in (("traffic.apply",), ("traffic.freeze",), ("traffic.drain", "site", "ams01"),
                 ("traffic.rollback", "20261127T041500.123456-4242"), ("traffic.schedule", "30"),
                 ("traffic.report", f"path={report}")):
        refused = as_user(sec_run, "viewer", *args)
        assert denied(refused), (args, refused)
    assert {router: len(sec_lab.control(router).commits()) for router in ROUTERS} == before
    assert history(sec_run) == runs  # no run started
    assert not report.exists()


def test_operator_may_plan_and_apply(sec_run, provisioned, fresh_load):
    plan = as_user(sec_run, "operator", "traffic.plan")
    assert plan.returncode == 0 and plan.data["status"] == "ok", plan
    fresh_load("normal")
    applied = as_user(sec_run, "operator", "traffic.apply")
    assert applied.returncode == 0 and applied.data["result"] is True, applied
    assert applied.data["status"] in ("applied", "no-change") and history(sec_run)[0]["id"] == applied.data["run"]
    assert as_user(sec_run, "operator", "traffic.drain", "site", "ams01").returncode == 0
    assert as_user(sec_run, "operator", "traffic.undrain", "site", "ams01").returncode == 0


def test_wrong_password_and_unknown_user_are_refused(sec_run, provisioned):
    for user, password in (("operator", "wrong"), ("mallory", "anything")):
        ret = sec_run.run("-a", "file", "--username", user, "--password", password, "traffic.plan")
        assert denied(ret), ret


def test_viewer_has_no_minion_functions(sec_master, provisioned):
    salt_cli = sec_master.salt_cli(timeout=60)
    ret = salt_cli.run("-a", "file", "--username", "viewer", "--password", OPERATORS["viewer"], "traffic.apply",
                       minion_tgt="*")
    assert denied(ret), ret
