"""Arista EOS: running-config text, loaded with NAPALM load_merge_candidate into a config session; the
managed route-maps and prefix-lists are deleted and defined again inside that session."""
from __future__ import annotations

from trafficshift.model import INTERFACE_PATTERNS
from trafficshift.render.base import Generator


class EosGenerator(Generator):
    vendor = "eos"
    interface_pattern = INTERFACE_PATTERNS["eos"]  # validation refuses any other name first
    max_prepend = 32
    #: one route-map and one prefix-list per neighbor and direction: an operator's would be replaced
    chains_operator_policies = False
