"""trafficshift.present.report on records built from a real plan (the planner on the example pillar and load files):
the chart has every link and site with bars as wide as their utilization, device text and reasons are
escaped, the page is self-contained and the same record gives the same bytes. The page in a real browser:
tests/report/test_report_browser.py; through the master: tests/salt/test_runner_report.py."""
from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser

import pytest

from report.report_records import HOSTILE, NETWORK, run_record, real_plan
from trafficshift.present.report import PLOT_W, chart, plan_record, render_report, write_report


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text outside tags."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def bars(self, chart_id: str) -> dict[str, dict[str, float]]:
        """{before|after: {element id: width}} of the bars inside <svg id=chart_id>."""
        found: dict[str, dict[str, float]] = {"before": {}, "after": {}}
        inside = False
        for tag, attrs in self.tags:
            if tag == "svg":
                inside = attrs.get("id") == chart_id
            elif inside and tag == "rect":
                side = "before" if "bar-before" in attrs["class"].split() else "after"
                assert attrs["data-id"] not in found[side], f"two {side} bars for {attrs['data-id']}"
                found[side][attrs["data-id"]] = float(attrs["width"])
        return found


@pytest.fixture(scope="module")
def record():
    return run_record()


@pytest.fixture(scope="module")
def page(record):
    return render_report(record)


def test_chart_has_every_link_and_site_before_and_after_with_widths_on_one_scale(record, page):
    parsed = Elements(page)
    plan = record["plan"]
    assert len(plan["links"]) == 24 and len(plan["sites"]) == 6  # the example network, all of it
    for name in ("links", "sites"):
        bars = parsed.bars(f"chart-{name}")
        expected = {u["id"]: u for u in plan[name]}
        assert set(bars["before"]) == set(bars["after"]) == set(expected)
        for element, u in expected.items():
            # no element above 100% in this load: the scale is 0..100% over PLOT_W pixels
            assert bars["before"][element] == round(PLOT_W * u["before_bps"] / u["capacity_bps"], 2)
            assert bars["after"][element] == round(PLOT_W * u["after_bps"] / u["capacity_bps"], 2)
    overloaded = parsed.bars("chart-links")
    # 97% by its prefixes, 98.94% by its counter, which the planner goes by
    assert overloaded["before"]["ams01-r1:et-0/0/0"] == pytest.approx(0.9894 * PLOT_W, abs=0.01)  # 2 decimals
    assert overloaded["after"]["ams01-r1:et-0/0/0"] < overloaded["before"]["ams01-r1:et-0/0/0"]
    # the target line sits at the policy's target utilization
    target = NETWORK["policy"].get("target_utilization", 0.8)
    lines = [attrs for tag, attrs in parsed.tags if tag == "line" and attrs.get("class") == "target"]
    assert len(lines) == 2 and {float(line["x1"]) for line in lines} == {round(PLOT_W * target, 2)}
    assert f"target utilization</th><td>{target * 100:.1f}%" in page


def test_scale_grows_past_100_percent_and_the_target_comes_from_the_record():
    geometry = chart([{"id": "a:x", "capacity_bps": 100.0, "before_bps": 135.0, "after_bps": 70.0},
                      {"id": "b:y", "capacity_bps": 10.0, "before_bps": 5.0, "after_bps": 5.0}],
                     target=0.7, overload=0.9)
    assert geometry["x_max"] == 1.4
    assert [(r["id"], r["w_before"], r["w_after"], r["level"]) for r in geometry["rows"]] == [
        ("a:x", round(PLOT_W * 1.35 / 1.4, 2), round(PLOT_W * 0.7 / 1.4, 2), "cool"),
        ("b:y", round(PLOT_W * 0.5 / 1.4, 2), round(PLOT_W * 0.5 / 1.4, 2), "cool")]
    assert geometry["target_x"] == round(PLOT_W * 0.7 / 1.4, 2)

    record = run_record(hostile=False)
    record["inputs"]["network"]["policy"]["target_utilization"] = 0.65
    lines = [a for t, a in Elements(render_report(record)).tags if t == "line" and a.get("class") == "target"]
    assert {float(line["x1"]) for line in lines} == {round(PLOT_W * 0.65, 2)}


