"""A plan as text for humans: the elements that matter with utilization before -> after, then every action
with its reason. Used by the demo and, later, by the Salt outputter."""
from __future__ import annotations

from trafficshift.plan import Intent, Plan, Utilization


def _pct(value: float) -> str:
    return f"{value * 100:5.1f}%"


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
