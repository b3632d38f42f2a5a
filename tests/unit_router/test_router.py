"""trafficshift.device.router, what each Salt proxy runs, through real NAPALM drivers on lab routers: provisioning
keeps the shift the router runs, apply commits only a real change, errors name router and step, and no
diff carries a secret."""
from __future__ import annotations

import copy
from pathlib import Path

import napalm
import pytest
import yaml

from routerlab import DeviceSpec, Lab, napalm_optional_args
from trafficshift.device import router as ops
from trafficshift.device.deploy import DeployError
from trafficshift.validation import parse_network

PILLAR = yaml.safe_load((Path(__file__).resolve().parents[1] / "salt" / "pillar" / "traffic" / "network.sls")
                        .read_text())
NETWORK = parse_network(PILLAR["traffic"])
ROUTERS = {"junos": ("ams01-r1", "et-0/0/1"), "eos": ("ams01-r2", "Ethernet1")}


@pytest.fixture(scope="module")
def lab():
    with Lab([DeviceSpec(name, vendor) for vendor, (name, _) in sorted(ROUTERS.items())], time_scale=60) as lab:
        yield lab


@pytest.fixture(scope="module")
def drivers(lab):
    opened = {}
    for vendor, (name, _) in ROUTERS.items():
        entry = lab.inventory()[name]
        driver = napalm.get_network_driver(vendor)(entry["host"], entry["username"], entry["password"],
                                                   optional_args=napalm_optional_args(entry))
        driver.open()
        opened[vendor] = driver
    yield opened
    for driver in opened.values():
        driver.close()


def withdraw(router, link):
    return [{"kind": "withdraw", "router": router, "link": link, "pool": "web"}]


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_provisioning_keeps_the_active_shift_and_is_then_a_no_op(vendor, drivers, lab):
    (router, link), driver = ROUTERS[vendor], drivers[vendor]
    first = ops.provision(driver, NETWORK, router)
    assert first["changed"] is True and "$6$" not in first["diff"]
    applied = ops.apply(driver, NETWORK, router, withdraw(router, link), revert_in=3600)
    assert applied["changed"] and applied["pending"]
    ops.confirm(driver, router)
    assert ops.provision(driver, NETWORK, router, test=True) == {"router": router, "changed": False, "diff": ""}
    assert ops.current(driver, NETWORK, router)["intents"] == withdraw(router, link)
    again = ops.apply(driver, NETWORK, router, withdraw(router, link))
    assert again.pop("apply_s") > 0
    assert again == {"router": router, "changed": False, "diff": "", "pending": False}
    ops.apply(driver, NETWORK, router, [], revert_in=3600)
    ops.confirm(driver, router)
    assert ops.current(driver, NETWORK, router)["intents"] == []


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_provisioning_commits_confirmed_and_confirms_after_reading_back(vendor, drivers, lab):
    (router, link), driver = ROUTERS[vendor], drivers[vendor]
    ops.apply(driver, NETWORK, router, withdraw(router, link), revert_in=3600)
    ops.confirm(driver, router)
    changed_pillar = parse_network({**PILLAR["traffic"], "baseline": {**PILLAR["traffic"]["baseline"],
                                                                      "domain_name": "provisioned.example.net"}})
    before = len(lab.control(router).commits())
    assert ops.provision(driver, changed_pillar, router, revert_in=3600)["changed"] is True
    kinds = [c.get("kind") for c in lab.control(router).commits()[before:]]
    # a confirmed commit, then its confirmation: the router would have reverted the baseline by itself
    # had the read-back (the withdrawal still in place) not come back
    assert kinds[-1] == "confirm" and len(kinds) == 2, kinds
    assert ops.pending(driver, router) == {"router": router, "pending": False}
    assert ops.current(driver, changed_pillar, router)["intents"] == withdraw(router, link)
    ops.provision(driver, NETWORK, router, revert_in=3600)
    ops.apply(driver, NETWORK, router, [], revert_in=3600)
    ops.confirm(driver, router)


class PersonCommitsDuringCompare:
    """The real EOS driver, except that while our change is staged (at its diff) a person commits a change
    of their own through another session: the race a config session would lose without the check."""

    def __init__(self, driver, person) -> None:
        self._driver, self._person = driver, person

    def compare_config(self):
        # `configure terminal` takes effect line by line: a commit of its own
        self._person.device.run_commands(["configure terminal", "hostname changed-by-a-person", "end"])
        return self._driver.compare_config()

    def __getattr__(self, name):
        return getattr(self._driver, name)


