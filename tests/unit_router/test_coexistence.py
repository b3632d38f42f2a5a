"""Provisioning a router the operator already runs, through the real NAPALM drivers on lab routers (issue 19):
on Junos our policies go in front of the operator's import and export chains (a neighbor's own chain, or the
group's it inherited), the operator's policies stay applied in their order and nothing of theirs changes,
after provisioning and after every shift kind; on EOS, where the baseline would replace the neighbor's one
route-map per direction, provisioning is refused and nothing is committed."""
from __future__ import annotations

from pathlib import Path

import napalm
import pytest
import yaml

from routerlab import DeviceSpec, Lab, napalm_optional_args
from trafficshift.device import deploy
from trafficshift.device import router as ops
from trafficshift.device.deploy import DeployError
from trafficshift.render.readback import _junos_tree, read_present_objects
from trafficshift.render.structure import is_ours
from trafficshift.validation import parse_network

PILLAR = yaml.safe_load((Path(__file__).resolve().parents[1] / "salt" / "pillar" / "traffic" / "network.sls")
                        .read_text())
NETWORK = parse_network(PILLAR["traffic"])
JUNOS, EOS = "ams01-r1", "ams01-r2"

#: what the operator runs on ams01-r1 before trafficshift arrives: the same sessions, their own policies,
#: a group-level chain on transit and a neighbor-level one on the PNI
JUNOS_OPERATOR = """
system {
    host-name ams01-r1;
    domain-name lab.example.net;
    login {
        message "ams01-r1: changes go through the change board";
    }
    ntp {
        server 192.0.2.123;
    }
}
interfaces {
    et-0/0/0 {
        description "transit arelion";
        unit 0 {
            family inet {
                address 100.64.0.0/31;
            }
        }
    }
    et-0/0/1 {
        description "private bigisp-ams";
        unit 0 {
            family inet {
                address 100.64.0.2/31;
            }
        }
    }
}
routing-options {
    router-id 192.0.2.1;
    autonomous-system 64512;
}
protocols {
    bgp {
        group transit {
            type external;
            import OP-TRANSIT-IN;
            export OP-TRANSIT-OUT;
            neighbor 100.64.0.1 {
                description arelion;
                family inet {
                    unicast {
                        prefix-limit {
                            maximum 1500000;
                            teardown 80 idle-timeout 30;
                        }
                    }
                }
                peer-as 1299;
            }
        }
        group pni {
            type external;
            neighbor 100.64.0.3 {
                description bigisp-ams;
                import [ OP-BOGONS OP-PNI-IN ];
                export OP-PNI-OUT;
                family inet {
                    unicast {
                        prefix-limit {
                            maximum 500000;
                            teardown 80 idle-timeout 30;
                        }
                    }
                }
                peer-as 3320;
            }
        }
    }
}
policy-options {
    prefix-list OP-MARTIANS {
        10.0.0.0/8;
        192.168.0.0/16;
    }
    policy-statement OP-BOGONS {
        term MARTIANS {
            from {
                prefix-list OP-MARTIANS;
            }
            then reject;
        }
    }
    policy-statement OP-PNI-IN {
        term PREFER {
            then {
                local-preference 150;
                accept;
            }
        }
    }
    policy-statement OP-PNI-OUT {
        term CUSTOMERS {
            from {
                route-filter 192.0.2.0/24 exact;
            }
            then accept;
        }
        term REJECT {
            then reject;
        }
    }
    policy-statement OP-TRANSIT-IN {
        term ALL {
            then accept;
        }
    }
    policy-statement OP-TRANSIT-OUT {
        term REJECT {
            then reject;
        }
    }
}
"""

#: neighbor -> (import chain, export chain) after provisioning: ours first, then the operator's in order
JUNOS_CHAINS = {
    "100.64.0.1": (("TS-IN-et-0-0-0", "OP-TRANSIT-IN"), ("TS-OUT-et-0-0-0", "ANYCAST-ANNOUNCE", "OP-TRANSIT-OUT")),
    "100.64.0.3": (("TS-IN-et-0-0-1", "OP-BOGONS", "OP-PNI-IN"), ("TS-OUT-et-0-0-1", "ANYCAST-ANNOUNCE", "OP-PNI-OUT")),
}

EOS_OPERATOR = """
route-map OP-PNI-IN permit 10
   set local-preference 150
!
router bgp 64512
   neighbor 100.64.1.1 route-map OP-PNI-IN in
"""


@pytest.fixture(scope="module")
def lab():
    with Lab([DeviceSpec(JUNOS, "junos"), DeviceSpec(EOS, "eos")], time_scale=60) as lab:
        yield lab


def open_driver(lab, router: str, vendor: str):
    entry = lab.inventory()[router]
    driver = napalm.get_network_driver(vendor)(entry["host"], entry["username"], entry["password"],
                                               optional_args=napalm_optional_args(entry))
    driver.open()
    return driver


@pytest.fixture(scope="module")
def junos(lab):
    driver = open_driver(lab, JUNOS, "junos")
    deploy.stage(driver, JUNOS, JUNOS_OPERATOR)
    deploy.commit(driver, JUNOS)
    yield driver
    driver.close()


