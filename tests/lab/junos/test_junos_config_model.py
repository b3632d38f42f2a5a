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