def test_eos_refuses_to_commit_over_a_change_someone_committed_while_ours_was_staged(lab):
    router, link = ROUTERS["eos"]
    opened = open_eos(lab)
    try:
        ours, person = opened
        with pytest.raises(DeployError, match="running config changed while the change was staged") as failed:
            ops.apply(PersonCommitsDuringCompare(ours, person), NETWORK, router, withdraw(router, link),
                      revert_in=3600)
        assert failed.value.step == "commit"
        running = lab.control(router).config()
        assert "hostname changed-by-a-person" in running  # theirs stays
        assert ops.current(ours, NETWORK, router)["intents"] == []  # ours was not committed
        assert ops.pending(ours, router)["pending"] is False
    finally:
        for driver in opened:
            driver.close()


def test_junos_keeps_the_lock_through_the_confirm_window_so_no_one_elses_edit_is_confirmed_with_ours(lab):
    router, link = ROUTERS["junos"]
    entry = lab.inventory()[router]
    ours = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                              optional_args=napalm_optional_args(entry))
    person = napalm.get_network_driver("junos")(entry["host"], entry["username"], entry["password"],
                                                optional_args={**napalm_optional_args(entry), "lock_disable": True})
    ours.open()
    person.open()
    try:
        ops.provision(ours, NETWORK, router, revert_in=3600)
        assert ops.apply(ours, NETWORK, router, withdraw(router, link), revert_in=3600)["pending"]
        # a person edits the candidate while our commit waits for its confirm: refused, the lock is ours
        with pytest.raises(Exception, match="locked"):
            person.load_merge_candidate(config="set system host-name edited-in-our-window")
        ops.confirm(ours, router)
        running = lab.control(router).config()
        assert "edited-in-our-window" not in running
        assert ops.current(ours, NETWORK, router)["intents"] == withdraw(router, link)
        # confirmed: the lock is released and the person can edit again
        person.load_merge_candidate(config="set system host-name edited-after-our-confirm")
        person.discard_config()
        ops.apply(ours, NETWORK, router, [], revert_in=3600)
        ops.confirm(ours, router)
    finally:
        person.close()
        ours.close()


def _with_pools(pools: dict) -> object:
    data = {**PILLAR["traffic"], "pools": pools}
    return parse_network(data)


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_provisioning_removes_the_pool_objects_the_pillar_no_longer_has(vendor, drivers):
    (router, link), driver = ROUTERS[vendor], drivers[vendor]
    sites = ["ams01", "fra01"]
    wide = _with_pools({"web": {"prefixes": ["203.0.113.0/24", "198.51.100.0/25"], "priority": 10, "sites": sites},
                        "cdn": {"prefixes": ["198.51.100.128/25"], "priority": 20, "sites": sites}})
    ops.provision(driver, wide, router)
    withdraw_cdn = [{"kind": "withdraw", "router": router, "link": link, "pool": "cdn"}]
    ops.apply(driver, wide, router, withdraw_cdn, revert_in=3600)
    ops.confirm(driver, router)
    before = ops.deploy.running_config(driver, router)
    assert "198.51.100.0/25" in before and "POOL-cdn" in before

    # the pillar drops a prefix of web and the whole cdn pool: both leave the router, with the withdrawal
    # of cdn; web's remaining prefix and everything else stay
    narrow = _with_pools({"web": {"prefixes": ["203.0.113.0/24"], "priority": 10, "sites": sites}})
    changed = ops.provision(driver, narrow, router)
    assert changed["changed"] is True
    after = ops.deploy.running_config(driver, router)
    assert "198.51.100.0/25" not in after and "198.51.100.128/25" not in after and "POOL-cdn" not in after
    assert "203.0.113.0/24" in after and "POOL-web" in after
    if vendor == "eos":
        assert "network 203.0.113.0/24" in after
    assert ops.current(driver, narrow, router)["intents"] == []
    assert ops.provision(driver, narrow, router, test=True) == {"router": router, "changed": False, "diff": ""}
    assert ops.provision(driver, NETWORK, router, test=True)["changed"] is False  # the test pillar's own pools