def test_a_failed_link_still_carrying_traffic_fills_the_chart_and_reads_failed():
    """Capacity 0 (a failed link, issue 20): its utilization is infinite while traffic is on it; the bar
    spans the whole scale (which other elements still set) and the label says so."""
    geometry = chart([{"id": "a:x", "capacity_bps": 0.0, "before_bps": 5e9, "after_bps": 0.0},
                      {"id": "b:y", "capacity_bps": 10.0, "before_bps": 11.0, "after_bps": 7.0},
                      {"id": "c:z", "capacity_bps": 0.0, "before_bps": 0.0, "after_bps": 1e6}],
                     target=0.8, overload=0.9)
    assert geometry["x_max"] == 1.1
    assert [(r["id"], r["w_before"], r["w_after"], r["level"]) for r in geometry["rows"]] == [
        ("a:x", float(PLOT_W), 0.0, "cool"),
        ("b:y", round(PLOT_W * 1.1 / 1.1, 2), round(PLOT_W * 0.7 / 1.1, 2), "cool"),
        ("c:z", 0.0, float(PLOT_W), "hot")]
    record = run_record(hostile=False)
    failed = dict(record["plan"]["links"][0], capacity_bps=0.0, before_bps=5e9, after_bps=0.0)
    record["plan"]["links"][0] = failed
    text = " ".join(Elements(render_report(record)).text)
    assert f"{failed['id']} before: failed (5.0 Gbit/s of 0.0 Gbit/s)" in text and "failed \u2192 0.0%" in text


def test_diffs_errors_and_reasons_are_escaped_and_the_page_loads_nothing(record, page):
    parsed = Elements(page)
    tags = {tag for tag, _ in parsed.tags}
    assert "script" not in tags and "img" not in tags and "b" not in tags
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    text = "".join(parsed.text)
    # the device's text comes back to the reader exactly as the device wrote it
    assert record["outcomes"]["ams01-r2"]["diff"] in text
    assert HOSTILE in text and "<b onmouseover=alert(2)>reason</b>" in text
    assert "&lt;script&gt;alert(&#34;diff&#34;)&lt;/script&gt;" in page and "&amp;amp;" in page
    # self-contained: nothing to fetch, no script at all, and the CSP forbids loading anything anyway
    assert not re.search(r"(?i)(https?|ftp|file):|//[a-z0-9]", page)
    assert not [attrs for _, attrs in parsed.tags if "src" in attrs or "srcset" in attrs or "action" in attrs]
    assert [attrs["href"] for _, attrs in parsed.tags if "href" in attrs] == ["data:,"]  # the empty favicon
    assert "default-src 'none'" in page


def test_header_actions_and_router_outcomes(record, page):
    text = " ".join(" ".join(Elements(page).text).split())
    for value in (record["id"], "apply", "operator", "rolled-back", "2026-09-21 14:13:50 UTC",
                  "2026-09-21 14:14:31 UTC", "19.8 Gbit/s", "health-check"):
        assert value in text, value
    for action in record["plan"]["actions"]:
        assert " ".join(action["reason"].split()) in text
    assert "detour 100.96.48.0/20 via ams01-r2:Ethernet1 (off ams01-r1:et-0/0/0, local-pref 200)" in text
    rows = [attrs["data-router"] for tag, attrs in Elements(page).tags if tag == "tr" and "data-router" in attrs]
    assert rows == sorted(NETWORK["routers"])
    assert page.count("<details>") == 2  # one per router with a diff


