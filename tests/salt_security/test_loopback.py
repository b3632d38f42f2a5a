"""Everything trafficshift starts listens on loopback only: the salt-master (and its workers), the NAPALM
proxies, and the router lab (in this test process, with pytest-salt-factories' log server and event
listener, which tests/conftest.py binds to loopback too)."""
from __future__ import annotations

import ipaddress
import os

import psutil


def listening(pid: int) -> list[tuple[str, int, str]]:
    """(address, port, kind) of every listening TCP socket and bound UDP socket of `pid` and its children."""
    process = psutil.Process(pid)
    found = []
    for proc in [process, *process.children(recursive=True)]:
        try:
            connections = proc.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        for conn in connections:
            if conn.status == psutil.CONN_LISTEN or (conn.type.name == "SOCK_DGRAM" and not conn.raddr):
                found.append((conn.laddr.ip, conn.laddr.port, conn.type.name))
    return found


def not_loopback(sockets) -> list:
    return [s for s in sockets if not ipaddress.ip_address(s[0]).is_loopback]


def test_master_proxies_and_lab_listen_on_loopback_only(sec_master, sec_proxies, sec_lab, sec_salt):
    assert sec_salt.run("test.ping", minion_tgt="*").returncode == 0  # everything up and talking
    master = listening(sec_master.pid)
    assert {sec_master.config["publish_port"], sec_master.config["ret_port"]} <= {port for _, port, _ in master}
    assert not_loopback(master) == []
    for proxy in sec_proxies.values():
        assert not_loopback(listening(proxy.pid)) == []
    lab = listening(os.getpid())  # the lab's device servers and control API run in this process
    device_ports = {int(device["port"]) for device in sec_lab.inventory().values()}
    assert device_ports <= {port for _, port, _ in lab}
    assert not_loopback(lab) == []