def test_errors_name_router_and_step(drivers):
    router, _ = ROUTERS["junos"]
    with pytest.raises(DeployError, match=f"^{router}: render failed: .*no-such-link"):
        ops.render(NETWORK, router, withdraw(router, "no-such-link"))
    with pytest.raises(DeployError, match=f"(?s)^{router}: render failed: .*not an intent dict"):
        ops.render(NETWORK, router, [{"kind": "withdraw"}])
    with pytest.raises(DeployError, match="^nowhere-r9: pillar failed: not a router"):
        ops.render(NETWORK, "nowhere-r9")
    with pytest.raises(DeployError, match=f"(?s)^{router}: pillar failed: .*traffic: missing"):
        ops.network_from_pillar(router, {})
    with pytest.raises(DeployError, match="revert_in must be a positive multiple of 60"):
        ops.apply(drivers["junos"], NETWORK, router, [], revert_in=90)


def test_scrub_hides_secret_values_in_diffs():
    diff = ("+username admin privilege 15 role network-admin secret sha512 $6$salt$hash\n"
            '+    encrypted-password "$6$abc";\n ntp server 192.0.2.123')
    assert ops.scrub(diff) == ("+username admin privilege 15 role network-admin secret sha512 <removed>\n"
                               "+    encrypted-password <removed>\n ntp server 192.0.2.123")


def open_eos(lab, count: int = 2) -> list:
    """`count` open NAPALM sessions to the EOS router: ours and a person's."""
    router, _ = ROUTERS["eos"]
    entry = lab.inventory()[router]
    opened = [napalm.get_network_driver("eos")(entry["host"], entry["username"], entry["password"],
                                               optional_args=napalm_optional_args(entry)) for _ in range(count)]
    for driver in opened:
        driver.open()
    return opened


def prepend(router, link):
    return [{"kind": "prepend", "router": router, "link": link, "pool": "web", "count": 2}]


def saved(driver) -> str:
    return driver.get_config(retrieve="startup")["startup"]


def running(driver) -> str:
    return driver.get_config(retrieve="running")["running"]


def test_eos_rollback_keeps_a_commit_someone_made_during_the_confirm_window(lab):
    router, link = ROUTERS["eos"]
    ours, person = open_eos(lab)
    try:
        ops.provision(ours, NETWORK, router, revert_in=3600)
        ops.apply(ours, NETWORK, router, withdraw(router, link), revert_in=3600)
        ops.confirm(ours, router)
        startup = saved(ours)
        assert ops.apply(ours, NETWORK, router, prepend(router, link), revert_in=3600)["pending"]
        # a person commits a change of their own while ours waits for its confirm (EOS has no lock for this)
        person.device.run_commands(["configure terminal", "ntp server 192.0.2.201", "end"])
        kinds = len(lab.control(router).commits())

        ops.rollback(ours, router)
        after = running(ours)
        assert "ntp server 192.0.2.201" in after  # theirs is kept: an abort would have reverted it
        assert ops.current(ours, NETWORK, router)["intents"] == withdraw(router, link)  # ours is undone exactly
        assert ops.pending(ours, router)["pending"] is False
        # ours was confirmed and the block before it committed over it; nothing was saved
        assert [c["kind"] for c in lab.control(router).commits()[kinds:]] == ["confirm", "commit"]
        assert saved(ours) == startup
    finally:
        person.device.run_commands(["configure terminal", "no ntp server 192.0.2.201", "end"])
        ops.apply(ours, NETWORK, router, [], revert_in=3600)
        ops.confirm(ours, router)
        ours.close()
        person.close()


def test_eos_rollback_with_no_one_elses_commit_aborts_to_exactly_the_config_before(lab):
    router, link = ROUTERS["eos"]
    ours, = open_eos(lab, 1)
    try:
        ops.provision(ours, NETWORK, router, revert_in=3600)
        before, startup = running(ours), saved(ours)
        assert ops.apply(ours, NETWORK, router, withdraw(router, link), revert_in=3600)["pending"]
        kinds = len(lab.control(router).commits())
        ops.rollback(ours, router)
        assert [c["kind"] for c in lab.control(router).commits()[kinds:]] == ["rollback"]
        assert running(ours) == before and saved(ours) == startup
    finally:
        ours.close()


