"""Every bad-input case through the pure boundary, as the Salt path takes it: a load goes through the file
source (the traffic_load ext_pillar) then `parse_load` and, when well-formed but stale, the planner; a
network through `parse_network`; an operator command line through Salt's own argument parsing then the
checks in `trafficshift.validation.arguments`. The error names the case's path, is one problem, and shows no secret."""
from __future__ import annotations

import pytest
import salt.utils.args
import yaml

from corpus import CASES, LOAD, LOAD_CASES, NETWORK, NETWORK_CASES, OPERATOR_CASES, SECRET
from trafficshift import planner
from trafficshift.validation.arguments import check_element, check_interval, check_limit, check_reason, check_run_id
from trafficshift.errors import TrafficShiftError, ValidationError
from trafficshift.sources import FileSource
from trafficshift.fleet.store import MemoryCache, Store
from trafficshift.validation import parse_load, parse_network

NOW = float(LOAD["timestamp"])
TOPOLOGY = parse_network(NETWORK)


def load_error(case, tmp_path) -> str:
    """The message the operator sees for a load case; fails the test if the load is accepted."""
    path = tmp_path / "load.yaml"
    path.write_text(case.text if case.text is not None else yaml.safe_dump(case.load(NOW), sort_keys=False))
    try:
        data = FileSource(path).fetch()
        check = parse_load(data, TOPOLOGY, now=NOW)
    except TrafficShiftError as exc:
        assert not case.stale, f"{case.id}: expected a well-formed but stale load, got {exc}"
        if isinstance(exc, ValidationError):
            assert len(exc.problems) == 1, exc.problems
        return str(exc)
    assert case.stale, f"{case.id}: accepted"
    assert len(check.reasons) == 1, check.reasons
    plan = planner.plan(TOPOLOGY, check.load, None, (), NOW, stale_reasons=check.reasons)
    assert plan.status == "fail-static" and not plan.intents
    return "; ".join(action.reason for action in plan.actions if action.verb == "refuse")


def network_error(case) -> str:
    with pytest.raises(ValidationError) as raised:
        parse_network(case.network())
    assert len(raised.value.problems) == case.problems, raised.value.problems
    return str(raised.value)


def operator_error(case) -> str:
    """The operator's command line parsed the way salt-run parses it, then the runner's argument check."""
    function, *raw = case.args
    args, kwargs = salt.utils.args.parse_input(raw, condition=False)
    checks = {
        "traffic.drain": lambda element, name: check_element(function, element, name, TOPOLOGY),
        "traffic.undrain": lambda element, name: check_element(function, element, name, TOPOLOGY),
        "traffic.freeze": lambda reason="operator freeze": check_reason(function, reason),
        "traffic.rollback": lambda run_id: Store(MemoryCache()).run(check_run_id(function, run_id)),
        "traffic.show": lambda run_id: Store(MemoryCache()).run(check_run_id(function, run_id)),
        "traffic.replay": lambda run_id: Store(MemoryCache()).run(check_run_id(function, run_id)),
        "traffic.schedule": lambda interval: check_interval(function, interval),
        "traffic.history": lambda limit=20: check_limit(function, limit),
    }
    with pytest.raises(TrafficShiftError) as raised:
        checks[function](*args, **kwargs)
    if isinstance(raised.value, ValidationError):
        assert len(raised.value.problems) == 1, raised.value.problems
    return str(raised.value)


def test_the_corpus_has_at_least_50_cases_of_every_kind():
    assert len(CASES) >= 50
    assert len(LOAD_CASES) >= 20 and len(NETWORK_CASES) >= 20 and len(OPERATOR_CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_is_rejected_naming_its_path(case, tmp_path):
    if case.kind == "load":
        message = load_error(case, tmp_path)
    elif case.kind == "network":
        message = network_error(case)
    else:
        message = operator_error(case)
    assert case.path in message, message
    assert SECRET not in message
    assert "Traceback" not in message
    assert len(message) < 1000, message  # one clear message, not a dump of the input


def test_well_formed_operator_arguments_pass_the_same_checks():
    assert check_element("traffic.drain", "site", "ams01", TOPOLOGY) == ("site", "ams01")
    assert check_element("traffic.drain", "link", "fra01-r2:Ethernet1", TOPOLOGY) == ("link", "fra01-r2:Ethernet1")
    assert check_interval("traffic.schedule", 0) == 0 and check_interval("traffic.schedule", 30) == 30
    assert check_limit("traffic.history", 20) == 20
    assert check_reason("traffic.freeze", "incident 1234") == "incident 1234"
    assert check_run_id("traffic.show", "20261127T041500.123456-4242") == "20261127T041500.123456-4242"
