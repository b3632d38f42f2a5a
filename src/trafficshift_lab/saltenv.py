"""Salt master and NAPALM proxy configuration for a local trafficshift deployment (tests, the demo).

Plain dicts, no Salt import: the tests hand them to pytest-salt-factories as overrides, the demo writes
them as YAML. docs/salt-deployment.md explains each setting for a real deployment.

Two settings are not optional with Salt 3008 on Python 3.11 (docs/salt-notes.md): `transport: tcp` on the
master and every proxy, and the `ssh-python` package installed (else ncclient imports Salt's own
`salt/utils/ssh.py` as `ssh` and NAPALM looks uninstalled).
"""
from __future__ import annotations

from pathlib import Path

import saltext.trafficshift

from routerlab import napalm_optional_args

LOOPBACK = "127.0.0.1"
#: the reactor SLS files ship in the Salt extension package; its loader modules need no `module_dirs`:
#: Salt finds them through the package's `salt.loader` entry point (setup.cfg), nothing needs syncing
REACTOR = Path(saltext.trafficshift.__file__).resolve().parent / "reactor"


def master_opts(repo: Path, *, pillar_roots: list[Path], load_source: dict, runner: dict | None = None,
                deltaproxy: bool = False, metrics_port: int = 0) -> dict:
    """`load_source`: the traffic_load ext_pillar's options, e.g. {"source": "file", "path": ...}.
    `runner`: settings of the `traffic` runner and the traffic_tick engine (the `trafficshift:` key,
    saltext.trafficshift's runners/traffic.py), merged over these defaults: periodic rebalance off until `traffic.schedule`
    turns it on, no highstate on a proxy's first start. `deltaproxy`: the routers' proxies are sub-proxies
    of deltaproxy processes (`deltaproxy_opts`). `metrics_port`: where the traffic_metrics engine serves
    trafficshift's own metrics on loopback (0: no engine)."""
    reactor = REACTOR
    # order_masters: the tcp publisher then sends list targets to every connection (sub-proxies share their
    # controller's); syndic_wait 0: LocalClient would otherwise wait 5 s for lower masters after every call;
    # gather_job_timeout: every sub-proxy answers saltutil.find_job from its controller's one busy process
    extra = {"order_masters": True, "syndic_wait": 0, "gather_job_timeout": 30} if deltaproxy else {}
    return {
        "transport": "tcp",
        "interface": LOOPBACK,
        # 3008's request routing over worker pools fails under concurrent minion traffic ("Error in pool
        # routing: Already reading" when a dozen proxies start at once); the classic single pool does not
        "worker_pools_enabled": False,
        "file_roots": {"base": [str(repo / "states")]},
        "pillar_roots": {"base": [str(path) for path in pillar_roots]},
        # trafficshift_active: the active plan, so a provisioned router converges to the fleet's shift state
        "ext_pillar": [{"traffic_load": dict(load_source)}, {"trafficshift_active": {}}],
        # the master's own `schedule:` is broken in 3008.4: this engine fires trafficshift/tick instead
        "engines": [{"traffic_tick": {}},
                    *([{"traffic_metrics": {"port": metrics_port, "host": LOOPBACK}}] if metrics_port else [])],
        "reactor": [
            {"trafficshift/tick": [str(reactor / "tick.sls")]},
            {"trafficshift/load/alert": [str(reactor / "alert.sls")]},
            {"salt/minion/*/start": [str(reactor / "first_start.sls")]},
        ],
        "trafficshift": {"rebalance_interval": 0, "provision_on_first_start": False, **(runner or {})},
        **extra,
    }


#: proxy jobs as threads of the proxy process. ncclient's session logger shares one `extra` dict between
#: its reader thread and the job's thread, and Salt's logger class adds and pops a key in it on every record:
#: two threads logging at once raise KeyError('exc_info_on_loglevel') in ncclient's reader, which kills the
#: NETCONF session mid-load. ncclient logs at DEBUG/INFO only in normal operation: keep it at WARNING.
THREADED_JOBS = {"multiprocessing": False, "log_granular_levels": {"ncclient": "warning"}}


def proxy_opts(router: str, device: dict, *, timeout: int = 30) -> dict:
    """A NAPALM proxy for one router. `device`: the lab inventory entry (vendor, host, port, username,
    password). Credentials live in the proxy's own config, never in pillar."""
    return {
        "transport": "tcp",
        "master": LOOPBACK,
        # jobs run as threads of the proxy process: NAPALM's EOS driver keeps the pending commit's session
        # name in the driver object, so commit (one job) and confirm (a later job) must share that object
        **THREADED_JOBS,
        "proxy": {
            "proxytype": "napalm",
            # the `traffic` module's router id: in a deltaproxy `__opts__["id"]` may name another sub-proxy
            "router": router,
            "driver": device["vendor"],
            "host": device["host"],
            "username": device["username"],
            "passwd": device["password"],
            "timeout": timeout,
            "optional_args": napalm_optional_args(device),
        },
        "id": router,
    }


#: the NAPALM provider (saltext.trafficshift.napalm_provider) that reads a router's credentials from a local
#: file, under the name deployed pillars use (the shim trafficshift.napalm_provider), so the tests cover it
CREDENTIALS_PROVIDER = "trafficshift.napalm_provider"


def deltaproxy_opts(controller_id: str, routers: list[str]) -> dict:
    """One Salt deltaproxy process (`controller_id`) that runs a NAPALM sub-proxy for each of `routers`.

    Each sub-proxy's `proxy:` block comes from that router's pillar (`subproxy_pillar`): Salt's deltaproxy
    reads it nowhere else. The master needs `order_masters: True` (`master_opts(..., deltaproxy=True)`):
    over the tcp transport its publisher otherwise sends list/glob targets only to minion ids that hold a
    connection, and sub-proxies share their controller's."""
    return {
        "transport": "tcp",
        "master": LOOPBACK,
        # jobs of every sub-proxy run as threads of this one process: a commit and its confirm (two jobs)
        # share the sub-proxy's NAPALM driver object, which holds the EOS config session's name
        **THREADED_JOBS,
        "metaproxy": "deltaproxy",
        "proxy": {"proxytype": "deltaproxy", "ids": sorted(routers), "parallel_startup": True},
        "id": controller_id,
    }


def subproxy_pillar(router: str, device: dict, *, credentials_file: Path, timeout: int = 30) -> dict:
    """The `proxy:` pillar of one deltaproxy sub-proxy: how to reach the router, not how to log in. The
    username and password stay in `credentials_file` on the proxy host (`credentials_file_content`),
    which the provider `CREDENTIALS_PROVIDER` reads when the sub-proxy connects."""
    return {
        "proxy": {
            "proxytype": "napalm",
            # the `traffic` module's router id: in a deltaproxy `__opts__["id"]` may name another sub-proxy
            "router": router,
            "driver": device["vendor"],
            "host": device["host"],
            "provider": CREDENTIALS_PROVIDER,
            "timeout": timeout,
            "optional_args": {**napalm_optional_args(device),
                              "credentials": {"file": str(credentials_file), "key": router}},
        }
    }


def credentials_file_content(devices: dict[str, dict]) -> dict:
    """{router: {username, password}} for the proxy host's credentials file (JSON, mode 0600)."""
    return {router: {"username": device["username"], "password": device["password"]}
            for router, device in sorted(devices.items())}
