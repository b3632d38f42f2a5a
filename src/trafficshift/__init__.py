"""trafficshift: plan and apply traffic shifts that keep links and sites out of overload.

Plain Python, no Salt imports. The data flows one way:
load source -> validated model (model, validation) -> planner (pure) -> Plan -> renderer -> per-router config.
"""
__version__ = "0.1.0"
