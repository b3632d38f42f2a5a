"""Arista EOS: running-config text, loaded with NAPALM load_merge_candidate into a config session; the
managed route-maps and prefix-lists are deleted and defined again inside that session."""
from __future__ import annotations

from trafficshift.render.base import Generator


class EosGenerator(Generator):
    vendor = "eos"
    #: Ethernet1, Ethernet1/1, Ethernet49/1, Port-Channel10
    interface_pattern = r"(?:Ethernet\d{1,3}(?:/\d{1,3}){0,2}|Port-Channel\d{1,6})"
    max_prepend = 32
