"""The lab's replies parse like replies recorded from real routers, through the drivers' own parsers.

Each check feeds a recorded reply (data/, see data/README.md) and the lab's live reply for the same RPC
to the same junos-eznc fact module / napalm table view and compares what comes out: same keys, same
value types, every field the driver reads present.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from jnpr.junos import Device
from jnpr.junos.exception import ConfigLoadError, RpcError
from jnpr.junos.facts import get_chassis_inventory, get_software_information
from jnpr.junos.jxml import remove_namespaces
from jnpr.junos.utils.config import Config
from lxml import etree
from napalm.junos.utils import junos_views

DATA = Path(__file__).parent / "data"


def recorded(name: str) -> etree._Element:
    """The reply body (first element inside <rpc-reply>) of a recorded file, without namespaces."""
    root = remove_namespaces(etree.parse(str(DATA / name)).getroot())
    return root[0] if root.tag == "rpc-reply" else root


class _RecordedRpc:
    """`device.rpc.<name>(...)` answering from a dict; `cli` is refused as by a router without it."""

    def __init__(self, replies: dict[str, etree._Element]) -> None:
        self.replies = replies

    def cli(self, *args, **kwargs):
        raise RpcError()

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.replies[name]


class ReplayDevice:
    """Just enough of a junos-eznc Device for its fact modules: rpc answers and the facts they consult."""

    def __init__(self, **replies: etree._Element) -> None:
        self.rpc = _RecordedRpc(replies)
        self.facts = {"_is_linux": False, "vc_capable": False, "current_re": None}


@pytest.fixture(scope="module")
def device(lab):
    inventory = lab.inventory()["shapes"]
    with Device(inventory["host"], user=inventory["username"], password=inventory["password"],
                port=inventory["port"], gather_facts=False) as connected:
        yield connected


def assert_same_shape(lab_result: dict, recorded_result: dict) -> None:
    assert lab_result.keys() == recorded_result.keys()
    for key, value in recorded_result.items():
        assert type(lab_result[key]) is type(value), key


def test_software_information_gives_the_same_facts(device):
    from_lab = get_software_information.get_facts(
        ReplayDevice(get_software_information=device.rpc.get_software_information(normalize=True)))
    from_router = get_software_information.get_facts(
        ReplayDevice(get_software_information=recorded("get-software-information.xml")))
    assert_same_shape(from_lab, from_router)
    assert (from_lab["hostname"], from_lab["model"], from_lab["version"]) == ("shapes", "VMX", "21.4R3.15")
    assert (from_router["hostname"], from_router["model"], from_router["version"]) == (
        "lsys500", "SRX3600", "12.3X48-D40.5")


def test_chassis_inventory_gives_the_same_facts(device):
    from_lab = get_chassis_inventory.get_facts(
        ReplayDevice(get_chassis_inventory=device.rpc.get_chassis_inventory(normalize=True)))
    from_router = get_chassis_inventory.get_facts(
        ReplayDevice(get_chassis_inventory=recorded("get-chassis-inventory.xml")))
    assert_same_shape(from_lab, from_router)
    assert from_router == {"RE_hw_mi": False, "serialnumber": "JN1249018AFB"}
    assert from_lab["serialnumber"].startswith("VM")


def test_uptime_parses_for_junos_eznc_and_napalm(device):
    for reply in (device.rpc.get_system_uptime_information(normalize=True),
                  recorded("get-system-uptime-information.xml")):
        # junos-eznc Device.uptime and napalm's has_pending_commit read these two attributes
        assert int(reply.find(".//system-booted-time/time-length").get("seconds")) >= 0
        assert int(reply.find(".//current-time/date-time").attrib["seconds"]) > 1_000_000_000
        assert Device.uptime.fget(ReplayDevice(get_system_uptime_information=reply)) >= 0


def test_domain_name_filter_answers_like_a_router(device):
    options = {"database": "committed", "inherit": "inherit", "commit-scripts": "apply"}
    from_lab = device.rpc.get_config(
        filter_xml=etree.XML("<configuration><system><domain-name/></system></configuration>"), options=options)
    from_router = recorded("get-configuration-domain-name.xml")
    assert [element.tag for element in from_lab.iter()] == [element.tag for element in from_router.iter()]
    assert from_lab.findtext(".//domain-name") == "lab.example.net"
    assert from_router.findtext(".//domain-name") == "juniper.net"


def test_interface_table_view_reads_the_same_fields(device, tmp_path):
    lab_file = tmp_path / "lab-interfaces.xml"
    lab_file.write_bytes(etree.tostring(device.rpc.get_interface_information(normalize=True)))
    from_lab = dict(junos_views.junos_iface_table(path=str(lab_file)).get().items())
    from_router = dict(junos_views.junos_iface_table(path=str(DATA / "get-interface-information.xml")).get().items())
    assert list(from_lab) == ["ge-0/0/0", "lo0"] and list(from_router) == ["ge-5/0/0", "ge-5/0/1"]
    # neither lo0 in the lab nor ge-5/0/0 on the router has a description: every field compares
    lab_fields, router_fields = dict(from_lab["lo0"]), dict(from_router["ge-5/0/0"])
    assert lab_fields.keys() == router_fields.keys()
    for field, value in router_fields.items():
        assert type(lab_fields[field]) is type(value), field
    assert dict(from_lab["ge-0/0/0"])["description"] == "to core" and lab_fields["is_up"] is True


def test_load_syntax_error_has_the_recorded_error_fields(device):
    recorded_error = ConfigLoadError(rsp=recorded("load-configuration-error.xml").find("rpc-error"))
    with pytest.raises(ConfigLoadError) as lab_error:
        Config(device).load("system1 {\n    host-name x;\n}\n", format="text")
    assert lab_error.value.rpc_error.keys() == recorded_error.rpc_error.keys()
    assert (lab_error.value.rpc_error["bad_element"], lab_error.value.rpc_error["message"]) == (
        "system1", "syntax error")
    assert (recorded_error.rpc_error["bad_element"], recorded_error.rpc_error["message"]) == (
        "system1", "syntax error")
