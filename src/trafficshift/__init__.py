"""trafficshift: plan and apply traffic shifts that keep links and sites out of overload.

Plain Python that imports no Salt, NAPALM or routerlab (tests/test_layers.py). The data flows one way:
load source -> validated model (model, validation) -> planner (pure) -> Plan -> renderer -> per-router config.
"""
__version__ = "0.1.0"
