"""Device credentials never leak: after the whole job on a deployment logging at trace level (provision,
plan, apply on an overload, status/history/show, rollback, an apply that fails on a lab fault, report if
there is one), no file under the master's and proxies' root dirs (logs, job cache, master cache, history,
configs), no event of the master bus, no job return and no salt/salt-run output holds the device password,
plain, base64 (any alignment), URL-encoded or hex."""
from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest

from security_setup import PASSWORD, REPO, ROUTERS

RUNNER = REPO / "src" / "saltext" / "trafficshift" / "runners" / "traffic.py"
#: the whole job is ~15 salt/salt-run calls; on a loaded 2-core machine each takes several seconds
pytestmark = pytest.mark.timeout(900)


def encodings(secret: str) -> dict[str, bytes]:
    raw = secret.encode()
    forms = {"plain": raw, "url": urllib.parse.quote(secret, safe="").encode(),
             "url-plus": urllib.parse.quote_plus(secret).encode(), "hex": raw.hex().encode()}
    for offset in range(3):  # base64 of a longer text: the secret's bytes at any of the three alignments
        for name, encode in (("b64", base64.b64encode), ("b64url", base64.urlsafe_b64encode)):
            forms[f"{name}-{offset}"] = encode(b"\0" * offset + raw)[4:-4]
    return forms


FORMS = encodings(PASSWORD)


def leaks(data: bytes) -> list[str]:
    return [name for name, form in FORMS.items() if form in data]


def scan_files(roots: list[Path]) -> tuple[int, dict[str, list[str]]]:
    count, found = 0, {}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            count += 1
            hits = leaks(path.read_bytes())
            if hits:
                found[str(path)] = hits
    return count, found


class Outputs:
    """Every salt/salt-run call of the run, kept for the scan."""

    def __init__(self, salt, run) -> None:
        self.salt, self.run_cli, self.texts = salt, run, []

    def _keep(self, ret):
        self.texts.append(f"{ret.stdout}\n{ret.stderr}\n{json.dumps(ret.data, default=str)}")
        return ret

    def salt_call(self, *args, **kwargs):
        return self._keep(self.salt.run(*args, **kwargs))

    def run(self, *args):
        return self._keep(self.run_cli.run(*args))


@pytest.fixture(scope="module")
def full_run(sec_salt, sec_run, sec_master, sec_proxies, sec_lab, sec_feed_load, sec_events):
    out = Outputs(sec_salt, sec_run)
    steps = {}
    provisioned = out.salt_call("traffic.provision", minion_tgt="*")
    assert provisioned.returncode == 0 and sorted(provisioned.data) == ROUTERS, provisioned
    assert out.salt_call("grains.items", minion_tgt="*").returncode == 0
    assert out.salt_call("traffic.current", minion_tgt="*").returncode == 0
    sec_feed_load("normal")
    assert out.run("traffic.plan").returncode == 0
    sec_feed_load("egress-overload")
    applied = out.run("traffic.apply")
    assert applied.returncode == 0 and applied.data["status"] == "applied", applied
    steps["apply"] = applied.data["run"]
    for args in (("traffic.status",), ("traffic.history",), ("traffic.show", steps["apply"]),
                 ("traffic.replay", steps["apply"])):
        assert out.run(*args).returncode == 0, args
    rolled = out.run("traffic.rollback", steps["apply"])
    assert rolled.returncode == 0, rolled
    # a failed apply: the detour's router refuses its commit; the run rolls back and says so
    sec_lab.control("ams01-r2").inject(fail_next_commit="commit failed: simulated by the lab")
    failed = out.run("traffic.apply")
    assert failed.returncode != 0, failed
    sec_lab.control("ams01-r2").clear()
    if "def report(" in RUNNER.read_text():
        assert out.run("traffic.report").returncode == 0
    jobs = out.run("jobs.list_jobs")  # the job cache's files are scanned too; a few returns as an operator reads them
    for jid in sorted(jobs.data or {})[-3:]:
        out.run("jobs.lookup_jid", jid)
    sec_feed_load("normal")
    return out


def test_the_scanner_finds_every_encoding_of_the_password(tmp_path):
    text = b"x" + base64.b64encode(b"user=admin password=" + PASSWORD.encode()) + b"y"
    assert leaks(text) and leaks(urllib.parse.quote(f"p={PASSWORD}").encode()) and leaks(PASSWORD.encode().hex().encode())
    (tmp_path / "a").write_bytes(b"..." + PASSWORD.encode())
    files, found = scan_files([tmp_path])
    assert files == 1 and "plain" in found[str(tmp_path / "a")]


def test_no_file_of_master_or_proxies_holds_the_device_password(full_run, sec_master, sec_proxies):
    roots = [Path(sec_master.config["root_dir"])] + [Path(p.config["root_dir"]) for p in sec_proxies.values()]
    files, found = scan_files(roots)
    assert found == {}
    # the scan is not vacuous: trace logs, the job cache and the trafficshift history are among the files
    logs = [Path(sec_master.config["log_file"])] + [Path(p.config["log_file"]) for p in sec_proxies.values()]
    assert all(log.exists() and b"[TRACE" in log.read_bytes() for log in logs), logs
    jobs = Path(sec_master.config["cachedir"]) / "jobs"
    assert sum(1 for _ in jobs.rglob("return.p")) >= 5
    assert any((Path(sec_master.config["cachedir"]) / "trafficshift").rglob("*"))
    assert files > 50


def test_no_event_holds_the_device_password(full_run, sec_events):
    assert len(sec_events.events) > 20
    tags = {tag for tag, _ in sec_events.events}
    assert any(tag.startswith("trafficshift/apply/") for tag in tags) and any(tag.startswith("salt/job/") for tag in tags)
    found = [tag for tag, data in sec_events.events if leaks(json.dumps(data, default=repr).encode())]
    assert found == []


def test_no_job_return_or_cli_output_holds_the_device_password(full_run):
    assert len(full_run.texts) > 10
    assert [text[:200] for text in full_run.texts if leaks(text.encode())] == []