def outside_ours(text: str) -> list:
    """The Junos config as statements, without what trafficshift owns: its policies and prefix-lists
    (TS-*, ANYCAST*, POOL*) and the neighbors' import/export chains (checked on their own)."""
    def keep(path: tuple, words: tuple) -> bool:
        if path == ("policy-options",) and len(words) >= 2 and (is_ours(words[1]) or words[1].startswith("POOL")):
            return False
        return not (path[-1:] and path[-1].startswith("neighbor ") and words[:1] in (("import",), ("export",)))

    def walk(statements, path=()):
        return [(words, None if children is None else walk(children, path + (" ".join(words),)))
                for words, children in statements if keep(path, words)]
    return walk(_junos_tree(text))


def operator_policies(text: str) -> dict[str, list[str]]:
    """Each OP- policy-statement and prefix-list exactly as the router prints it, line for line."""
    blocks, name = {}, None
    for line in text.splitlines():
        words = line.split()
        top_level = line.startswith("    ") and not line.startswith("     ")
        if top_level and words[:1] in (["policy-statement"], ["prefix-list"]):
            name = words[1] if words[1].startswith("OP-") else None
        if name is not None:
            blocks.setdefault(name, []).append(line)
            if line == "    }":
                name = None
    return blocks


def check_coexists(driver, before: str) -> None:
    running = deploy.running_config(driver, JUNOS)
    chains = read_present_objects("junos", running).chains
    assert {address: chains[address] for address in JUNOS_CHAINS} == JUNOS_CHAINS
    assert outside_ours(running) == outside_ours(before)
    assert operator_policies(running) == operator_policies(before)
    assert len(operator_policies(before)) == 6


def test_junos_puts_ours_in_front_of_the_operators_chains_and_changes_nothing_of_theirs(junos):
    before = deploy.running_config(junos, JUNOS)
    assert "OP-TRANSIT-IN" in before and "TS-" not in before

    result = ops.provision(junos, NETWORK, JUNOS, revert_in=3600)
    assert result["changed"] is True
    check_coexists(junos, before)
    # the group-level chain the transit neighbor inherited is still the group's, untouched
    assert "import OP-TRANSIT-IN;" in deploy.running_config(junos, JUNOS)
    assert ops.provision(junos, NETWORK, JUNOS, test=True) == {"router": JUNOS, "changed": False, "diff": ""}

    shifts = [
        [{"kind": "detour", "router": JUNOS, "link": "et-0/0/1", "prefix": "198.18.0.0/24",
          "from_link": "ams01-r1:et-0/0/0", "local_pref": 200}],
        [{"kind": "prepend", "router": JUNOS, "link": "et-0/0/0", "pool": "web", "count": 2}],
        [{"kind": "withdraw", "router": JUNOS, "link": "et-0/0/1", "pool": "web"}],
        [],
    ]
    for intents in shifts:
        applied = ops.apply(junos, NETWORK, JUNOS, intents, revert_in=3600)
        assert applied["changed"] is True, intents
        ops.confirm(junos, JUNOS)
        check_coexists(junos, before)
        assert ops.current(junos, NETWORK, JUNOS)["intents"] == \
            [{**i, "from_link": None} if i["kind"] == "detour" else i for i in intents]


def test_junos_health_check_rolls_back_a_baseline_whose_chain_did_not_land_in_order(junos, monkeypatch):
    # a router that merged the chain instead of replacing it (ours after the operator's) must not be confirmed
    before = deploy.running_config(junos, JUNOS)
    real = ops.read_present_objects

    def operator_first(vendor, text):
        present = real(vendor, text)
        chains = {a: (tuple(reversed(i)), e) for a, (i, e) in present.chains.items()}
        return type(present)(present.lists, present.networks, chains, present.policies)

    changed = parse_network({**PILLAR["traffic"], "baseline": {**PILLAR["traffic"]["baseline"],
                                                               "domain_name": "coexist.example.net"}})
    reads = iter([real, operator_first])  # before the load, then after the commit
    monkeypatch.setattr(ops, "read_present_objects", lambda vendor, text: next(reads)(vendor, text))
    with pytest.raises(DeployError, match=r"health-check failed: neighbor 100\.64\.0\.1 imports through "
                                          r"\[OP-TRANSIT-IN TS-IN-et-0-0-0\] .* rolled back"):
        ops.provision(junos, changed, JUNOS, revert_in=3600)
    assert deploy.running_config(junos, JUNOS) == before


def test_eos_refuses_to_replace_the_operators_route_map_and_commits_nothing(lab):
    driver = open_driver(lab, EOS, "eos")
    try:
        ops.provision(driver, NETWORK, EOS, revert_in=3600)  # the sessions exist, then the operator adds a policy
        deploy.stage(driver, EOS, EOS_OPERATOR)
        deploy.commit(driver, EOS)
        before = deploy.running_config(driver, EOS)
        commits = len(lab.control(EOS).commits())
        with pytest.raises(DeployError, match=r"render failed: router ams01-r2: BGP neighbor 100\.64\.1\.1 .* "
                                              r"already applies the operator's OP-PNI-IN.*nothing was changed"):
            ops.provision(driver, NETWORK, EOS, revert_in=3600)
        assert deploy.running_config(driver, EOS) == before
        assert len(lab.control(EOS).commits()) == commits
    finally:
        driver.close()
