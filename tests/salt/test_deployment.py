"""The local deployment comes up: every NAPALM proxy answers and reaches its lab router."""
from salt_setup import ROUTERS


def test_every_proxy_reaches_its_router(salt_cli):
    ret = salt_cli.run("net.facts", minion_tgt="*")
    assert ret.returncode == 0, ret
    assert sorted(ret.data) == ROUTERS
    for router, facts in ret.data.items():
        assert facts["result"] is True, facts
        assert facts["out"]["hostname"] == router


def test_pillar_carries_network_and_load_but_no_credentials(salt_cli):
    # Salt 3008 masks pillar leaves in pillar.items output unless asked not to
    ret = salt_cli.run("pillar.items", "unmask=True", minion_tgt=ROUTERS[0])
    assert ret.returncode == 0, ret
    assert sorted(ret.data["traffic"]["routers"]) == ROUTERS
    assert ret.data["traffic_load"]["source"] == "file"
    assert "passwd" not in str(ret.data) and "password" not in str(ret.data)
