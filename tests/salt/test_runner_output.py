"""What an operator sees: `salt-run traffic.*` prints the plan table, router diffs, progress and outcomes
through the `traffic` outputter by default, and plain data with --out=json / --out=yaml."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.usefixtures("clean_fleet")


def salt_run(salt_master, *args: str) -> subprocess.CompletedProcess:
    """salt-run exactly as an operator types it (the fixture's CLI always adds --out=json)."""
    command = [str(Path(sys.executable).parent / "salt-run"), "-c", str(salt_master.config_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def test_plan_prints_the_table_and_diffs_by_default_and_data_with_out_yaml(salt_master, salt_run_cli, feed_load):
    feed_load("egress-overload")
    human = salt_run(salt_master, "traffic.plan")
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    assert lines[0].startswith("plan status: ok")
    assert any(line.startswith("link  ams01-r1:et-0/0/0") and "detour" in line for line in lines)
    assert "router diffs (read from the routers, then discarded):" in lines and "  --- ams01-r2" in lines

    data = yaml.safe_load(salt_run(salt_master, "traffic.plan", "--out=yaml").stdout)
    assert data["status"] == "ok" and data["routers"] == ["ams01-r2"] and "TS-" in data["diffs"]["ams01-r2"]
    assert salt_run_cli.run("traffic.plan").data["routers"] == ["ams01-r2"]


def test_apply_prints_progress_then_outcomes_and_a_refusal_is_one_error_line(salt_master, feed_load):
    feed_load("egress-overload")
    human = salt_run(salt_master, "traffic.apply")
    assert human.returncode == 0, human.stderr
    out = human.stdout
    assert out.index("stage 1/") < out.index("run ") < out.index("  ams01-r2  confirmed")
    assert "  --- ams01-r2 committed:" in out

    history = salt_run(salt_master, "traffic.history")
    assert history.stdout.splitlines()[0].split()[:4] == ["run", "kind", "trigger", "status"]
    refused = salt_run(salt_master, "traffic.rollback", "no-such-run")
    assert refused.returncode == 1
    assert refused.stdout.strip().startswith("ERROR: ") and len(refused.stdout.strip().splitlines()) == 1
