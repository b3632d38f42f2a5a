"""routerlab: protocol-faithful Junos (NETCONF) and Arista EOS (eAPI) emulators for tests and the demo.

The unmodified NAPALM drivers (and ncclient, junos-eznc, pyeapi) drive these devices exactly as they
drive real routers. Everything binds to loopback by default.
"""
from routerlab.lab import DeviceSpec, Lab, napalm_optional_args

__all__ = ["DeviceSpec", "Lab", "napalm_optional_args"]
