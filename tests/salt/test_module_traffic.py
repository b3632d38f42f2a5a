"""The `traffic` execution module on the real NAPALM proxies, one router per vendor: render, diff, commit
confirmed then confirm (a separate job, on the proxy's same driver), rollback, read-back, provisioning, and
errors that name router and step. No return ever carries the device password or a secret hash."""
from __future__ import annotations

import json

import pytest

from salt_setup import NETWORK, neighbor_table
from trafficshift.render import render_shift
from trafficshift.validation import parse_network
from trafficshift.model.plan import intent_from_dict

#: one router per vendor, with one link each of them has
ROUTERS = {"junos": ("ams01-r1", "et-0/0/1"), "eos": ("ams01-r2", "Ethernet1")}


def shift(router: str, link: str) -> list[dict]:
    return [
        {"kind": "detour", "router": router, "link": link, "prefix": "198.51.100.0/24",
         "from_link": f"{router}:elsewhere", "local_pref": 200},
        {"kind": "prepend", "router": router, "link": link, "pool": "web", "count": 2},
        # another router's intent: must be ignored
        {"kind": "withdraw", "router": "fra01-r1", "link": "et-0/0/0", "pool": "web"},
    ]


def read_back(intents: list[dict], router: str) -> list[dict]:
    """What current() reports for `intents`: this router's, from_link unknown to the router."""
    mine = [({**i, "from_link": None} if i["kind"] == "detour" else i) for i in intents if i["router"] == router]
    return sorted(mine, key=lambda i: (i["link"], i["kind"]))


def run(salt_cli, router: str, function: str, *args):
    return salt_cli.run(function, *args, minion_tgt=router)


#: device seconds before an unconfirmed commit reverts: one wall minute at the lab's x60, so a loaded
#: machine's slow CLI calls between a commit job and its confirm job cannot outrun the timer
REVERT_IN = "revert_in=3600"


def ok(ret):
    assert ret.returncode == 0, ret
    return ret.data


@pytest.fixture(scope="module")
def device(salt_cli, lab):
    """The routers provisioned (baseline + the shift block they run); each test leaves its router that way."""
    for router, _ in ROUTERS.values():
        ok(run(salt_cli, router, "traffic.provision"))
    return lambda vendor: (*ROUTERS[vendor], lab.control(ROUTERS[vendor][0]))


@pytest.fixture
def password(lab):
    return lambda router: lab.inventory()[router]["password"]


def assert_no_secrets(ret, password: str) -> None:
    text = json.dumps(ret.data) + ret.stdout + ret.stderr
    assert password not in text
    assert "$6$" not in text  # the EOS user's secret hash, a context line of EOS diffs


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_render_is_this_routers_shift_block(vendor, salt_cli, device):
    router, link, _ = device(vendor)
    intents = shift(router, link)
    text = ok(run(salt_cli, router, "traffic.render", f"intents={json.dumps(intents)}"))
    network = parse_network(NETWORK)
    assert text == render_shift(network, router, [intent_from_dict(i) for i in intents])
    assert "198.51.100.0/24" in text and "64512 64512" in text


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_diff_shows_the_change_and_leaves_the_router_alone(vendor, salt_cli, device, password):
    router, link, control = device(vendor)
    before = control.config()
    ret = run(salt_cli, router, "traffic.diff", f"intents={json.dumps(shift(router, link))}")
    assert ok(ret)["router"] == router
    assert "198.51.100.0/24" in ret.data["diff"]
    assert control.config() == before
    assert ok(run(salt_cli, router, "traffic.pending")) == {"router": router, "pending": False}
    assert_no_secrets(ret, password(router))


