"""The garbage collector pause around large loads and plans (trafficshift.bulk) gives the collector back as
it found it, also when validation raises."""
from __future__ import annotations

import gc

import pytest

from trafficshift.bulk import collector_paused
from trafficshift.errors import ValidationError
from trafficshift.validation import parse_load


def test_the_collector_is_paused_inside_and_restored_after_an_error(load_data, network):
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    load_data["egress"][0]["bps"] = "lots"
    with pytest.raises(ValidationError):
        parse_load(load_data, network, now=load_data["timestamp"])
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off(load_data, network):
    gc.disable()
    try:
        parse_load(load_data, network, now=load_data["timestamp"])
        assert not gc.isenabled()
    finally:
        gc.enable()
