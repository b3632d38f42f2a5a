"""The `traffic` outputter: what `salt-run traffic.plan / apply / rebalance / rollback / freeze` print by
default, the plan table (utilization before -> after, action, reason), per-router diffs and outcomes.
``--out=json`` / ``--out=yaml`` still give the data. The text comes from trafficshift.present.table.

CLI Example:

.. code-block:: bash

    salt-run traffic.plan
    salt-run traffic.plan --out=traffic
"""
try:
    from trafficshift.present.table import format_runner_return

    HAS_TRAFFICSHIFT = True
except ImportError:
    HAS_TRAFFICSHIFT = False

__virtualname__ = "traffic"


def __virtual__():
    if not HAS_TRAFFICSHIFT:
        return False, "traffic outputter: the trafficshift package is not importable"
    return __virtualname__


def output(data, **kwargs):  # pylint: disable=unused-argument
    return format_runner_return(data)
