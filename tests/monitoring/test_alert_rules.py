"""The Prometheus alert rules (monitoring/alerts.yml): valid for Debian's promtool, each alert firing and not
firing in monitoring/alerts_test.yml as expected, and each with the labels and annotations an on-call needs
and a runbook section in docs/operations.md. No daemon: promtool is a plain binary (Debian package
`prometheus`, .ci/apt-packages)."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "monitoring" / "alerts.yml"
RULE_TESTS = ROOT / "monitoring" / "alerts_test.yml"
OPERATIONS = ROOT / "docs" / "operations.md"
PROMTOOL = "/usr/bin/promtool"
RUNBOOK_PREFIX = "docs/operations.md#"


def _promtool(*args: str) -> subprocess.CompletedProcess:
    if shutil.which(PROMTOOL) is None:
        pytest.fail(f"{PROMTOOL} is missing: install the Debian package `prometheus` (.ci/apt-packages)")
    return subprocess.run([PROMTOOL, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def _alert_rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def _github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _heading_anchors(markdown: str) -> set[str]:
    anchors, seen, fenced = set(), defaultdict(int), False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            anchor = _github_anchor(match.group(1))
            anchors.add(anchor if not seen[anchor] else f"{anchor}-{seen[anchor]}")
            seen[anchor] += 1
    return anchors


def test_github_anchor():
    assert _github_anchor("TrafficshiftLoopNotRunning") == "trafficshiftloopnotrunning"
    assert _github_anchor("What to graph: the metrics") == "what-to-graph-the-metrics"
    assert _heading_anchors("# A\n```\n# not a heading\n```\n## A\n") == {"a", "a-1"}


def test_promtool_check_rules():
    result = _promtool("check", "rules", str(RULES.relative_to(ROOT)))
    assert result.returncode == 0, f"promtool check rules failed:\n{result.stdout}\n{result.stderr}"


def test_promtool_test_rules():
    result = _promtool("test", "rules", str(RULE_TESTS.relative_to(ROOT)))
    assert result.returncode == 0, f"promtool test rules failed:\n{result.stdout}\n{result.stderr}"


def test_every_alert_is_complete_and_has_a_runbook_section():
    rules = _alert_rules()
    assert rules, f"no alert in {RULES}"
    anchors = _heading_anchors(OPERATIONS.read_text())
    for rule in rules:
        name = rule["alert"]
        assert "for" in rule, f"{name}: no `for:`"
        assert rule.get("labels", {}).get("severity") in {"page", "ticket"}, f"{name}: severity is not page|ticket"
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            assert annotations.get(key), f"{name}: no annotation {key}"
        url = annotations["runbook_url"]
        assert url.startswith(RUNBOOK_PREFIX), f"{name}: runbook_url {url!r} is not {RUNBOOK_PREFIX}<anchor>"
        anchor = url[len(RUNBOOK_PREFIX):]
        assert anchor in anchors, f"{name}: runbook anchor #{anchor} is no heading of {OPERATIONS.name}"


def test_every_alert_fires_and_stays_quiet_in_the_rule_tests():
    """Each alert has a case where it stays quiet, and each of its rules (one per severity) a case where it
    fires with its summary checked."""
    fires, quiet = defaultdict(set), set()
    for case in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for check in case.get("alert_rule_test", []):
            expected = check.get("exp_alerts") or []
            if not expected:
                quiet.add(check["alertname"])
            for alert in expected:
                if alert.get("exp_annotations", {}).get("summary"):
                    fires[check["alertname"]].add(alert.get("exp_labels", {}).get("severity"))
    for rule in _alert_rules():
        name, severity = rule["alert"], rule["labels"]["severity"]
        assert severity in fires[name], f"{name} ({severity}): no case in {RULE_TESTS.name} where it fires"
        assert name in quiet, f"{name}: no case in {RULE_TESTS.name} where it does not fire"


def test_rules_use_only_the_documented_metrics():
    """A misspelt metric would pass promtool's tests when the test series are misspelt the same way: every
    trafficshift_* name in the rules and their tests is one docs/operations.md lists (the engine's names)."""
    documented = set(re.findall(r"^\|\s*`(trafficshift_\w+)", OPERATIONS.read_text(), flags=re.M))
    assert documented, f"no metrics table in {OPERATIONS.name}"
    used = set(re.findall(r"\btrafficshift_\w+", RULES.read_text() + RULE_TESTS.read_text()))
    assert used <= documented, f"not in the metrics table of {OPERATIONS.name}: {sorted(used - documented)}"
