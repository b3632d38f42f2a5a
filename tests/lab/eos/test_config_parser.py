"""The mode-aware EOS line parser and the canonical running-config, without a lab."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routerlab.eos.config import Config, ConfigError, Editor, unified_diff

POLICY = """\
route-map RM permit 20
   set local-preference 50
!
route-map RM permit 10
   match ip address prefix-list PL
   set local-preference 200
!
ip prefix-list PL seq 10 permit 10.0.0.0/8 le 24
!
router bgp 65000
   neighbor 192.0.2.9 remote-as 65009
   neighbor 192.0.2.1 remote-as 65001
   neighbor 192.0.2.1 route-map RM in
   !
   address-family ipv4
      neighbor 192.0.2.1 activate
!
interface Ethernet10
!
interface Ethernet2
   description core
"""


def apply(config: Config, *lines: str) -> Config:
    editor = Editor(config)
    for line in lines:
        editor.apply(line)
    return config


def flat(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines())


def test_flat_lines_land_in_the_same_modes_as_indented_text():
    assert Config.from_text(flat(POLICY)).render() == Config.from_text(POLICY).render()


def test_canonical_order_sections_entries_and_neighbors():
    assert Config.from_text(POLICY).render() == """\
interface Ethernet2
   description core
!
interface Ethernet10
!
ip prefix-list PL
   seq 10 permit 10.0.0.0/8 le 24
!
route-map RM permit 10
   match ip address prefix-list PL
   set local-preference 200
!
route-map RM permit 20
   set local-preference 50
!
router bgp 65000
   neighbor 192.0.2.1 remote-as 65001
   neighbor 192.0.2.1 route-map RM in
   neighbor 192.0.2.9 remote-as 65009
   !
   address-family ipv4
      neighbor 192.0.2.1 activate
