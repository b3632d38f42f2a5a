"""Compatibility shim: deployed pillars name ``provider: trafficshift.napalm_provider``, and saltext-napalm
imports that module by name and calls its ``get_network_driver``. The provider lives in
saltext.trafficshift.napalm_provider; this re-exports its public names so those pillars keep working.
"""
from saltext.trafficshift.napalm_provider import CredentialsError, get_network_driver, read_credentials

__all__ = ["CredentialsError", "get_network_driver", "read_credentials"]