def test_eos_confirm_saves_the_startup_config_only_when_it_was_in_sync_before(lab):
    router, link = ROUTERS["eos"]
    ours, person = open_eos(lab)
    try:
        ops.provision(ours, NETWORK, router, revert_in=3600)  # confirmed and saved: in sync
        assert ops.apply(ours, NETWORK, router, withdraw(router, link), revert_in=3600)["pending"]
        ops.confirm(ours, router)
        assert _body(saved(ours)) == _body(running(ours))  # in sync before: ours is saved

        # a person's change, not saved: confirming ours must not save theirs with it (nor ours, then)
        person.device.run_commands(["configure terminal", "ntp server 192.0.2.202", "end"])
        startup = saved(ours)
        assert ops.apply(ours, NETWORK, router, [], revert_in=3600)["pending"]
        ops.confirm(ours, router)
        assert saved(ours) == startup and "192.0.2.202" not in startup
        assert ops.current(ours, NETWORK, router)["intents"] == []
    finally:
        person.device.run_commands(["configure terminal", "no ntp server 192.0.2.202", "end", "write memory"])
        ours.close()
        person.close()


def _body(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("!")]


#: a link each router gets and then loses in the pillar: (interface, link, how the operator deconfigures its session)
DEPARTING = {
    "junos": ("et-0/0/2", {"peer": "departing", "neighbor": "100.64.0.5", "local_address": "100.64.0.4/31",
                           "peer_as": 65010, "kind": "private", "capacity_bps": 100000000000, "group": "pni"},
              "delete protocols bgp group pni neighbor 100.64.0.5"),
    "eos": ("Ethernet2", {"peer": "departing", "neighbor": "100.64.1.3", "local_address": "100.64.1.2/31",
                          "peer_as": 65010, "kind": "private", "capacity_bps": 100000000000, "group": "pni"},
            "router bgp 64512\n   no neighbor 100.64.1.3"),
}


@pytest.mark.parametrize("vendor", sorted(ROUTERS))
def test_a_link_removed_from_the_pillar_keeps_no_shift_and_its_objects_leave_with_its_session(vendor, drivers):
    (router, link), driver = ROUTERS[vendor], drivers[vendor]
    interface, departing, deconfigure = DEPARTING[vendor]
    data = copy.deepcopy(PILLAR["traffic"])
    data["routers"][router]["links"][interface] = departing
    wide = parse_network(data)
    suffix = interface.replace("/", "-")
    ops.provision(driver, wide, router, revert_in=3600)
    shifts = [{"kind": "withdraw", "router": router, "link": interface, "pool": "web"},
              {"kind": "detour", "router": router, "link": interface, "prefix": "198.51.100.0/24",
               "from_link": f"{router}:{link}", "local_pref": 200}]
    ops.apply(driver, wide, router, shifts, revert_in=3600)
    ops.confirm(driver, router)
    assert ops.current(driver, wide, router)["intents"] == [{**shifts[1], "from_link": None}, shifts[0]]
    assert ops.current(driver, wide, router)["unknown_objects"] == []
    # read with the pillar that no longer has the link, its objects are ours but not the pillar's: drift
    assert ops.current(driver, NETWORK, router)["unknown_objects"] == (
        [f"TS-DETOUR-{suffix}", f"TS-IN-{suffix}", f"TS-OUT-{suffix}"] if vendor == "eos"
        else [f"TS-IN-{suffix}", f"TS-OUT-{suffix}"])
    withdrawn = {"junos": "WITHDRAW-web", "eos": f"route-map TS-OUT-{suffix} deny"}[vendor]
    assert withdrawn in ops.deploy.running_config(driver, router)

    # the link leaves the pillar while its BGP session is still configured: its shifts end (its policies pass
    # everything), the session keeps them (without, it would lose our announce filter)
    assert ops.provision(driver, NETWORK, router, revert_in=3600)["changed"] is True
    running = ops.deploy.running_config(driver, router)
    assert f"TS-IN-{suffix}" in running and f"TS-OUT-{suffix}" in running
    assert withdrawn not in running and "198.51.100.0/24" not in running and "DETOUR" not in running
    assert ops.provision(driver, NETWORK, router, test=True)["changed"] is False
    # kept pass-through for the session, they stay drift until the session goes
    assert ops.current(driver, NETWORK, router)["unknown_objects"] == [f"TS-IN-{suffix}", f"TS-OUT-{suffix}"]

    # once the operator deconfigures the session, the next provisioning deletes what is left of ours
    ops.deploy.stage(driver, router, deconfigure)
    ops.deploy.commit(driver, router)
    assert ops.provision(driver, NETWORK, router, revert_in=3600)["changed"] is True
    running = ops.deploy.running_config(driver, router)
    assert f"TS-IN-{suffix}" not in running and f"TS-OUT-{suffix}" not in running
    assert ops.provision(driver, NETWORK, router, test=True)["changed"] is False
    assert ops.current(driver, NETWORK, router) == {"router": router, "intents": [], "unknown_objects": []}