def test_same_record_same_bytes_whatever_the_key_order_and_no_secret_from_the_inputs(record, page):
    shuffled = json.loads(json.dumps(record, sort_keys=True))
    shuffled["outcomes"] = dict(reversed(list(shuffled["outcomes"].items())))
    shuffled["plan"]["links"] = list(reversed(shuffled["plan"]["links"]))
    assert render_report(shuffled) == page == render_report(copy.deepcopy(record))
    # the page shows named fields only: nothing else from the inputs snapshot is dumped
    marked = copy.deepcopy(record)
    marked["inputs"]["network"]["routers"]["ams01-r1"]["password"] = "hunter2-not-shown"
    marked["inputs"]["load"]["token"] = "hunter2-not-shown"
    assert "hunter2" not in render_report(marked)


def test_plan_report_shows_each_routers_diff_and_the_routers_that_could_not_answer():
    plan, inputs = real_plan()
    record = plan_record(plan, diffs={"ams01-r2": "+ set local-preference 200\n", "ams01-r1": ""},
                         errors={"fra01-r1": "Minion did not return. [Not connected] <b>"}, inputs=inputs,
                         drained_sites=["par01"])
    assert record["id"] == "plan-20260921T141320" and record["kind"] == "plan" and "outcomes" not in record
    page = render_report(record)
    parsed = Elements(page)
    text = " ".join(" ".join(parsed.text).split())
    assert "Routers: diffs against the running config" in text and "+ set local-preference 200" in text
    assert "Minion did not return. [Not connected] <b>" in text and "b" not in {t for t, _ in parsed.tags}
    assert "drained sites par01" in text
    rows = [a["data-router"] for t, a in parsed.tags if t == "tr" and "data-router" in a]
    assert rows == ["ams01-r1", "ams01-r2", "fra01-r1"]
    assert set(parsed.bars("chart-links")["after"]) == {u["id"] for u in plan["links"]}


def test_a_run_without_utilization_renders_and_says_so(tmp_path):
    # a rollback to "no plan before" records a bare plan: no links or sites to chart
    record = {"id": "20260101T000000.000000-1", "kind": "rollback", "trigger": "operator", "status": "no-change",
              "started": 1.0, "finished": 2.0, "plan": {"version": 1, "status": "ok", "intents": [], "created": 1.0},
              "outcomes": {"ams01-r1": {"outcome": "unchanged"}}, "reverts": "20251231T000000.000000-1"}
    path = write_report(record, tmp_path / "deep" / "dir" / "r.html")
    page = (tmp_path / "deep" / "dir" / "r.html").read_text()
    assert path.endswith("r.html") and page == render_report(record)
    assert "No links utilization recorded" in page and "No sites utilization recorded" in page
    assert "reverts" in page and "<svg" not in page
    assert [p.name for p in (tmp_path / "deep" / "dir").iterdir()] == ["r.html"]  # no temporary left


def test_each_router_says_whether_the_router_showed_its_detours_moving(record):
    checked = copy.deepcopy(record)
    checked["outcomes"]["ams01-r2"]["verified"] = 3
    line = "ams01-r1: 100.96.16.0/20 leaves via 100.64.0.3 (et-0/0/1, bigisp-ams), not via 100.64.0.1 on et-0/0/0"
    checked["outcomes"]["ams01-r1"]["misses"] = [{"prefix": "100.96.16.0/20", "reason": "other-neighbor", "line": line}]
    page = render_report(checked)
    cells = {}
    for row in re.findall(r'<tr class="router" data-router="([^"]+)">(.*?)</tr>', page, re.S):
        cells[row[0]] = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'<td class="effect">(.*?)</td>', row[1],
                                                                      re.S).group(1)).split())
    assert cells["ams01-r2"] == "3 check(s) as planned"
    assert cells["ams01-r1"] == f"1 not as planned {line}"
    assert cells["fra01-r1"] == "not checked"
    assert "<th>verified on the router</th>" in page and "misses:" not in page and "verified:" not in page
    # a plan has not been applied: no such column
    assert "verified on the router" not in render_report({**checked, "kind": "plan"})
