"""The `traffic` runner as Salt loads it (pytest-salt-factories' loader-module fixture): a thin adapter whose
refusals reach salt-run as failed jobs through the one `_done` path, the store on Salt's own localfs cache.
Its decisions are tests/unit/test_runs.py's; through a real master: tests/salt."""
from __future__ import annotations

import pytest
import salt.config

from saltext.trafficshift.runners import traffic as traffic_runner


@pytest.fixture
def context():
    return {}


@pytest.fixture
def configure_loader_modules(tmp_path, context):
    opts = salt.config.master_config(None)
    opts.update(cachedir=str(tmp_path / "cache"), cache="localfs", id="master", sock_dir=str(tmp_path / "sock"))
    return {traffic_runner: {"__opts__": opts, "__context__": context}}


@pytest.mark.parametrize("call, function", [
    (lambda: traffic_runner.history(limit=-1), "traffic.history:limit"),
    (lambda: traffic_runner.show("../../etc/passwd"), "traffic.show:run_id"),
    (lambda: traffic_runner.rollback("x y"), "traffic.rollback:run_id"),
    (lambda: traffic_runner.schedule("soon"), "traffic.schedule:interval"),
    (lambda: traffic_runner.freeze("x" * 10_000), "traffic.freeze:reason"),
])
def test_a_refused_argument_fails_the_job_with_one_line(call, function, context):
    ret = call()
    data = ret["data"] if "outputter" in ret else ret
    assert data["result"] is False and data["retcode"] == 1 and function in data["error"]
    assert "\n" not in data["error"] and context["retcode"] == 1


def test_settings_are_stored_and_a_success_leaves_the_job_successful(context):
    assert traffic_runner.schedule(30) == {"result": True, "rebalance_interval": 30}
    assert traffic_runner.history() == {"outputter": "traffic", "data": []}
    assert traffic_runner.lock_holder() == {}
    assert "retcode" not in context
