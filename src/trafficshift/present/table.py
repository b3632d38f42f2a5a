"""Plans and runs as text for humans: the elements that matter with utilization before -> after, every action
with its reason, per-router diffs and outcomes. Backs the `traffic` Salt outputter (salt-run traffic.plan,
apply, rebalance, rollback, freeze, history) and the demo."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import yaml

from trafficshift.model.plan import Intent, Plan, Utilization


def _pct(value: float) -> str:
    return "failed" if value == math.inf else f"{value * 100:5.1f}%"


def _shown(util: Utilization, threshold: float) -> bool:
    # an element worth a line: loaded enough to matter, or changed by the plan
    return max(util.before, util.after) >= threshold or abs(util.after_bps - util.before_bps) > 0.5


def _label(intent: Intent) -> str:
    if intent.kind == "detour":
        return f"detour {intent.prefix} in"
    if intent.kind == "prepend":
        return f"prepend {intent.count}x {intent.pool}"
    return f"withdraw {intent.pool}"


def _actions_by_element(plan: Plan) -> dict[str, list[str]]:
    by_element: dict[str, list[str]] = {}
    for intent in plan.intents:
        by_element.setdefault(f"{intent.router}:{intent.link}", []).append(_label(intent))
        if intent.kind == "detour":
            by_element.setdefault(intent.from_link, []).append(f"detour {intent.prefix} out")
    return by_element


def format_plan(plan: Plan, *, threshold: float = 0.8) -> str:
    """The plan table. `threshold`: show elements at or above this utilization (and all that change)."""
    by_element = _actions_by_element(plan)
    rows = [("kind", "element", "before", "after", "action")]
    for kind, utils in (("site", plan.sites), ("link", plan.links)):
        for util in utils:
            if _shown(util, threshold) or util.id in by_element:
                actions = by_element.get(util.id, [])
                rows.append((kind, util.id, _pct(util.before), _pct(util.after),
                             "; ".join(actions[:3]) + (f" (+{len(actions) - 3})" if len(actions) > 3 else "")))
    widths = [max(len(row[col]) for row in rows) for col in range(4)]
    lines = [f"plan status: {plan.status}   intents: {len(plan.intents)}   "
             f"traffic moved: {plan.moved_bps / 1e9:.1f} Gbit/s"]
    if plan.status == "partial":
        lines.append("partial relief: an overloaded link or site stays above target (the refusals below name it "
                     "and the guard rail or the lack of room that stopped it); the plan applies what it can")
    if len(rows) == 1:
        lines.append(f"(no link or site at or above {threshold:.0%}, nothing changes)")
    else:
        for row in rows:
            lines.append("  ".join(cell.ljust(widths[col]) if col < 4 else cell for col, cell in enumerate(row)).rstrip())
    if plan.actions:
        lines.append("actions:")
        for action in plan.actions:
            rail = f" [{action.guard_rail}]" if action.guard_rail else ""
            lines.append(f"  {action.verb}{rail}: {action.reason}")
    return "\n".join(lines)


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line for line in text.splitlines()]


def _diffs(diffs: dict[str, str]) -> list[str]:
    changing = {router: diff for router, diff in sorted(diffs.items()) if diff}
    unchanged = sorted(router for router, diff in diffs.items() if not diff)
    lines = ["router diffs (read from the routers, then discarded):" if changing else "router diffs: none"]
    for router, diff in changing.items():
        lines.append(f"  --- {router}")
        lines += _indent(diff)
    if unchanged:
        lines.append(f"  unchanged: {', '.join(unchanged)}")
    return lines


def _outcomes(data: dict) -> list[str]:
    outcomes = data["outcomes"]
    unchanged = sorted(router for router, o in outcomes.items() if o.get("outcome") == "unchanged")
    rows = [("router", "outcome", "step", "error")]
    rows += [(router, o.get("outcome", ""), o.get("step") or "", (o.get("error") or "").splitlines()[0][:100]
              if o.get("error") else "") for router, o in sorted(outcomes.items()) if router not in unchanged]
    widths = [max(len(row[col]) for row in rows) for col in range(3)]
    lines = [f"run {data.get('run', '?')}: {data.get('status', '?')}"]
    if len(rows) > 1:
        lines += ["  " + "  ".join(cell.ljust(widths[col]) if col < 3 else cell for col, cell in enumerate(row)).rstrip()
                  for row in rows]
    if unchanged:
        lines.append(f"  unchanged: {', '.join(unchanged)}")
    for router, outcome in sorted(outcomes.items()):
        if outcome.get("diff"):
            lines.append(f"  --- {router} committed:")
            lines += _indent(outcome["diff"])
    return lines


def _runs(runs: list[dict]) -> str:
    rows = [("run", "kind", "trigger", "status", "started (UTC)", "took")]
    for run in runs:
        started, finished = run.get("started"), run.get("finished")
        when = datetime.fromtimestamp(started, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if started else "?"
        took = f"{finished - started:.1f}s" if started and finished else "-"
        rows.append((str(run.get("id")), str(run.get("kind")), str(run.get("trigger")), str(run.get("status")),
                     when, took))
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines += [f"  {run['id']}: {run['note']}" for run in runs if run.get("note")]
    return "\n".join(lines)


def format_runner_return(data: Any) -> str:
    """What `salt-run traffic.*` prints: errors first and alone, then the plan table, diffs, outcomes, and
    whatever else the function returned as YAML."""
    if isinstance(data, list) and data and all(isinstance(run, dict) and "id" in run for run in data):
        return _runs(data)  # traffic.history
    if not isinstance(data, dict):
        return yaml.safe_dump(data, default_flow_style=False, sort_keys=False).rstrip()
    if set(data) == {"suffix", "event"} and isinstance(data["event"], dict) and "message" in data["event"]:
        return str(data["event"]["message"])  # a progress line of a run in progress
    if data.get("result") is False and "error" in data:
        return f"ERROR: {data['error']}"
    if set(data) == {"result", "path", "run"}:
        return f"report of {data['run']} written to {data['path']}"  # traffic.report
    lines: list[str] = []
    plan = data.get("plan") if isinstance(data.get("plan"), dict) and "table" in data["plan"] else data
    if "table" in plan:
        lines.append(plan["table"])
    if data.get("skipped"):
        lines.append(f"skipped: {data['skipped']}")
    if isinstance(data.get("diffs"), dict):
        lines += _diffs(data["diffs"])
    if isinstance(data.get("outcomes"), dict):
        lines += _outcomes(data)
    if data.get("message"):
        lines.append(str(data["message"]))  # the run's one line for the operator, last so it is seen
    if not lines:
        return yaml.safe_dump(data, default_flow_style=False, sort_keys=False).rstrip()
    return "\n".join(lines)
