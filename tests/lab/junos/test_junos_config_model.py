"""The configuration model on its own: text and set lines describe the same tree, diffs, tags, references."""
from __future__ import annotations

import pytest

from conftest import base_config
from routerlab.junos import config as cfg

SAMPLE = base_config("model") + """\
policy-options {
    community BLACKHOLE members [ 65535:666 65000:666 ];
    policy-statement IMPORT {
        term tag {
            from {
                protocol bgp;
                community BLACKHOLE;
            }
            then {
                local-preference 50;
                community add BLACKHOLE;
                accept;
            }
        }
    }
}
routing-options {
    static {
        route 0.0.0.0/0 next-hop 192.0.2.1;
    }
}
"""


def test_canonical_text_round_trips():
    tree = cfg.parse_text(SAMPLE).tree
    assert cfg.parse_text(tree.render()).tree == tree
    assert "    community BLACKHOLE members [ 65535:666 65000:666 ];\n" in tree.render()
    assert "        route 0.0.0.0/0 next-hop 192.0.2.1;\n" in tree.render()


def test_display_set_lines_rebuild_the_same_tree():
    tree = cfg.parse_text(SAMPLE).tree
    rebuilt = cfg.apply_set_lines(cfg.Node.root(), "\n".join(tree.set_lines()))
    assert rebuilt.render() == tree.render()


def test_merge_keeps_single_values_single_and_extends_lists():
    tree = cfg.parse_text(SAMPLE).tree
    merged = cfg.apply_load(tree, cfg.parse_text(
        "protocols { bgp { group EBGP { neighbor 192.0.2.1 { peer-as 65099; } export OTHER; } } }"))
    group = merged.find("protocols", "bgp", "group EBGP")
    assert group.find("neighbor 192.0.2.1", "peer-as").words == ("peer-as", "65099")
    assert group.find("export").values == ["EXPORT-CUSTOMERS", "OTHER"]


def test_replace_and_delete_tags_address_leaves_by_their_key():
    tree = cfg.parse_text(SAMPLE).tree
    loaded = cfg.parse_text("policy-options {\n    community BLACKHOLE {\n        replace: members 65535:0;\n    }\n}\n"
                            "system {\n    delete: domain-name lab.example.net;\n}\n")
    result = cfg.apply_load(tree, loaded)
    assert result.find("policy-options", "community BLACKHOLE", "members").values == ["65535:0"]
    assert result.find("system", "domain-name") is None


def test_delete_lines_remove_statements_and_list_values():
    tree = cfg.apply_set_lines(cfg.parse_text(SAMPLE).tree, (
        "delete policy-options community BLACKHOLE members 65000:666\n"
        "delete protocols bgp group EBGP neighbor 192.0.2.1\n"))
    assert tree.find("policy-options", "community BLACKHOLE", "members").values == ["65535:666"]
    assert tree.find("protocols", "bgp", "group EBGP", "neighbor 192.0.2.1") is None


def test_diff_headers_follow_the_hierarchy():
    old = cfg.parse_text(SAMPLE).tree
    new = cfg.apply_set_lines(old, "set system host-name other\nset routing-options autonomous-system 65001")
    assert cfg.diff(old, new) == (
        "[edit system]\n-  host-name model;\n+  host-name other;\n"
        "[edit routing-options]\n-  autonomous-system 65000;\n+  autonomous-system 65001;\n")
    assert cfg.diff(old, old) == ""


@pytest.mark.parametrize("text", [
    "system {\n    host-name x;\n",             # missing closing brace
    "system {\n    host-name x;\n}\n}\n",       # extra closing brace
    "system {\n    host-name x\n}\n",           # missing semicolon
    "bogus {\n    thing;\n}\n",                 # unknown top-level statement
    "policy-options {\n    community C members [ a b ;\n}\n",  # unterminated list
])
def test_syntax_errors(text):
    with pytest.raises(cfg.ConfigSyntaxError):
        cfg.parse_text(text)


def test_reference_check_finds_every_undefined_object():
    tree = cfg.parse_text(SAMPLE.replace("community BLACKHOLE members", "community OTHER members")).tree
    tree = cfg.apply_set_lines(tree, "set protocols bgp group EBGP import NOWHERE")
    term = "[edit policy-options policy-statement IMPORT term tag"
    assert cfg.reference_errors(tree) == [  # in config order, one error per place of use
        ("[edit protocols bgp group EBGP]", "Policy error: Policy NOWHERE referenced but not defined"),
        (term + " from]", "Policy error: Community BLACKHOLE referenced but not defined"),
        (term + " then]", "Policy error: Community BLACKHOLE referenced but not defined"),
    ]


