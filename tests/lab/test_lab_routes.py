"""trafficshift_lab.routes: the routes the lab's neighbors send, made from load data."""
from __future__ import annotations

from pathlib import Path

import yaml

from trafficshift.validation import parse_network
from trafficshift_lab.routes import ORIGIN_AS, neighbor_routes

SALT_TESTS = Path(__file__).resolve().parents[1] / "salt"
NETWORK = parse_network(yaml.safe_load((SALT_TESTS / "pillar" / "traffic" / "network.sls").read_text())["traffic"])


def test_the_preferred_neighbor_sends_the_shortest_path_and_each_alternate_a_longer_one_by_rank():
    egress = [{"prefix": "100.96.0.0/20", "bps": 1, "link": "ams01-r1:et-0/0/0",
               "alternates": [{"link": "ams01-r2:Ethernet1", "preference": 20}, {"link": "ams01-r1:et-0/0/1",
                                                                                 "preference": 10}]}]
    table = neighbor_routes(NETWORK, egress)
    assert table == {
        "ams01-r1": {"100.64.0.1": (1299, [{"prefix": "100.96.0.0/20", "as_path": [1299, ORIGIN_AS]}]),
                     "100.64.0.3": (3320, [{"prefix": "100.96.0.0/20", "as_path": [3320, 3320, ORIGIN_AS]}])},
        "ams01-r2": {"100.64.1.1": (174, [{"prefix": "100.96.0.0/20", "as_path": [174, 174, 174, ORIGIN_AS]}])}}


def test_a_neighbor_keeps_the_shortest_path_any_load_document_gives_it_whatever_their_order():
    as_alternate = {"prefix": "100.96.0.0/20", "bps": 1, "link": "ams01-r2:Ethernet1",
                    "alternates": [{"link": "ams01-r1:et-0/0/0"}]}
    as_preferred = {"prefix": "100.96.0.0/20", "bps": 1, "link": "ams01-r1:et-0/0/0"}
    one = neighbor_routes(NETWORK, [as_alternate, as_preferred])
    assert one == neighbor_routes(NETWORK, [as_preferred, as_alternate])
    assert one["ams01-r1"]["100.64.0.1"][1] == [{"prefix": "100.96.0.0/20", "as_path": [1299, ORIGIN_AS]}]
