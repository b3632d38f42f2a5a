"""`trafficshift-proxy`: Salt's `salt-proxy`, plus the fix a deltaproxy controller needs to return its jobs.

Salt 3008.4 bug: with `metaproxy: deltaproxy` and `multiprocessing: False` a sub-proxy's job runs as a thread
of the controller and sends its return through the controller's main loop (`Minion._send_req_sync`: event
``__master_req_channel_payload/<request id>`` out, then wait for ``__master_req_channel_return/<request id>``).
The waiting listener is built from the sub-proxy's opts, so it only accepts events whose ``proxy_target`` is
that sub-proxy (`SaltEvent._subproxy_match`), and the controller fires the reply without one. The master has
the return, but the job thread never sees the reply: it waits out ``return_retry_timer_max x
return_retry_tries`` (30 s by default), logs "The minion failed to return the job information", and all that
time it unpacks every event on the controller's bus. At 20 routers one proxy host kept ~100 such threads,
used a whole core while idle, and its real returns reached the master late or not at all (docs/scale.md).

The fix: the listener of a sub-proxy's request accepts the reply whatever its ``proxy_target`` (the request
id in the tag is unique); the request itself still carries the sub-proxy's ``proxy_target``, so the
controller sends it on that sub-proxy's channel, under its id. Everything else is Salt's own `salt-proxy`.
"""
from __future__ import annotations


def _send_req_sync(self, load, timeout):
    """salt.minion.Minion._send_req_sync (3008.4) with the sub-proxy reply accepted."""
    import uuid

    import salt.exceptions
    import salt.utils.event

    with salt.utils.event.get_event("minion", opts=self.opts, listen=True) as event:
        event._subproxy_match = lambda data: True  # pylint: disable=protected-access
        request_id = str(uuid.uuid4())
        event.fire_event(load, f"__master_req_channel_payload/{request_id}/{self.opts['master']}",
                         timeout=timeout)
        ret = event.get_event(tag=f"__master_req_channel_return/{request_id}", wait=timeout)
        if not ret:
            raise salt.exceptions.SaltReqTimeoutError("Request timed out")
        if ret.get("error"):
            raise salt.exceptions.SaltReqTimeoutError(f"Request timed out in main process: {ret['error']}")
        return ret["ret"]


def install() -> None:
    """Patch this process's Salt; a proxy forks its workers after this, so they have it too."""
    import salt.minion

    salt.minion.Minion._send_req_sync = _send_req_sync  # pylint: disable=protected-access


def main() -> None:
    import salt.scripts

    install()
    salt.scripts.salt_proxy()


if __name__ == "__main__":
    main()
