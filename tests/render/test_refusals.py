"""What the renderer refuses before any template runs: intents the network or the vendor cannot carry,
and structures the lint finds unsafe. Each refusal is a RenderError/LintError with a message saying why."""
from __future__ import annotations

import dataclasses

import jinja2
import jinja2.meta
import pytest

from render_network import GOLDEN_ROUTER, NETWORK, case_intents, plan_of
from trafficshift.errors import LintError, RenderError
from trafficshift.render.lint import lint
from trafficshift.model import Link
from trafficshift.model.plan import Detour, Prepend, Withdraw
from trafficshift.render import VENDORS, generator, render_baseline, render_router, render_shift
from trafficshift.render.base import TEMPLATE_ROOT
from trafficshift.render.structure import MARKER_COMMUNITY, Term, build

JUNOS, EOS = GOLDEN_ROUTER["junos"], GOLDEN_ROUTER["eos"]


def detour(link="et-0/0/1", prefix="100.64.0.0/16", local_pref=200, router=JUNOS):
    return Detour(router=router, link=link, prefix=prefix, from_link=f"{router}:et-0/0/0", local_pref=local_pref)


@pytest.mark.parametrize("intents, message", [
    ((detour(link="et-0/0/9"),), "has no link on interface 'et-0/0/9'"),
    ((detour(prefix="100.64.0.1/16"),), "not a valid prefix"),
    ((detour(), detour(prefix="100.65.0.0/16", local_pref=300)), "must share one local_pref"),
    ((detour(), detour()), "duplicate"),
    ((Prepend(router=JUNOS, link="et-0/0/0", pool="web", count=4),), r"count must be an integer in 1\.\.3"),
    ((Prepend(router=JUNOS, link="et-0/0/0", pool="web", count=0),), r"count must be an integer in 1\.\.3"),
    ((Prepend(router=JUNOS, link="et-0/0/0", pool="nope", count=1),), "pool 'nope' is not announced at site ams01"),
    ((Prepend(router=JUNOS, link="et-0/0/0", pool="web", count=1), Withdraw(router=JUNOS, link="et-0/0/0", pool="web")),
     "both prepended and withdrawn"),
])
def test_intents_the_network_cannot_carry_are_refused(intents, message):
    with pytest.raises(RenderError, match=message):
        render_shift(NETWORK, JUNOS, intents)


def test_a_pool_announced_elsewhere_is_refused():
    with pytest.raises(RenderError, match="pool 'video' is not announced at site fra01"):
        render_shift(NETWORK, "fra01-r1", (Withdraw(router="fra01-r1", link="Ethernet1", pool="video"),))


def test_another_vendors_interface_name_is_refused_before_rendering():
    router = NETWORK.routers[JUNOS]
    links = {**router.links, "Ethernet1": router.links["et-0/0/0"]}
    router = router.model_copy(update={"links": links})
    network = NETWORK.model_copy(update={"routers": {**NETWORK.routers, JUNOS: router}})
    with pytest.raises(RenderError, match="'Ethernet1' is not a junos interface name"):
        render_baseline(network, JUNOS)


def _with_link(router: str, interface: str, **changes):
    """NETWORK with one link replaced by an unvalidated copy carrying `changes`."""
    link = NETWORK.routers[router].links[interface]
    bad = Link.model_construct(**{**dict(link), **changes})
    routers = {**NETWORK.routers, router: NETWORK.routers[router].model_copy(
        update={"links": {**NETWORK.routers[router].links, interface: bad}})}
    return NETWORK.model_copy(update={"routers": routers})


