"""Junos: curly-brace configuration, loaded with NAPALM load_merge_candidate; the managed block is
`replace:`-tagged so each managed object is swapped whole."""
from __future__ import annotations

from trafficshift.render.base import Generator


class JunosGenerator(Generator):
    vendor = "junos"
    #: et-0/0/1, xe-0/0/0:1, ge-1/0/0, ae0 (addresses go on unit 0)
    interface_pattern = r"(?:(?:ge|xe|et)-\d{1,2}/\d{1,2}/\d{1,3}(?::\d{1,2})?|ae\d{1,4})"
    max_prepend = 32
