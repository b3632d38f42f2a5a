"""`make demo` keeps working: the whole main job through a real salt-master and NAPALM proxies on the
embedded lab ends with every shift unwound, and leaves nothing running or behind (so it runs again)."""
import glob
import shutil
import subprocess
import tempfile
from pathlib import Path

from trafficshift import demo

REPO = Path(__file__).resolve().parents[1]


def demo_leftovers() -> list[str]:
    dirs = glob.glob(str(Path(tempfile.gettempdir()) / "trafficshift-demo-*"))
    processes = subprocess.run(["pgrep", "-f", "trafficshift-demo-"], capture_output=True, text=True).stdout.split()
    return dirs + processes


def test_demo_runs_the_main_job_through_salt_end_to_end(capsys):
    assert not demo_leftovers()
    shutil.rmtree(REPO / "build" / "demo", ignore_errors=True)
    assert demo.main(["--pillar-dir", str(REPO / "pillar")]) == 0
    out = capsys.readouterr().out
    assert "every proxy answers test.ping" in out
    assert out.count("states ok") == 12, "every router provisioned by highstate"
    egress = out.split("=== load scenario: egress-overload")[1].split("=== load scenario: site-overload")[0]
    assert "$ salt-run traffic.plan" in egress and "$ salt-run traffic.apply" in egress
    assert "add: detour" in egress and "router diffs (read from the routers" in egress
    assert "confirmed" in egress and "run " in egress and "read back from the lab" in egress
    site = out.split("=== load scenario: site-overload")[1].split("=== load back to normal")[0]
    assert "add: prepend" in site and "site  fra01" in site
    assert "all shifts unwound" in out
    for scenario in ("egress-overload", "site-overload"):
        report = (REPO / "build" / "demo" / f"{scenario}.html").read_text()
        assert "<svg" in report and "confirmed" in report
    assert out.rstrip().endswith("salt and lab stopped")
    assert not demo_leftovers(), "the demo stops every daemon and removes its work directory"