#: (case, config before, two loads with `replace:`, the policy-options / system text after both): replace:
#: swaps exactly the tagged statement, whatever its form, and the statement keeps its place
REPLACE_CASES = [
    pytest.param(
        "policy-options {\n    community TS-MARKER members 65535:1;\n    community OTHER members 65000:1;\n}\n",
        ["policy-options {\n    replace:\n    community TS-MARKER members 65535:666;\n}\n",
         "policy-options {\n    replace:\n    community TS-MARKER members 65535:777;\n}\n"],
        "policy-options {\n    community TS-MARKER members 65535:777;\n    community OTHER members 65000:1;\n}\n",
        id="replace-tag-on-one-line-named-leaf-replaces-it"),  # renderer feedback, issue 4
    pytest.param(
        "policy-options {\n    community TS-MARKER members 65535:1;\n    community OTHER members 65000:1;\n}\n",
        ["policy-options {\n    replace:\n    community TS-MARKER {\n        members 65535:666;\n    }\n}\n",
         "policy-options {\n    replace:\n    community TS-MARKER {\n        members [ 65535:777 65535:778 ];\n"
         "    }\n}\n"],
        "policy-options {\n    community TS-MARKER members [ 65535:777 65535:778 ];\n"
        "    community OTHER members 65000:1;\n}\n",
        id="replace-tag-on-braced-named-container"),
    pytest.param(
        "policy-options {\n    community TS-MARKER {\n        invert-match;\n        members 65535:1;\n    }\n}\n",
        ["policy-options {\n    community TS-MARKER {\n        replace: members 65535:666;\n    }\n}\n",
         "policy-options {\n    community TS-MARKER {\n        replace:\n        members 65535:777;\n    }\n}\n"],
        "policy-options {\n    community TS-MARKER {\n        invert-match;\n        members 65535:777;\n    }\n}\n",
        id="replace-tag-on-unnamed-list-leaf"),
    pytest.param(
        "system {\n    host-name r1;\n    services {\n        ssh;\n    }\n    syslog {\n"
        "        host 192.0.2.50 {\n            any notice;\n        }\n    }\n}\n",
        ["system {\n    replace:\n    services {\n        netconf {\n            ssh;\n        }\n    }\n}\n",
         "system {\n    replace:\n    services {\n        ssh;\n        netconf {\n            ssh;\n        }\n"
         "    }\n}\n"],
        "system {\n    host-name r1;\n    services {\n        ssh;\n        netconf {\n            ssh;\n        }\n"
        "    }\n    syslog {\n        host 192.0.2.50 {\n            any notice;\n        }\n    }\n}\n",
        id="replace-tag-on-unnamed-container"),
    pytest.param(
        "policy-options {\n    policy-statement A {\n        then accept;\n    }\n"
        "    policy-statement B {\n        term t1 {\n            then reject;\n        }\n    }\n}\n",
        ["policy-options {\n    replace: policy-statement A then reject;\n}\n",
         "policy-options {\n    replace: policy-statement A term only then next policy;\n}\n"],
        "policy-options {\n    policy-statement A {\n        term only {\n            then next policy;\n        }\n"
        "    }\n    policy-statement B {\n        term t1 {\n            then reject;\n        }\n    }\n}\n",
        id="replace-tag-on-one-line-named-container-shorthand"),
]


@pytest.mark.parametrize(("before", "loads", "after"), REPLACE_CASES)
def test_replace_tag_replaces_exactly_the_tagged_statement_in_its_place(before, loads, after):
    tree = cfg.parse_text(before).tree
    for text in loads:
        tree = cfg.apply_load(tree, cfg.parse_text(text))
    assert tree.render() == after


