"""A NAPALM `provider` that takes the device credentials from a file on the proxy host, not from pillar.

Salt's deltaproxy builds each sub-proxy's `proxy:` block from that router's pillar only (salt/metaproxy/
deltaproxy.py, `subproxy_post_master_init`), so without help the device password would travel in pillar.
saltext-napalm imports `provider:` instead of `napalm` and calls its ``get_network_driver(name)``; the
driver class returned here reads ``optional_args["credentials"] = {"file": PATH, "key": ROUTER}`` (a JSON
file ``{ROUTER: {"username": ..., "password": ...}}`` readable only by the proxy's user), fills in username
and password, and hands everything else to the unmodified NAPALM driver. The pillar then carries the file's
path and the router's key, which are not secrets.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import napalm


class CredentialsError(ValueError):
    pass


def read_credentials(ref: dict) -> tuple[str, str]:
    """(username, password) of ``ref["key"]`` in the JSON file ``ref["file"]``."""
    path = Path(ref["file"])
    try:
        entry = json.loads(path.read_text())[ref["key"]]
    except FileNotFoundError:
        raise CredentialsError(f"credentials file {path} does not exist") from None
    except KeyError:
        raise CredentialsError(f"no credentials for {ref['key']} in {path}") from None
    return entry["username"], entry["password"]


@functools.cache
def get_network_driver(name: str) -> type:
    base = napalm.get_network_driver(name)

    class LocalCredentials(base):  # type: ignore[valid-type,misc]
        def __init__(self, hostname, username, password, timeout=60, optional_args=None):
            args = dict(optional_args or {})
            ref = args.pop("credentials", None)
            if ref:
                username, password = read_credentials(ref)
            super().__init__(hostname, username, password, timeout=timeout, optional_args=args)

    LocalCredentials.__name__ = LocalCredentials.__qualname__ = f"{base.__name__}LocalCredentials"
    return LocalCredentials
