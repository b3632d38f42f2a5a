"""`salt-run traffic.report` through the real master and NAPALM proxies: the report of an apply run has the
routers' diffs and outcomes as the history recorded them; without an id it reports the current plan with the
diffs the routers give for it; an unknown or malformed id fails with retcode 1. The page itself is checked in
tests/test_report.py and, in a browser, tests/report/test_report_browser.py."""
from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from salt_setup import ROUTERS
from runner_fleet import configs, master_store

pytestmark = pytest.mark.usefixtures("clean_fleet")


class Rows(HTMLParser):
    """The routers table: {router: text of its row and of its diff's row}."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: dict[str, str] = {}
        self._router = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            attrs = dict(attrs)
            self._router = attrs.get("data-router") or attrs.get("data-diff-of")
            if self._router:
                self.rows.setdefault(self._router, "")

    def handle_data(self, data):
        if self._router:
            self.rows[self._router] += data


def test_report_of_an_apply_run_has_the_routers_diffs_and_outcomes(salt_run_cli, salt_master, lab, feed_load,
                                                                   tmp_path):
    feed_load("egress-overload")
    applied = salt_run_cli.run("traffic.apply")
    assert applied.returncode == 0 and applied.data["status"] == "applied", applied
    run_id = applied.data["run"]
    record = master_store(salt_master).run(run_id)
    assert record["outcomes"]["ams01-r2"]["outcome"] == "confirmed" and record["outcomes"]["ams01-r2"]["diff"]

    ret = salt_run_cli.run("traffic.report", run_id)
    assert ret.returncode == 0, ret
    expected = os.path.join(salt_master.config["cachedir"], "trafficshift", "reports", f"{run_id}.html")
    assert ret.data == {"result": True, "path": expected, "run": run_id}
    with open(expected, encoding="utf-8") as handle:
        page = handle.read()
    rows = Rows(page).rows
    assert sorted(rows) == ROUTERS
    for router in ROUTERS:
        assert record["outcomes"][router]["outcome"] in rows[router]
    # the confirmed router's diff as the router gave it (escaped in the HTML, the same text to the reader)
    assert str(escape(record["outcomes"]["ams01-r2"]["diff"])) in page
    assert "TS-" in rows["ams01-r2"]
    assert f"<td>{run_id}</td>" in page and "applied" in page
    assert 'id="chart-links"' in page and 'data-id="ams01-r1:et-0/0/0"' in page
    for action in record["plan"]["actions"]:
        assert str(escape(action["reason"])) in page

    # the same page wherever the operator asks for it
    elsewhere = salt_run_cli.run("traffic.report", run_id, f"path={tmp_path / 'shared' / 'run.html'}")
    assert elsewhere.returncode == 0 and elsewhere.data["path"] == str(tmp_path / "shared" / "run.html"), elsewhere
    assert (tmp_path / "shared" / "run.html").read_text(encoding="utf-8") == page


def test_report_without_an_id_shows_the_current_plan_and_changes_nothing(salt_run_cli, salt_master, lab,
                                                                         feed_load):
    feed_load("egress-overload")
    before = configs(lab)
    ret = salt_run_cli.run("traffic.report")
    assert ret.returncode == 0, ret
    assert ret.data["run"].startswith("plan-") and ret.data["path"].endswith(f"/{ret.data['run']}.html")
    with open(ret.data["path"], encoding="utf-8") as handle:
        page = handle.read()
    rows = Rows(page).rows
    assert sorted(rows) == ROUTERS
    assert "TS-" in rows["ams01-r2"] and all("no change" in rows[r] for r in ROUTERS if r != "ams01-r2")
    assert "Routers: diffs against the running config" in page and 'id="chart-sites"' in page
    assert configs(lab) == before
    assert master_store(salt_master).history() == []


def test_unknown_or_malformed_run_id_fails_with_retcode_1(salt_run_cli, salt_master):
    unknown = salt_run_cli.run("traffic.report", "20990101T000000.000000-1")
    assert unknown.returncode == 1, unknown
    assert "no run '20990101T000000.000000-1'" in unknown.data["error"]
    malformed = salt_run_cli.run("traffic.report", "../../etc/passwd")
    assert malformed.returncode == 1 and "traffic.report" in malformed.data["error"], malformed
    assert not os.path.exists(os.path.join(salt_master.config["cachedir"], "trafficshift", "reports",
                                           "20990101T000000.000000-1.html"))
