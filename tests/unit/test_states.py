"""The `traffic` states as Salt loads them (pytest-salt-factories' loader-module fixture fills __salt__,
__opts__ and __pillar__), over a fake execution module that records its calls: test=True changes nothing,
a changed router is confirmed only while its commit is still pending, a failed check rolls back, and every
return is the standard state dict. The same states through a real master and proxies: tests/salt."""
from __future__ import annotations

import pytest
from salt.exceptions import CommandExecutionError

from saltext.trafficshift.states import traffic as traffic_state

INTENTS = [{"kind": "prepend", "router": "ams01-r1", "link": "et-0/0/0", "pool": "web", "count": 1}]
ACTIVE = {"intents": INTENTS, "drained_sites": ["fra01"]}


class FakeModule:
    """The execution module's `traffic.*` functions on one router: what it would change, and failures."""

    def __init__(self, change: str = "+ TS-OUT", pending_after_apply: bool = True) -> None:
        self.change, self.pending_after_apply = change, pending_after_apply
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict[str, str] = {}

    def function(self, name: str):
        def call(**kwargs):
            self.calls.append((name, kwargs))
            if name in self.fail:
                raise CommandExecutionError(f"ams01-r1: {name} failed: {self.fail[name]}")
            return getattr(self, name.split(".")[1])(**kwargs)
        return call

    def functions(self) -> dict:
        names = ("diff", "apply", "pending", "confirm", "rollback", "provision")
        return {f"traffic.{name}": self.function(f"traffic.{name}") for name in names}

    def diff(self, **_):
        return {"diff": self.change}

    def apply(self, **_):
        return {"changed": bool(self.change), "diff": self.change, "pending": bool(self.change)}

    def pending(self):
        return {"pending": self.pending_after_apply}

    def confirm(self):
        return {"confirmed": True}

    def rollback(self):
        return {"rolled_back": True}

    def provision(self, test=False, revert_in=600):
        return {"changed": bool(self.change), "diff": self.change}

    def called(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def module():
    return FakeModule()


@pytest.fixture
def test_mode():
    return False


@pytest.fixture
def configure_loader_modules(module, test_mode):
    return {traffic_state: {"__salt__": module.functions(), "__opts__": {"test": test_mode, "id": "ams01-r1"},
                            "__pillar__": {"trafficshift_active": ACTIVE}}}


@pytest.mark.parametrize("test_mode", [True])
def test_test_mode_shows_the_diff_and_changes_nothing(module, test_mode):
    ret = traffic_state.shift_policy("shift")
    assert ret == {"name": "shift", "result": None, "changes": {"diff": "+ TS-OUT"},
                   "comment": "shift policy would change (test mode)"}
    assert module.called() == ["traffic.diff"]
    assert module.calls[0][1] == ACTIVE  # the active plan from pillar, intents and drained sites


@pytest.mark.parametrize("test_mode", [True])
def test_test_mode_with_nothing_to_change_is_a_success(module, test_mode):
    module.change = ""
    assert traffic_state.shift_policy("shift")["result"] is True
    assert traffic_state.baseline("base") == {"name": "base", "result": True, "changes": {},
                                               "comment": "baseline already in place"}
    assert "traffic.apply" not in module.called()


def test_a_change_is_committed_checked_and_confirmed(module):
    ret = traffic_state.shift_policy("shift", intents=INTENTS, drained_sites=[], revert_in=300)
    assert ret == {"name": "shift", "result": True, "changes": {"diff": "+ TS-OUT"},
                   "comment": "shift policy committed and confirmed"}
    assert module.called() == ["traffic.apply", "traffic.pending", "traffic.confirm"]
    assert module.calls[0][1] == {"intents": INTENTS, "drained_sites": [], "revert_in": 300}


def test_nothing_to_change_commits_nothing(module):
    module.change = ""
    ret = traffic_state.shift_policy("shift")
    assert ret["result"] is True and ret["comment"] == "shift policy already in place" and ret["changes"] == {}
    assert module.called() == ["traffic.apply"]


def test_a_router_that_stops_answering_is_rolled_back_and_the_state_fails(module):
    module.fail["traffic.pending"] = "session closed"
    ret = traffic_state.shift_policy("shift")
    assert ret["result"] is False and ret["comment"] == "ams01-r1: traffic.pending failed: session closed"
    assert module.called() == ["traffic.apply", "traffic.pending", "traffic.rollback"]


def test_a_commit_no_longer_pending_is_not_rolled_back_over(module):
    module.pending_after_apply = False  # the router reverted by itself: a rollback now would undo the revert
    ret = traffic_state.shift_policy("shift")
    assert ret["result"] is False and "health-check failed: the commit is no longer pending" in ret["comment"]
    assert module.called() == ["traffic.apply", "traffic.pending"]


def test_a_failed_commit_is_the_states_failure(module):
    module.fail["traffic.apply"] = "commit refused"
    ret = traffic_state.shift_policy("shift")
    assert ret == {"name": "shift", "result": False, "changes": {},
                   "comment": "ams01-r1: traffic.apply failed: commit refused"}


def test_baseline_provisions_and_reports_its_diff(module):
    assert traffic_state.baseline("base") == {"name": "base", "result": True, "changes": {"diff": "+ TS-OUT"},
                                               "comment": "baseline committed and confirmed"}
    assert module.calls[-1] == ("traffic.provision", {"revert_in": 600})  # committed confirmed, like a shift
    module.fail["traffic.provision"] = "unreachable"
    assert traffic_state.baseline("base")["result"] is False