!
"""


@pytest.mark.parametrize(("one_line_command", "shown"), [
    ("ip prefix-list PL seq 20 deny 0.0.0.0/0", "ip prefix-list PL\n   seq 20 deny 0.0.0.0/0\n!\n"),
    ("ip community-list NO-EXPORT permit 65000:666", "ip community-list NO-EXPORT permit 65000:666\n!\n"),
])
def test_one_line_prefix_and_community_lists_do_not_enter_a_sub_mode(one_line_command, shown):
    config = apply(Config(), "route-map RM permit 10", one_line_command)
    # the route-map mode was left, and the prefix-list's own mode was not entered: neither a route-map
    # clause nor a prefix-list entry is valid here
    for line in ("set local-preference 10", "seq 30 permit 10.0.0.0/8"):
        with pytest.raises(ConfigError, match="Invalid input"):
            apply(config, line)
    assert shown in config.render()


def test_ipv4_prefix_lists_are_shown_in_block_form_whichever_form_configured_them():
    # EOS 4.32 shows `ip prefix-list NAME` with indented `seq` entries (a recorded cEOSLab running-config)
    one_line = apply(Config(), "ip prefix-list PL seq 20 permit 10.0.0.0/8 le 24", "ip prefix-list PL seq 10 deny 0.0.0.0/0")
    block = apply(Config(), "ip prefix-list PL", "seq 10 deny 0.0.0.0/0", "seq 20 permit 10.0.0.0/8 le 24")
    shown = "ip prefix-list PL\n   seq 10 deny 0.0.0.0/0\n   seq 20 permit 10.0.0.0/8 le 24\n!\n"
    assert one_line.render() == block.render() == shown
    assert Config.from_text(shown).render() == shown
    assert apply(Config.from_text(shown), "no ip prefix-list PL").render() == ""
    assert apply(Config.from_text(shown), "ip prefix-list PL", "no seq 10").render() == \
        "ip prefix-list PL\n   seq 20 permit 10.0.0.0/8 le 24\n!\n"
    with pytest.raises(ConfigError, match="at token 3: '2001:db8::/32'"):
        apply(Config(), "ip prefix-list PL", "seq 10 permit 2001:db8::/32")


def test_ipv6_prefix_list_and_management_api_are_sub_modes():
    config = apply(Config(), "ipv6 prefix-list V6", "seq 10 permit 2001:db8::/32 le 48",
                   "management api http-commands", "no shutdown")
    assert config.render() == ("ipv6 prefix-list V6\n   seq 10 permit 2001:db8::/32 le 48\n!\n"
                               "management api http-commands\n   no shutdown\n!\n")


def test_same_setting_replaces_and_no_removes():
    config = apply(Config.from_text(POLICY),
                   "route-map RM deny 10", "set local-preference 300",  # action flips, body kept
                   "router bgp 65000", "no neighbor 192.0.2.9",  # every line of that neighbor
                   "no neighbor 192.0.2.1 route-map RM in",  # just that line
                   "interface Ethernet2", "no description",
                   "no route-map RM permit 20")
    text = config.render()
    assert "route-map RM deny 10\n   match ip address prefix-list PL\n   set local-preference 300\n" in text
    assert "192.0.2.9" not in text and "route-map RM in" not in text
    assert "neighbor 192.0.2.1 remote-as 65001" in text
    assert "interface Ethernet2\n!\n" in text
    assert "permit 20" not in text


def test_unsequenced_prefix_list_entries_get_the_next_sequence_number():
    config = apply(Config.from_text(POLICY), "ip prefix-list PL permit 172.16.0.0/12")
    assert "ip prefix-list PL\n   seq 10 permit 10.0.0.0/8 le 24\n   seq 20 permit 172.16.0.0/12\n" in config.render()
    config = apply(config, "ip prefix-list PL", "permit 192.168.0.0/16")
    assert "   seq 30 permit 192.168.0.0/16\n" in config.render()


def test_interface_names_are_canonical():
    config = apply(Config(), "interface et3", "description short name", "no interface ethernet3")
    assert config.render() == "interface Ethernet3\n!\n"  # physical interfaces return to defaults


@pytest.mark.parametrize(("line", "error"), [
    ("frobnicate now", "Invalid input (at token 0: 'frobnicate')"),
    ("ip prefix-list PL seq 10 permit 10.0.0.300/8", "Invalid input (at token 5: '10.0.0.300/8')"),
    ("interface Serial0", "Invalid input (at token 1: 'Serial0')"),
    ("router bgp 65001", "BGP is already running with AS number 65000"),
])
def test_refused_commands(line, error):
    with pytest.raises(ConfigError) as raised:
        apply(Config.from_text(POLICY), line)
    assert str(raised.value) == error


def test_unified_diff_names_running_and_session_config():
    before = Config.from_text(POLICY)
    after = apply(before.copy(), "route-map RM permit 10", "set local-preference 250")
    lines = unified_diff(before.render(), after.render(), "napalm_1").splitlines()
    assert lines[:2] == ["--- system:/running-config", "+++ session:/napalm_1-session-config"]
    assert [line for line in lines[2:] if line[:1] in "+-"] == ["-   set local-preference 200",
                                                                 "+   set local-preference 250"]
    assert unified_diff(before.render(), before.render(), "napalm_1") == ""


NAMES = st.sampled_from(["A", "B", "TRANSIT"])
COMMANDS = st.one_of(
    st.builds("hostname r{}".format, st.integers(1, 9)),
    st.builds("interface Ethernet{}".format, st.integers(1, 12)),
    st.builds("description link {}".format, st.integers(1, 9)),
    st.just("shutdown"),
    st.builds("ip prefix-list {} seq {} permit 10.{}.0.0/16".format, NAMES, st.integers(1, 50), st.integers(0, 9)),
    st.builds("route-map {} {} {}".format, NAMES, st.sampled_from(["permit", "deny"]), st.integers(1, 40)),
    st.builds("set local-preference {}".format, st.integers(0, 500)),
    st.builds("match ip address prefix-list {}".format, NAMES),
    st.just("router bgp 65000"),
    st.builds("neighbor 192.0.2.{} remote-as {}".format, st.integers(1, 9), st.integers(64512, 64520)),
    st.builds("neighbor 192.0.2.{} route-map {} in".format, st.integers(1, 9), NAMES),
    st.builds("no neighbor 192.0.2.{}".format, st.integers(1, 9)),
    st.just("address-family ipv4"),
    st.builds("neighbor 192.0.2.{} activate".format, st.integers(1, 9)),
    st.just("exit"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(COMMANDS, max_size=25))
def test_rendered_config_reparses_to_itself_indented_or_flat(commands):
    config = Config()
    editor = Editor(config)
    for command in commands:
        try:
            editor.apply(command) if command != "exit" else editor.exit()
        except ConfigError:
            pass  # e.g. `shutdown` at the top level: refused, as on EOS
    text = config.render()
    assert Config.from_text(text).render() == text
    assert Config.from_text(flat(text)).render() == text


def test_banner_body_is_kept_verbatim_up_to_eof():
    config = Config.from_text("hostname r1\nbanner motd\nAuthorised use only\n  ! not a comment\nEOF\n")
    assert config.render() == "hostname r1\n!\nbanner motd\nAuthorised use only\n  ! not a comment\nEOF\n!\n"
    assert Config.from_text(config.render()).render() == config.render()


def test_a_config_recorded_from_a_real_switch_is_understood(recorded):
    # napalm's fixture lost its indentation, so it is read flat, as napalm would send it
    real = recorded("show_startup_config.text")
    lines = [line.strip() for line in real.splitlines()]
    statements = {line for line in lines if line and not line.startswith("!") and line != "end"}
    rendered = {line.strip() for line in Config.from_text(flat(real)).render().splitlines()}
    assert statements <= rendered


def test_legacy_peer_group_spelling_is_shown_in_the_current_one():
    config = apply(Config(), "router bgp 65000", "neighbor EDGE peer-group", "neighbor 192.0.2.1 peer-group EDGE")
    assert config.render() == ("router bgp 65000\n   neighbor EDGE peer group\n"
                               "   neighbor 192.0.2.1 peer group EDGE\n!\n")


DUAL_STACK = """\
router bgp 65000
   neighbor 2001:db8::2 remote-as 65002
   neighbor 192.0.2.1 remote-as 65001
   !
   address-family ipv6
      neighbor 2001:db8::2 prefix-list V6-OUT out
      network 2001:db8:100::/48
      neighbor 2001:db8::2 activate
   !
   address-family ipv4
      no neighbor 2001:db8::2 activate
      neighbor 192.0.2.1 activate