def test_statements_come_out_in_junos_schema_order_whatever_the_load_order():
    loaded = cfg.parse_text(
        "policy-options {\n    community C members 65000:1;\n    policy-statement P {\n        then accept;\n    }\n"
        "    prefix-list L {\n        192.0.2.0/24;\n    }\n}\n"
        "protocols {\n    bgp {\n        group G {\n            neighbor 192.0.2.1;\n            peer-as 65001;\n"
        "            export P;\n            import P;\n            type external;\n        }\n    }\n}\n"
        "routing-options {\n    autonomous-system 65000;\n    router-id 10.0.0.1;\n}\n"
        "system {\n    ntp {\n        server 192.0.2.1;\n    }\n    host-name r1;\n}\n").tree
    assert loaded.render() == (
        "system {\n    host-name r1;\n    ntp {\n        server 192.0.2.1;\n    }\n}\n"
        "routing-options {\n    router-id 10.0.0.1;\n    autonomous-system 65000;\n}\n"
        "protocols {\n    bgp {\n        group G {\n            type external;\n            import P;\n"
        "            export P;\n            peer-as 65001;\n            neighbor 192.0.2.1;\n        }\n    }\n}\n"
        "policy-options {\n    prefix-list L {\n        192.0.2.0/24;\n    }\n    policy-statement P {\n"
        "        then accept;\n    }\n    community C members 65000:1;\n}\n")
    # set lines end in the same order
    rebuilt = cfg.apply_set_lines(cfg.Node.root(), "\n".join(reversed(loaded.set_lines())))
    assert rebuilt.render() == loaded.render()


def test_named_list_entries_keep_their_configured_order_not_sorted():
    tree = cfg.parse_text(
        "policy-options {\n    policy-statement Z {\n        term z {\n            then accept;\n        }\n"
        "        term a {\n            then reject;\n        }\n        then reject;\n    }\n"
        "    policy-statement A {\n        then accept;\n    }\n}\n").tree
    tree = cfg.apply_load(tree, cfg.parse_text(
        "policy-options {\n    policy-statement Z {\n        term m {\n            then accept;\n        }\n"
        "        replace:\n        term z {\n            then next policy;\n        }\n    }\n}\n"))
    statement = tree.find("policy-options", "policy-statement Z")
    assert list(tree.find("policy-options").children) == ["policy-statement Z", "policy-statement A"]
    # a new term goes after the configured ones, a replaced term stays where it was, `then` follows the terms
    assert list(statement.children) == ["term z", "term a", "term m", "then"]
    assert statement.find("term z").statement_lines(0) == ["term z {", "    then next policy;", "}"]


def test_diff_shows_changes_in_schema_order_and_removed_statements_where_they_stood():
    old = cfg.parse_text("policy-options {\n    prefix-list A {\n        192.0.2.0/24;\n    }\n"
                         "    prefix-list B {\n        198.51.100.0/24;\n    }\n"
                         "    community C members 65000:1;\n}\n").tree
    new = cfg.apply_set_lines(old, "delete policy-options prefix-list A\ndelete policy-options community C\n"
                                   "set policy-options prefix-list D 203.0.113.0/24")
    assert cfg.diff(old, new) == (
        "[edit policy-options]\n"
        "-   prefix-list A {\n-       192.0.2.0/24;\n-   }\n"
        "+   prefix-list D {\n+       203.0.113.0/24;\n+   }\n"
        "-   community C members 65000:1;\n")


def test_ipv6_families_round_trip_in_display_order():
    """`family inet6` on an interface unit and on a BGP neighbor: IPv4 before IPv6 whatever the load order,
    the neighbor's family between its import and export, as Junos shows them."""
    loaded = cfg.parse_text(
        "interfaces {\n    et-0/0/1 {\n        unit 0 {\n            family inet6 {\n"
        "                address 2001:db8::1/126;\n            }\n            family inet {\n"
        "                address 192.0.2.0/31;\n            }\n        }\n    }\n}\n"
        "protocols {\n    bgp {\n        group G {\n            neighbor 2001:db8::2 {\n"
        "                peer-as 65001;\n                export [ OUT ANYCAST6-OUT ];\n"
        "                family inet6 {\n                    unicast;\n                }\n"
        "                import IN;\n            }\n        }\n    }\n}\n").tree
    expected = (
        "interfaces {\n    et-0/0/1 {\n        unit 0 {\n            family inet {\n"
        "                address 192.0.2.0/31;\n            }\n            family inet6 {\n"
        "                address 2001:db8::1/126;\n            }\n        }\n    }\n}\n"
        "protocols {\n    bgp {\n        group G {\n            neighbor 2001:db8::2 {\n"
        "                import IN;\n                family inet6 {\n                    unicast;\n"
        "                }\n                export [ OUT ANYCAST6-OUT ];\n                peer-as 65001;\n"
        "            }\n        }\n    }\n}\n")
    assert loaded.render() == expected
    assert cfg.parse_text(expected).tree.render() == expected
    assert cfg.apply_set_lines(cfg.Node.root(), "\n".join(loaded.set_lines())).render() == expected
    assert cfg.diff(loaded, cfg.parse_text(expected).tree) == ""
