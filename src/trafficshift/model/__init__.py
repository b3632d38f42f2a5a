"""The typed, immutable network / load / policy model (pillar schema version 1, docs/pillar-schema.md): value
types (`values`), topology and policy (`network`), measured load (`load`); plans (`plan`) and the routing
projection (`projection`) and what the routers reported about the routes detours depend on (`routes`) are
submodules, imported by name.

Field-level checks (types, units, ranges, the safe identifier character set) live here as pydantic
constraints; cross-reference and whole-input checks (unknown routers, stale load, counter consistency,
size limits) live in `trafficshift.validation`, which is the only way callers should build these objects
from untrusted data.

Every identifier that can reach a router config is restricted to a character set that cannot break out of
a Junos or EOS statement: no whitespace, quotes, braces, `;`, `#`, `!` or non-ASCII.
"""
from trafficshift.model.load import Alternate, EgressDemand, LinkCounter, Load, SiteLoad
from trafficshift.model.network import Baseline, Link, Network, Policy, Pool, Router, Site
from trafficshift.model.values import (DEFAULT_MARKER_VALUE, DOMAIN_PATTERN, INTERFACE_EXAMPLES, INTERFACE_PATTERN,
                                       INTERFACE_PATTERNS, LINK_ID_PATTERN, NAME_PATTERN, SCHEMA_VERSION,
                                       canonical_interface, host_address, interface_address, is_documentation_asn, is_private_asn,
                                       pool_prefix_refusal, span, split_link_id, standard_community)

__all__ = ["Alternate", "Baseline", "DEFAULT_MARKER_VALUE", "DOMAIN_PATTERN", "EgressDemand", "INTERFACE_EXAMPLES",
           "INTERFACE_PATTERN", "INTERFACE_PATTERNS", "LINK_ID_PATTERN", "Link", "LinkCounter", "Load", "NAME_PATTERN",
           "Network", "Policy", "Pool", "Router", "SCHEMA_VERSION", "Site", "SiteLoad", "canonical_interface",
           "host_address", "interface_address", "is_documentation_asn", "is_private_asn", "pool_prefix_refusal", "span",
           "split_link_id", "standard_community"]
