"""The human plan table: loaded or changed elements with before -> after and their actions, then reasons."""
from trafficshift.model.plan import Action, Detour, Plan, Prepend, Utilization, intent_to_dict
from trafficshift.present.table import format_plan, format_runner_return

DETOUR = Detour(router="r2", link="Ethernet1", prefix="198.51.100.0/24", from_link="r1:et-0/0/0", local_pref=200)
PREPEND = Prepend(router="r1", link="et-0/0/1", pool="web", count=2)


def test_table_lists_overloaded_and_changed_elements_with_actions_and_reasons():
    plan = Plan(
        created=1.0, status="ok", intents=(DETOUR, PREPEND), moved_bps=12_000_000_000,
        links=(Utilization("r1:et-0/0/0", 100e9, 95e9, 83e9), Utilization("r2:Ethernet1", 100e9, 40e9, 52e9),
               Utilization("r3:et-0/0/0", 100e9, 10e9, 10e9)),
        sites=(Utilization("ams01", 400e9, 370e9, 340e9),),
        actions=(Action("add", "detour 198.51.100.0/24 off r1:et-0/0/0", intent_to_dict(DETOUR)),
                 Action("refuse", "would exceed the per-cycle cap", guard_rail="max_moved_fraction")),
    )
    lines = format_plan(plan).splitlines()
    assert lines[0] == "plan status: ok   intents: 2   traffic moved: 12.0 Gbit/s"
    rows = {line.split()[1]: line for line in lines[2:] if line.startswith(("link", "site"))}
    assert set(rows) == {"ams01", "r1:et-0/0/0", "r2:Ethernet1"}, "idle, unchanged r3 is left out"
    assert "95.0%   83.0%" in rows["r1:et-0/0/0"] and "detour 198.51.100.0/24 out" in rows["r1:et-0/0/0"]
    assert "40.0%   52.0%" in rows["r2:Ethernet1"] and "detour 198.51.100.0/24 in" in rows["r2:Ethernet1"]
    assert "  refuse [max_moved_fraction]: would exceed the per-cycle cap" in lines
    assert "  add: detour 198.51.100.0/24 off r1:et-0/0/0" in lines


def test_a_partial_plan_says_under_its_status_that_an_element_stays_above_target():
    plan = Plan(created=1.0, status="partial", intents=(DETOUR,), moved_bps=4_000_000_000,
                links=(Utilization("r1:et-0/0/0", 100e9, 99e9, 95e9),),
                actions=(Action("refuse", "r1:et-0/0/0 stays at 95.0% (was 99.0%), above the target 80%: blocked by "
                                "max_moved_fraction", guard_rail="max_moved_fraction"),))
    lines = format_plan(plan).splitlines()
    assert lines[0].startswith("plan status: partial")
    assert lines[1].startswith("partial relief: an overloaded link or site stays above target")
    assert "  refuse [max_moved_fraction]: r1:et-0/0/0 stays at 95.0% (was 99.0%), above the target 80%: blocked " \
           "by max_moved_fraction" in lines
    assert not format_plan(Plan(created=1.0, status="ok")).splitlines()[1].startswith("partial")


def test_table_says_when_nothing_is_loaded():
    plan = Plan(created=1.0, status="ok", links=(Utilization("r1:et-0/0/0", 100e9, 10e9, 10e9),))
    assert "nothing changes" in format_plan(plan)


def _plan_return():
    plan = Plan(created=1.0, status="ok", intents=(DETOUR,), moved_bps=12_000_000_000,
                links=(Utilization("r1:et-0/0/0", 100e9, 95e9, 83e9),))
    return {"result": True, "status": plan.status, "intents": [intent_to_dict(DETOUR)], "table": format_plan(plan)}


def test_runner_output_shows_plan_table_then_each_changing_router_diff_and_the_unchanged_ones():
    data = {**_plan_return(), "diffs": {"r2": "+ route-map TS-IN-Ethernet1 permit 10", "r1": "", "r3": ""}}
    lines = format_runner_return(data).splitlines()
    assert lines[0].startswith("plan status: ok")
    assert lines.index("  --- r2") < lines.index("    + route-map TS-IN-Ethernet1 permit 10")
    assert lines[-1] == "  unchanged: r1, r3"


def test_runner_output_shows_run_outcomes_with_the_failing_step_and_first_error_line():
    data = {"run": "20261127T0600-1", "result": False, "status": "rolled-back", "plan": _plan_return(),
            "outcomes": {"r2": {"outcome": "failed", "step": "apply", "error": "commit refused\nsecond line"},
                         "r1": {"outcome": "rolled-back", "diff": "+ x"}, "r3": {"outcome": "unchanged"},
                         "r4": {"outcome": "unchanged"}}}
    text = format_runner_return(data)
    assert text.startswith("plan status: ok")
    lines = text.splitlines()
    assert "run 20261127T0600-1: rolled-back" in lines
    row = next(line for line in lines if line.lstrip().startswith("r2"))
    assert row.split()[:4] == ["r2", "failed", "apply", "commit"] and "second line" not in text
    assert "  --- r1 committed:" in lines
    assert "  unchanged: r3, r4" in lines and not any(line.lstrip().startswith("r3") for line in lines)
    with_message = format_runner_return({**data, "message": "apply x: rolled-back: r2: apply failed: refused"})
    assert with_message.splitlines()[-1] == "apply x: rolled-back: r2: apply failed: refused"


def test_runner_output_puts_an_error_alone_and_other_returns_as_yaml():
    assert format_runner_return({"result": False, "retcode": 1, "error": "fleet lock held by x"}) == \
        "ERROR: fleet lock held by x"
    assert format_runner_return({"result": True, "skipped": "frozen"}) == "skipped: frozen"
    assert format_runner_return({"result": True, "path": "/tmp/r.html", "run": "plan-1"}) == \
        "report of plan-1 written to /tmp/r.html"
    assert format_runner_return({"result": True, "controls": []}) == "result: true\ncontrols: []"


def test_runner_output_prints_a_progress_event_as_its_message_line():
    event = {"suffix": "progress", "event": {"message": "stage 1/3: r1", "outputter": "traffic", "_stamp": "x"}}
    assert format_runner_return(event) == "stage 1/3: r1"


def test_runner_output_shows_history_as_one_row_per_run_with_notes_below():
    runs = [{"id": "20261127T0700-2", "kind": "apply", "trigger": "alert", "status": "applied",
             "started": 1795762800.0, "finished": 1795762812.5, "note": None},
            {"id": "20261127T0600-1", "kind": "apply", "trigger": "operator", "status": "abandoned",
             "started": 1795759200.0, "finished": None, "note": "runner died before confirm"}]
    lines = format_runner_return(runs).splitlines()
    assert lines[0].split() == ["run", "kind", "trigger", "status", "started", "(UTC)", "took"]
    assert lines[1].split() == ["20261127T0700-2", "apply", "alert", "applied", "2026-11-27", "07:00:00", "12.5s"]
    assert lines[2].split()[-1] == "-"
    assert lines[3] == "  20261127T0600-1: runner died before confirm"