"""


def test_dual_stack_bgp_is_shown_in_eos_order():
    # neighbors IPv4 first; address families ipv4 before ipv6; in a family a neighbor's activation (either
    # way) leads its lines, neighbors by address, then the networks
    assert Config.from_text(DUAL_STACK).render() == """\
router bgp 65000
   neighbor 192.0.2.1 remote-as 65001
   neighbor 2001:db8::2 remote-as 65002
   !
   address-family ipv4
      neighbor 192.0.2.1 activate
      no neighbor 2001:db8::2 activate
   !
   address-family ipv6
      neighbor 2001:db8::2 activate
      neighbor 2001:db8::2 prefix-list V6-OUT out
      network 2001:db8:100::/48
!
"""
    assert Config.from_text(flat(DUAL_STACK)).render() == Config.from_text(DUAL_STACK).render()


def test_neighbor_activation_is_kept_either_way_until_defaulted():
    config = Config.from_text(DUAL_STACK)
    apply(config, "router bgp 65000", "address-family ipv4", "neighbor 2001:db8::2 activate")
    assert "      neighbor 2001:db8::2 activate\n   !\n   address-family ipv6" in config.render()
    apply(config, "router bgp 65000", "address-family ipv4", "no neighbor 2001:db8::2 activate")
    assert "      no neighbor 2001:db8::2 activate\n" in config.render()
    apply(config, "router bgp 65000", "address-family ipv4", "default neighbor 2001:db8::2 activate")
    assert "address-family ipv4\n      neighbor 192.0.2.1 activate\n   !\n" in config.render()


def test_removing_a_neighbor_removes_it_from_its_address_families():
    config = apply(Config.from_text(DUAL_STACK), "router bgp 65000", "no neighbor 2001:db8::2")
    assert "2001:db8::2" not in config.render()
    assert "      network 2001:db8:100::/48\n" in config.render()


def test_interface_ipv6_addresses_are_canonical_and_several():
    config = apply(Config(), "interface Ethernet1", "no switchport", "ip address 192.0.2.0/31",
                   "ipv6 address 2001:DB8:0:0::1/64", "ipv6 address 2001:db8:1::1/126", "ipv6 address 2001:db8::1/64")
    assert config.render() == ("interface Ethernet1\n   no switchport\n   ip address 192.0.2.0/31\n"
                               "   ipv6 address 2001:db8::1/64\n   ipv6 address 2001:db8:1::1/126\n!\n")
    apply(config, "interface Ethernet1", "no ipv6 address 2001:DB8:1::1/126")
    assert "2001:db8:1::1" not in config.render() and "2001:db8::1/64" in config.render()
    apply(config, "interface Ethernet1", "no ipv6 address")
    assert "ipv6" not in config.render()


@pytest.mark.parametrize("line", ["ipv6 address 192.0.2.1/31", "ipv6 address fe80::1/64", "ipv6 address 2001:db8::1/129"])
def test_an_interface_refuses_what_is_no_ipv6_interface_address(line):
    with pytest.raises(ConfigError, match="Invalid input"):
        apply(Config(), "interface Ethernet1", line)
