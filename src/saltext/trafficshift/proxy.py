"""`trafficshift-proxy`: Salt's `salt-proxy`, plus two fixes a deltaproxy controller needs to return its jobs.

1. Salt 3008.4 bug: with `metaproxy: deltaproxy` and `multiprocessing: False` a sub-proxy's job runs as a
thread of the controller and sends its return through the controller's main loop (`Minion._send_req_sync`:
event ``__master_req_channel_payload/<request id>`` out, then wait for ``__master_req_channel_return/<request
id>``). The waiting listener is built from the sub-proxy's opts, so it only accepts events whose
``proxy_target`` is that sub-proxy (`SaltEvent._subproxy_match`), and the controller fires the reply without
one. The master has the return, but the job thread never sees the reply: it waits out
``return_retry_timer_max x return_retry_tries`` (30 s by default), logs "The minion failed to return the job
information", and all that time it unpacks every event on the controller's bus. At 20 routers one proxy host
kept ~100 such threads, used a whole core while idle, and its real returns reached the master late or not at
all (docs/scale.md). Fix: the listener of a sub-proxy's request accepts the reply whatever its
``proxy_target`` (the request id in the tag is unique); the request itself still carries the sub-proxy's
``proxy_target``, so the controller sends it on that sub-proxy's channel, under its id.

2. Jobs lost at 50 sub-proxies: every job of every sub-proxy builds a new metaproxy loader four times
(`salt.minion._metaproxy_call`), and each build imports the metaproxy module again, which calls
`importlib.invalidate_caches()`. Under concurrent jobs that call races another thread's change of
`sys.path_importer_cache` (Python 3.11: ``KeyError: '.../python311.zip'``) and killed the job thread before
it sent its return; the runner then waited out its timeout for a router that had silently dropped the job.
Fix: each sub-proxy's loader is built once, under a lock, and a build that fails is retried with a new one.

Everything else is Salt's own `salt-proxy`.
"""
from __future__ import annotations

import threading


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


_METAPROXY_LOADERS: dict = {}
_METAPROXY_LOCK = threading.Lock()
#: loader builds per call before the error is the job's (a race costs one build, not three)
METAPROXY_ATTEMPTS = 3


def _metaproxy_call(opts, fn_name):
    """salt.minion._metaproxy_call (3008.4), with one loader per sub-proxy instead of one per call."""
    import salt.loader
    import salt.loader.lazy

    loaded_base_name = f"{opts['id']}.{salt.loader.lazy.LOADED_BASE_NAME}"
    function_name = f"{opts.get('metaproxy', 'proxy')}.{fn_name}"
    with _METAPROXY_LOCK:
        for attempt in range(1, METAPROXY_ATTEMPTS + 1):
            loader = _METAPROXY_LOADERS.get(loaded_base_name)
            if loader is None:
                loader = _METAPROXY_LOADERS[loaded_base_name] = \
                    salt.loader.metaproxy(opts, loaded_base_name=loaded_base_name)
            try:
                return loader[function_name]
            except KeyError:  # the module load failed part way and the loader now marks it missing: rebuild
                del _METAPROXY_LOADERS[loaded_base_name]
                if attempt == METAPROXY_ATTEMPTS:
                    raise


def install() -> None:
    """Patch this process's Salt; a proxy forks its workers after this, so they have it too."""
    import salt.minion

    salt.minion.Minion._send_req_sync = _send_req_sync  # pylint: disable=protected-access
    salt.minion._metaproxy_call = _metaproxy_call  # pylint: disable=protected-access


def main() -> None:
    import salt.scripts

    install()
    salt.scripts.salt_proxy()


if __name__ == "__main__":
    main()
