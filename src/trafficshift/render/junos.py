"""Junos: curly-brace configuration, loaded with NAPALM load_merge_candidate; the managed block is
`replace:`-tagged so each managed object is swapped whole."""
from __future__ import annotations

from trafficshift.model import INTERFACE_PATTERNS
from trafficshift.render.base import Generator


class JunosGenerator(Generator):
    vendor = "junos"
    interface_pattern = INTERFACE_PATTERNS["junos"]  # validation refuses any other name first
    max_prepend = 32
    #: `import [ TS-IN-x OPERATOR... ]`: a policy chain is evaluated left to right
    chains_operator_policies = True
