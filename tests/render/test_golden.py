"""Golden files: every case renders to exactly tests/golden/<vendor>/<case>.conf: the IPv4 golden routers'
cases, and `dualstack-<case>` for the dual-stack golden routers (IPv4, dual-stack and IPv6-only links).

On a mismatch the test writes `<case>.conf.actual` next to the golden file and fails; review it with
`diff`, then regenerate every golden file with `TRAFFICSHIFT_REGOLD=1 pytest tests/render/test_golden.py`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from render_network import DUALSTACK_ROUTER, GOLDEN_ROUTER, NETWORK, case_intents, dualstack_case_intents, plan_of
from trafficshift.render import render_baseline, render_router, render_shift

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
DUALSTACK = "dualstack-"
CASES = ["baseline", *case_intents("junos"), f"{DUALSTACK}baseline",
         *(DUALSTACK + case for case in dualstack_case_intents("junos"))]


def rendered(vendor: str, case: str) -> str:
    router, cases = GOLDEN_ROUTER[vendor], case_intents
    if case.startswith(DUALSTACK):
        router, cases, case = DUALSTACK_ROUTER[vendor], dualstack_case_intents, case.removeprefix(DUALSTACK)
    if case == "baseline":
        return render_baseline(NETWORK, router)
    intents, drained = cases(vendor)[case]
    return render_shift(NETWORK, router, intents, drained)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_rendering_matches_golden_file(vendor, case):
    golden = GOLDEN / vendor / f"{case}.conf"
    actual = golden.with_name(golden.name + ".actual")
    text = rendered(vendor, case)
    if os.environ.get("TRAFFICSHIFT_REGOLD") == "1":
        golden.write_text(text)
    if not golden.exists() or golden.read_text() != text:
        actual.write_text(text)
        pytest.fail(f"{golden} differs from the rendering; see {actual} (regenerate: TRAFFICSHIFT_REGOLD=1)")
    actual.unlink(missing_ok=True)


@pytest.mark.parametrize("golden", [GOLDEN_ROUTER, DUALSTACK_ROUTER], ids=["ipv4", "dualstack"])
@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_rendering_twice_gives_identical_bytes(vendor, golden):
    router = golden[vendor]
    intents, _ = (case_intents if golden is GOLDEN_ROUTER else dualstack_case_intents)(vendor)["mixed"]
    assert render_shift(NETWORK, router, intents) == render_shift(NETWORK, router, tuple(reversed(intents)))
    assert render_baseline(NETWORK, router) == render_baseline(NETWORK, router)


@pytest.mark.parametrize("golden", [GOLDEN_ROUTER, DUALSTACK_ROUTER], ids=["ipv4", "dualstack"])
@pytest.mark.parametrize("vendor", sorted(GOLDEN_ROUTER))
def test_router_config_is_baseline_then_shift_block(vendor, golden):
    router = golden[vendor]
    intents, _ = (case_intents if golden is GOLDEN_ROUTER else dualstack_case_intents)(vendor)["mixed"]
    assert render_router(NETWORK, router, plan_of(intents)) == (
        render_baseline(NETWORK, router) + render_shift(NETWORK, router, intents))
