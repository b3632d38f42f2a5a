"""`make demo` keeps working: the whole main job on the embedded lab ends with every shift unwound."""
from pathlib import Path

from trafficshift import demo

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_the_main_job_end_to_end(capsys):
    assert demo.main(["--pillar-dir", str(REPO / "pillar")]) == 0
    out = capsys.readouterr().out
    assert out.count("baseline committed") == 12
    egress = out.split("=== load scenario: egress-overload")[1].split("=== load scenario: site-overload")[0]
    assert "add: detour" in egress and ": confirmed" in egress and "config equals intent" in egress
    site = out.split("=== load scenario: site-overload")[1].split("=== load back to normal")[0]
    assert "add: prepend" in site and "site  fra01" in site
    assert "all shifts unwound" in out
    assert out.rstrip().endswith("demo finished: lab stopped")
