"""The deltaproxy tests' master and proxy-host daemon factories (the conftest's session deployment and the
two-proxy-host test both start them), in a module of its own name: test modules import them from here, not
from `conftest`, which names whichever directory's conftest pytest loaded last when several test
directories are given on the command line."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from delta_fleet import REVERT_IN
from trafficshift_lab.saltenv import deltaproxy_opts, master_opts

REPO = Path(__file__).resolve().parents[2]
TIME_SCALE = 60.0


def master_factory(salt_factories, master_id: str, pillar: Path, load_file: Path, lab):
    clock = {"anchor": lab.clock.now(), "monotonic": time.monotonic(), "scale": TIME_SCALE}
    overrides = master_opts(REPO, pillar_roots=[pillar], load_source={"source": "file", "path": str(load_file)},
                            runner={"clock": clock, "batch_size": 3, "revert_in": REVERT_IN}, deltaproxy=True)
    return salt_factories.salt_master_daemon(master_id, overrides=overrides, max_start_attempts=1)


def preaccept_keys(master, proxy, ids: list[str]) -> None:
    """Sub-proxies authenticate with their controller's key pair under their own ids. Generate that pair
    and accept it for the controller and every sub-proxy id beforehand, as an operator would with
    `salt-key -a` (accepting them one by one at their first start takes seconds each)."""
    import salt.crypt

    pki = Path(proxy.config["pki_dir"])
    pki.mkdir(parents=True, exist_ok=True)
    private, public = salt.crypt.gen_keys(2048)
    (pki / "minion.pem").touch(mode=0o600)
    (pki / "minion.pem").write_text(private)
    (pki / "minion.pub").write_text(public)
    accepted = Path(master.config["pki_dir"]) / "minions"
    accepted.mkdir(parents=True, exist_ok=True)
    for minion_id in ids:
        (accepted / minion_id).write_text(public)


def controller_factory(master, controller: str, routers: list[str]):
    """A deltaproxy controller ("a proxy host") managing `routers`, its keys accepted on `master`. It runs
    `trafficshift-proxy` (salt-proxy with the deltaproxy return fixes, saltext.trafficshift.proxy), as a proxy
    host should."""
    factory = master.salt_proxy_minion_daemon(controller, overrides=deltaproxy_opts(controller, routers),
                                              max_start_attempts=1, start_timeout=300)
    factory.script_name = str(Path(sys.executable).parent / "trafficshift-proxy")
    preaccept_keys(master, factory, [controller, *routers])
    return factory