@pytest.mark.parametrize("changes, message", [
    ({"neighbor": "2001:db8::1"}, r"links:Ethernet1:local_address: '192.0.2.8/31' is not an IPv6 interface address"),
    ({"local_address": "2001:db8::/127"}, r"links:Ethernet1:local_address: '2001:db8::/127' is not an IPv4 interface"),
    ({"neighbor6": "192.0.2.99"}, r"links:Ethernet1:neighbor6: '192.0.2.99' is not an IPv6 address"),
    ({"neighbor": "2001:db8::1", "local_address": None, "neighbor6": "2001:db8::5"},
     "links:Ethernet1:neighbor6: not allowed when neighbor is IPv6"),
    ({"local_address6": "2001:db8::1/64"}, "links:Ethernet1:local_address6: only with neighbor6"),
    ({"neighbor6": "2001:db8::2", "local_address6": "192.0.2.100/31"},
     r"links:Ethernet1:local_address6: '192.0.2.100/31' is not an IPv6 interface address"),
    ({"neighbor": "not-an-address"}, "links:Ethernet1:neighbor: 'not-an-address' is not a valid IP address"),
])
def test_sessions_whose_addresses_do_not_fit_their_family_are_refused(changes, message):
    """What the model refuses (a link built without validation), the renderer refuses again."""
    with pytest.raises(RenderError, match=message):
        render_baseline(_with_link(EOS, "Ethernet1", **changes), EOS)


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_a_session_family_the_vendor_does_not_render_is_refused_before_rendering(vendor, monkeypatch):
    # the generator declares the families it renders; anything else never reaches a template
    monkeypatch.setattr(VENDORS[vendor], "address_families", frozenset({4}))
    router = {"junos": "par01-r1", "eos": "par01-r2"}[vendor]
    interface = sorted(NETWORK.routers[router].links)[1]  # the dual-stack link
    monkeypatch.setattr(VENDORS[vendor], "render_template", lambda *args, **kwargs: pytest.fail("rendered"))
    with pytest.raises(RenderError, match=f"links:{interface}:neighbor6: {vendor} does not support IPv6 sessions"):
        render_baseline(NETWORK, router)


def test_ipv6_sessions_and_interface_addresses_render():
    link = NETWORK.routers[EOS].links["Ethernet1"]
    v6 = Link(**{**link.model_dump(), "neighbor": "2001:db8::1", "local_address": "2001:db8::/127"})
    router = NETWORK.routers[EOS].model_copy(update={"links": {"Ethernet1": v6}})
    network = NETWORK.model_copy(update={"routers": {**NETWORK.routers, EOS: router}})
    text = render_baseline(network, EOS)
    assert "   ipv6 address 2001:db8::/127\n" in text and "      neighbor 2001:db8::1 activate\n" in text
    assert "ip address" not in text


def test_a_router_id_stays_ipv4():
    router = NETWORK.routers[JUNOS].model_construct(**{**dict(NETWORK.routers[JUNOS]), "router_id": "2001:db8::1"})
    network = NETWORK.model_copy(update={"routers": {**NETWORK.routers, JUNOS: router}})
    with pytest.raises(RenderError, match="a router-id is an IPv4 address"):
        render_baseline(network, JUNOS)


def test_unknown_router_and_vendor_mismatch_are_refused():
    with pytest.raises(RenderError, match="unknown router 'nope'"):
        render_router(NETWORK, "nope", plan_of(()))
    with pytest.raises(RenderError, match="runs eos, not junos"):
        build(NETWORK, EOS, (), generator("junos"))
    with pytest.raises(RenderError, match="unknown vendor 'ios'"):
        generator("ios")


def test_other_routers_intents_are_left_to_their_router():
    other = Prepend(router=EOS, link="Ethernet1", pool="web", count=3)
    assert render_shift(NETWORK, JUNOS, (other,)) == render_shift(NETWORK, JUNOS, ())


def test_both_vendors_have_the_same_templates_with_the_same_variables():
    env = jinja2.Environment()
    found = {}
    for vendor in VENDORS:
        for path in sorted((TEMPLATE_ROOT / vendor).glob("*.j2")):
            found.setdefault(path.name, {})[vendor] = jinja2.meta.find_undeclared_variables(env.parse(path.read_text()))
    assert sorted(found) == ["baseline.j2", "shift.j2"]
    assert all(variables == {vendor: {"cfg"} for vendor in VENDORS} for variables in found.values())


def test_a_template_error_names_the_template_and_the_variable(tmp_path):
    (tmp_path / "baseline.j2").write_text("system {\n    host-name {{ cfg.no_such_field }};\n}\n")
    with pytest.raises(RenderError, match=r"junos/baseline.j2.*no_such_field.*baseline.j2:2"):
        render_baseline(NETWORK, JUNOS, template_dir=tmp_path)


# -- lint ------------------------------------------------------------------------------------------------
def test_draining_a_whole_site_needs_drained_sites():
    intents, drained = case_intents("junos")["drain"]
    assert drained == ("ams01",)
    with pytest.raises(LintError, match="site ams01: the plan withdraws every pool"):
        render_shift(NETWORK, JUNOS, intents)


def test_withdrawing_everything_on_one_router_of_a_site_is_no_drain():
    only_r1 = tuple(i for i in case_intents("junos")["drain"][0] if i.router == JUNOS)
    assert "then reject" in render_shift(NETWORK, JUNOS, only_r1)


