"""junos-eznc's Config utility (load / diff / commit / commit_check / rollback(rb_id=N)) against the lab."""
from __future__ import annotations

import pytest
from jnpr.junos import Device
from jnpr.junos.exception import CommitError, RpcError
from jnpr.junos.utils.config import Config
from lxml import etree

from conftest import base_config
from routerlab.junos.database import Client


@pytest.fixture
def connect(lab):
    opened = []

    def opener(name: str) -> Device:
        inventory = lab.inventory()[name]
        device = Device(inventory["host"], user=inventory["username"], password=inventory["password"],
                        port=inventory["port"], gather_facts=False).open()
        opened.append(device)
        return device

    yield opener
    for device in opened:
        device.close()


def test_load_commit_and_rollback_by_number(lab, connect):
    config = Config(connect("pyez"))
    config.load("set system host-name step-one", format="set")
    config.commit(comment="step one")
    config.load("system {\n    host-name step-two;\n}\n", format="text", merge=True)
    assert config.diff() == "\n[edit system]\n-  host-name step-one;\n+  host-name step-two;\n"
    config.commit(comment="step two")
    assert config.diff(rb_id=2) == "\n[edit system]\n-  host-name pyez;\n+  host-name step-two;\n"
    config.rollback(rb_id=2)
    config.commit(comment="back to the start")
    assert lab.control("pyez").config() == base_config("pyez")
    assert [(record["comment"], record["kind"]) for record in lab.control("pyez").commits()] == [
        ("step one", "commit"), ("step two", "commit"), ("back to the start", "rollback")]


def test_commit_check_reports_undefined_policy_without_committing(lab, connect):
    config = Config(connect("commit-check"))
    config.load("set protocols bgp group EBGP export UNDEFINED-OUT", format="set")
    with pytest.raises(CommitError, match="Policy error: Policy UNDEFINED-OUT referenced but not defined"):
        config.commit_check()
    config.rollback(rb_id=0)
    assert config.commit_check() is True
    assert lab.control("commit-check").commits() == []


def test_fifty_rollbacks_are_kept(lab, connect):
    device_state = lab.devices["pyez-rollbacks"]

    def commit_many():
        client = Client(session_id=1, user="bulk", login_time=0)
        for number in range(55):
            device_state.db.set_candidate(client, device_state.db.committed.copy(), None)
            device_state.db.commit(client, log=f"bulk {number}")
        return len(device_state.db.rollbacks)

    assert lab.call(commit_many) == 50
    device = connect("pyez-rollbacks")
    config = Config(device)
    config.rollback(rb_id=49)
    assert config.diff() is None
    with pytest.raises(RpcError, match="invalid rollback number: 50"):
        device.execute(etree.XML('<load-configuration compare="rollback" rollback="50"/>'))