def test_proxies_run_jobs_as_threads_sharing_one_driver(salt_cli):
    # what lets the confirm job below find the commit job's EOS session on the same driver object
    ret = salt_cli.run("config.get", "multiprocessing", minion_tgt="*")
    assert ret.data == {router: False for router in NETWORK["routers"]}


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_apply_then_confirm_in_a_later_job_and_read_back(vendor, salt_cli, device, password):
    router, link, control = device(vendor)
    intents = shift(router, link)
    applied = run(salt_cli, router, "traffic.apply", f"intents={json.dumps(intents)}", REVERT_IN)
    assert ok(applied)["changed"] is True and applied.data["pending"] is True
    assert "198.51.100.0/24" in applied.data["diff"]
    assert_no_secrets(applied, password(router))
    assert ok(run(salt_cli, router, "traffic.pending"))["pending"] is True
    # a separate job: the EOS driver must still hold the session name of the pending commit
    assert ok(run(salt_cli, router, "traffic.confirm")) == {"router": router, "confirmed": True}
    assert ok(run(salt_cli, router, "traffic.pending"))["pending"] is False
    assert "198.51.100.0/24" in control.config()

    current = ok(run(salt_cli, router, "traffic.current"))
    assert current["router"] == router and current["unknown_objects"] == []
    assert sorted(current["intents"], key=lambda i: (i["link"], i["kind"])) == read_back(intents, router)

    again = ok(run(salt_cli, router, "traffic.apply", f"intents={json.dumps(intents)}", REVERT_IN))
    assert again.pop("apply_s") > 0  # the proxy's own time for it (the metrics engine's apply duration)
    assert again == {"router": router, "changed": False, "diff": "", "pending": False}

    ok(run(salt_cli, router, "traffic.apply", "intents=[]", REVERT_IN))
    ok(run(salt_cli, router, "traffic.confirm"))
    assert ok(run(salt_cli, router, "traffic.current"))["intents"] == []


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_effect_reports_where_a_detoured_prefix_leaves_until_the_alternate_sends_it(vendor, salt_cli, device):
    router, link, control = device(vendor)
    intents = shift(router, link)
    neighbor = NETWORK["routers"][router]["links"][link]["neighbor"]
    peer_as, seeded = neighbor_table()[router][neighbor]
    ok(run(salt_cli, router, "traffic.apply", f"intents={json.dumps(intents)}", REVERT_IN))
    try:
        # nobody sends 198.51.100.0/24: the detour commits, and the check says traffic has nowhere to go
        (miss,) = ok(run(salt_cli, router, "traffic.effect", f"intents={json.dumps(intents)}"))["misses"]
        assert (miss["prefix"], miss["reason"], miss["expected"]) == ("198.51.100.0/24", "no-route", neighbor)
        assert miss["line"].startswith(f"{router}: 198.51.100.0/24 has no route of its own (expected via {neighbor}")
        control.receive(neighbor, peer_as, seeded + [{"prefix": "198.51.100.0/24", "as_path": [peer_as, 64511]}])
        moved = ok(run(salt_cli, router, "traffic.effect", f"intents={json.dumps(intents)}"))
        # the detour, and the prepend of pool web in what the same neighbor is sent
        assert (moved["router"], moved["checked"], moved["misses"]) == (
            router, ["198.51.100.0/24", f"203.0.113.0/24 to {neighbor}"], [])
    finally:
        control.receive(neighbor, peer_as, seeded)
        ok(run(salt_cli, router, "traffic.rollback"))


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_apply_then_rollback_restores_the_previous_config(vendor, salt_cli, device):
    router, link, control = device(vendor)
    before = control.config()
    ok(run(salt_cli, router, "traffic.apply", f"intents={json.dumps(shift(router, link))}", REVERT_IN))
    assert control.config() != before
    assert ok(run(salt_cli, router, "traffic.rollback")) == {"router": router, "rolled_back": True}
    assert control.config() == before
    assert ok(run(salt_cli, router, "traffic.pending"))["pending"] is False


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_provision_of_a_provisioned_router_changes_nothing(vendor, salt_cli, device, password):
    router, _, _ = device(vendor)
    tested = run(salt_cli, router, "traffic.provision", "test=True")
    assert ok(tested) == {"router": router, "changed": False, "diff": ""}
    assert_no_secrets(tested, password(router))


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_failed_commit_is_a_clear_error_naming_router_and_step(vendor, salt_cli, device, password):
    router, link, control = device(vendor)
    before = control.config()
    control.inject(fail_next_commit="simulated commit failure")
    try:
        ret = run(salt_cli, router, "traffic.apply", f"intents={json.dumps(shift(router, link))}")
    finally:
        control.clear()
    assert ret.returncode != 0
    assert f"{router}: commit failed:" in str(ret.data) and "simulated commit failure" in str(ret.data)
    assert control.config() == before
    assert_no_secrets(ret, password(router))


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_intent_the_router_cannot_carry_is_a_render_error(vendor, salt_cli, device):
    router, _, control = device(vendor)
    before = control.config()
    bad = [{"kind": "withdraw", "router": router, "link": "no-such-link", "pool": "web"}]
    ret = run(salt_cli, router, "traffic.apply", f"intents={json.dumps(bad)}")
    assert ret.returncode != 0
    assert f"{router}: render failed:" in str(ret.data) and "no-such-link" in str(ret.data)
    assert control.config() == before


def test_revert_in_must_be_whole_minutes(salt_cli, device):
    router, _, _ = device("junos")
    ret = run(salt_cli, router, "traffic.apply", "intents=[]", "revert_in=90")
    assert ret.returncode != 0 and "revert_in must be a positive multiple of 60" in str(ret.data)