def _mixed_cfg():
    return build(NETWORK, JUNOS, case_intents("junos")["mixed"][0], generator("junos"))


def _with_policy_terms(cfg, name, terms):
    return dataclasses.replace(cfg, policies=tuple(dataclasses.replace(p, terms=terms) if p.name == name else p
                                                   for p in cfg.policies))


def _policy(cfg, name):
    return next(p for p in cfg.policies if p.name == name)


def test_the_renderer_output_passes_its_own_lint():
    lint(_mixed_cfg(), NETWORK, case_intents("junos")["mixed"][0])


@pytest.mark.parametrize("breakage, message", [
    (lambda terms: (terms[1], terms[0], *terms[2:]), "terminal reject term before a modifying term"),
    (lambda terms: terms[:-1], "must end in exactly one unconditional pass-through"),
    (lambda terms: (terms[0], dataclasses.replace(terms[1], match_list=None), *terms[2:]), "unconditional reject"),
    (lambda terms: (dataclasses.replace(terms[0], community=MARKER_COMMUNITY), *terms[1:]),
     "adds community TS-MARKER to routes sent to an eBGP neighbor"),
    (lambda terms: (dataclasses.replace(terms[0], strip_community=None), *terms[1:]),
     "term PREPEND-web: sends routes to an eBGP neighbor without removing the marker community"),
    (lambda terms: (*terms[:-1], dataclasses.replace(terms[-1], strip_community=None)),
     "term PASS: sends routes to an eBGP neighbor without removing the marker community"),
    (lambda terms: (dataclasses.replace(terms[0], match_list="POOL-gone"), *terms[1:]),
     "IPv4 prefix-list POOL-gone is not defined"),
    (lambda terms: (dataclasses.replace(terms[0], family=6), *terms[1:]), "IPv6 prefix-list POOL-web is not defined"),
    (lambda terms: (dataclasses.replace(terms[0], community="TS-GONE"), *terms[1:]),
     "community TS-GONE is not defined"),
    (lambda terms: (*terms[:-1], dataclasses.replace(terms[-1], seq=terms[-2].seq)),
     "sequence numbers not strictly increasing"),
])
def test_lint_refuses_unsafe_policies(breakage, message):
    cfg = _mixed_cfg()
    terms = _policy(cfg, "TS-OUT-et-0-0-0").terms
    assert [t.action for t in terms] == ["modify", "reject", "pass"]  # PREPEND-web, WITHDRAW-dns (IPv4 link), PASS
    with pytest.raises(LintError, match=message):
        lint(_with_policy_terms(cfg, "TS-OUT-et-0-0-0", breakage(terms)), NETWORK, ())


def test_lint_refuses_an_import_term_that_modifies_without_the_marker():
    cfg = _mixed_cfg()
    name = next(p.name for p in cfg.policies if p.direction == "import" and p.terms[0].action == "modify")
    terms = _policy(cfg, name).terms
    with pytest.raises(LintError, match=f"policy {name} term DETOUR: modifies routes without the marker community"):
        lint(_with_policy_terms(cfg, name, (dataclasses.replace(terms[0], community=None), *terms[1:])), NETWORK, ())


def test_lint_refuses_a_managed_object_without_the_prefix():
    cfg = _mixed_cfg()
    renamed = tuple(dataclasses.replace(p, name="OUT-et-0-0-0") if p.name == "TS-OUT-et-0-0-0" else p
                    for p in cfg.policies)
    with pytest.raises(LintError) as caught:
        lint(dataclasses.replace(cfg, policies=renamed), NETWORK, ())
    assert "object OUT-et-0-0-0: managed object without the TS- prefix" in str(caught.value)
    assert "policy TS-OUT-et-0-0-0 is not defined" in str(caught.value)


def test_lint_reports_every_problem_at_once():
    cfg = _mixed_cfg()
    broken = _with_policy_terms(cfg, "TS-OUT-et-0-0-0", (Term("X", 10, "reject"),))
    with pytest.raises(LintError) as caught:
        lint(broken, NETWORK, ())
    assert str(caught.value).splitlines() == [
        "ams01-r1: 2 lint problem(s):",
        "policy TS-OUT-et-0-0-0: must end in exactly one unconditional pass-through term",
        "policy TS-OUT-et-0-0-0 term X: unconditional reject"]
