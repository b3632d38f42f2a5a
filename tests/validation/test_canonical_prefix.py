"""The fast recognition of canonical IPv4 prefixes (`_network`) agrees with `ipaddress` on every input:
what it returns as given is exactly what `ipaddress` writes the same way, and everything else still
goes through `ipaddress` (errors included)."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trafficshift.model.values import _network


def by_ipaddress(value: str) -> str | None:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        return None


def by_network(value: str) -> str | None:
    try:
        return _network(value)
    except ValueError:
        return None


#: octets near every boundary the patterns encode: block sizes, 255/256, leading zeros, signs, spaces
OCTETS = ["0", "00", "01", "1", "7", "8", "10", "16", "99", "100", "128", "199", "200", "224", "240", "248",
          "249", "250", "252", "254", "255", "256", "260", "300", "999", "-1", "+1", " 1", "1 ", "\uff11", ""]
LENGTHS = [*map(str, range(34)), "08", "-0", "+8", " 8", "\uff18", ""]


@given(st.lists(st.sampled_from(OCTETS), min_size=4, max_size=4), st.sampled_from(LENGTHS))
def test_agrees_with_ipaddress_on_dotted_quads(octets, length):
    value = f"{'.'.join(octets)}/{length}"
    assert by_network(value) == by_ipaddress(value)


@pytest.mark.parametrize("length", range(33))
def test_every_length_accepts_its_aligned_networks_and_refuses_host_bits(length):
    for network in (ipaddress.IPv4Network((0, length)), ipaddress.IPv4Network((0xFFFFFFFF << (32 - length)
                                                                               & 0xFFFFFFFF, length))):
        assert _network(str(network)) == str(network)
        if length < 32:  # the lowest host bit set
            host = f"{network.network_address + 1}/{length}"
            assert by_network(host) is None and by_ipaddress(host) is None


@pytest.mark.parametrize("value", ["100.96.0.0/20\n", "100.96.0.0/20 ", "100.96.0.0//20", "100.96.0.0",
                                   "100.96.0.0/20/20", "2001:DB8::/32", "2001:db8:0::/48", "::ffff:1.2.3.0/120"])
def test_other_spellings_take_the_ipaddress_path(value):
    assert by_network(value) == by_ipaddress(value)
