"""trafficshift's own metrics: the master's traffic_metrics engine, scraped every second by a real Prometheus
while the runner applies a plan through the real proxies (docs/operations.md)."""
from __future__ import annotations

import pytest

from prometheus_server import query, running_prometheus
from waiting import wait_for

pytestmark = pytest.mark.usefixtures("clean_fleet")

HOT = "ams01-r1:et-0/0/0"


@pytest.fixture(scope="module")
def prometheus(salt_master, metrics_port, tmp_path_factory):
    job = {"job_name": "trafficshift", "static_configs": [{"targets": [f"127.0.0.1:{metrics_port}"]}]}
    with running_prometheus(tmp_path_factory.mktemp("prometheus"), [job],
                            lambda url: query(url, 'up{job="trafficshift"}')[0]["value"][1] == "1") as url:
        yield url


def value(url: str, expression: str) -> float | None:
    result = query(url, expression)
    return float(result[0]["value"][1]) if result else None


def test_an_apply_shows_in_the_scraped_metrics(prometheus, salt_run_cli, feed_load):
    applied = 'trafficshift_runs_total{kind="apply", status="applied"}'
    runs_before = value(prometheus, applied) or 0.0
    feed_load("egress-overload")

    ret = salt_run_cli.run("traffic.apply")
    assert ret.returncode == 0 and ret.data["status"] == "applied", ret

    wait_for(lambda: (value(prometheus, applied) or 0.0) == runs_before + 1, timeout=30,
             what="the apply counted in trafficshift_runs_total")
    planned = value(prometheus, f'trafficshift_utilization_ratio{{element="{HOT}", stage="planned"}}')
    before = value(prometheus, f'trafficshift_utilization_ratio{{element="{HOT}", stage="before"}}')
    assert before > 0.9 and planned <= 0.8  # the hot link as measured, and relieved by the plan
    assert value(prometheus, 'trafficshift_plan_status{status="ok"}') == 1.0
    wait_for(lambda: value(prometheus, 'trafficshift_active_intents{kind="detour"}') == len(ret.data["plan"]["intents"]),
             timeout=30, what="the applied detours in trafficshift_active_intents")
    # the changed router's own time for its apply and its verify (read-back and effect check), as timed on its proxy
    for step in ("apply", "verify"):
        seconds = value(prometheus, f'trafficshift_router_step_seconds{{router="ams01-r2", step="{step}"}}')
        assert seconds is not None and 0 < seconds < 60, step
    assert value(prometheus, "trafficshift_frozen") == 0.0
    assert value(prometheus, "trafficshift_lock_held_seconds") == 0.0  # the run is over: lock free
