"""`make demo` keeps working: the whole main job through a real salt-master and NAPALM proxies on the
embedded lab ends with every shift unwound, and leaves nothing running or behind (so it runs again)."""
import glob
import re
import signal
import sys
import time
import shutil
import subprocess
import tempfile
from pathlib import Path

import psutil
import pytest

from trafficshift_lab import demo

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_tmp(monkeypatch):
    """The demo's TMPDIR in this test: its work directory is made there, so the leftovers looked for are this
    test's demo's only, whatever else runs on the machine. Short, not tmp_path: the Salt daemons' unix sockets
    live under it, and a socket path may not exceed 107 bytes."""
    path = Path(tempfile.mkdtemp(prefix="tsdemo-"))
    monkeypatch.setenv("TMPDIR", str(path))  # a demo run as a subprocess
    monkeypatch.setattr(tempfile, "tempdir", str(path))  # demo.main run in this process
    yield path
    shutil.rmtree(path, ignore_errors=True)


def demo_leftovers(tmpdir: Path) -> list[str]:
    """Work directories of a demo run with TMPDIR `tmpdir`, and processes running from one (the Salt daemons
    are started with their config directory in it)."""
    marker = str(tmpdir / "trafficshift-demo-")
    dirs = glob.glob(marker + "*")
    processes = [f"{p.info['pid']}: {' '.join(p.info['cmdline'])}" for p in psutil.process_iter(["pid", "cmdline"])
                 if marker in " ".join(p.info["cmdline"] or [])]
    return dirs + processes


def test_demo_runs_the_main_job_through_salt_end_to_end(capsys, demo_tmp):
    assert not demo_leftovers(demo_tmp)
    shutil.rmtree(REPO / "build" / "demo", ignore_errors=True)
    assert demo.main(["--pillar-dir", str(REPO / "pillar")]) == 0
    out = capsys.readouterr().out
    assert "every proxy answers test.ping" in out
    assert out.count("states ok") == 12, "every router provisioned by highstate"
    egress = out.split("=== load scenario: egress-overload")[1].split("=== load scenario: site-overload")[0]
    assert "$ salt-run traffic.plan" in egress and "$ salt-run traffic.apply" in egress
    assert "add: detour" in egress and "router diffs (read from the routers" in egress
    assert "confirmed" in egress and "run " in egress and "read back from the lab" in egress
    # each detour's route on its router, before and after: the alternate with the detour's local preference
    routes = egress.split("routes on the routers, before -> after")[1]
    assert re.search(r"\n\s+-> via \S+ local-pref 200 AS path [\d ]+\n", routes), routes
    site = out.split("=== load scenario: site-overload")[1].split("=== load back to normal")[0]
    assert "add: prepend" in site and "site  fra01" in site
    assert "all shifts unwound" in out
    for scenario in ("egress-overload", "site-overload"):
        report = (REPO / "build" / "demo" / f"{scenario}.html").read_text()
        assert "<svg" in report and "confirmed" in report
    for scenario in ("egress-overload", "site-overload"):  # detours, then prepends: each shown on its router
        assert "check(s) as planned" in (REPO / "build" / "demo" / f"{scenario}.html").read_text()
    # the metrics engine saw the demo's applies and says where it serves them
    assert re.search(r"metrics: trafficshift's own at http://127\.0\.0\.1:\d+/metrics", out)
    assert re.search(r'\n  trafficshift_runs_total\{kind="apply",status="applied"\} [1-9]', out), out[-2000:]
    assert out.rstrip().endswith("salt and lab stopped")
    assert not demo_leftovers(demo_tmp), "the demo stops every daemon and removes its work directory"


def test_demo_interrupted_while_salt_starts_stops_everything_and_exits_130(demo_tmp):
    # started with SIGINT ignored, as a background job of a shell starts it: Ctrl-C must stop it all the same
    process = subprocess.Popen([sys.executable, "-m", "trafficshift_lab.demo"], cwd=REPO, stdout=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("salt: starting"):
            break
    time.sleep(5)  # the master and some proxies are up, none answering yet
    assert demo_leftovers(demo_tmp), "the demo's daemons are running"
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 130, "".join(lines) + out
    assert "interrupted: salt and lab stopped" in out
    assert not demo_leftovers(demo_tmp)


def test_demo_with_a_broken_pillar_fails_with_the_path_and_starts_nothing(tmp_path, demo_tmp):
    shutil.copytree(REPO / "pillar", tmp_path / "pillar")
    network = tmp_path / "pillar" / "traffic" / "network.sls"
    network.write_text(network.read_text().replace("target_utilization: 0.8", "target_utilization: 1.8"))
    result = subprocess.run([sys.executable, "-m", "trafficshift_lab.demo",
                             "--pillar-dir", str(tmp_path / "pillar")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "demo FAILED" in result.stdout and "traffic:policy:target_utilization" in result.stdout
    assert not demo_leftovers(demo_tmp)
