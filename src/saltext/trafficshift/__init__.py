"""trafficshift's Salt-side code: the `trafficshift-proxy` entry point (proxy) and the NAPALM credentials
provider (napalm_provider). Part of the `saltext` namespace package shared with saltext-napalm."""
