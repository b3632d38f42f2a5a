"""One self-contained HTML page for a run or a plan (`salt-run traffic.report [ID]`).

Input is a history record as the runner stores it (trafficshift.fleet.store: kind, trigger, started, finished,
status, plan as Plan.to_dict, outcomes per router with diff/step/error, note, inputs snapshot), or the record
`plan_record` builds for a plan that was computed and not applied (kind "plan", each router's diff).

The page: a header (id, kind, trigger, status, times), a horizontal bar chart per link and per site of
utilization before vs after the plan with the policy's target-utilization line (inline SVG, drawn here), the
planner's actions with reasons and guard rails, the plan's intents, and per router its outcome, error and
diff (collapsible).

Self-contained and safe to open anywhere: no script, no external URL (a Content-Security-Policy meta tag
forbids loading anything), inline CSS. Every value goes through Jinja's autoescape, device-provided text
(diffs, errors) included. Deterministic: the same record gives the same bytes; the only times shown are the
record's own. The record carries no credentials and the page shows only the fields named here (the inputs
snapshot is read for the policy's thresholds, never dumped).
"""
from __future__ import annotations

import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import jinja2

from trafficshift.model import Policy

#: chart geometry, px
LABEL_W = 190  # element names, right-aligned
PLOT_W = 480  # 0 .. x_max of utilization
VALUE_W = 130  # "97.0% -> 72.8%"
ROW_H = 30  # one element: the before bar above the after bar
BAR_H = 11
TOP = 30  # tick labels and the target line's label
BOTTOM = 8

OK_STATUSES = {"ok", "applied", "no-change", "confirmed", "unchanged"}
BAD_STATUSES = {"error", "failed", "rolled-back", "rollback-failed", "abandoned", "fail-static", "refused",
                "circuit-breaker", "reverted-by-routers", "reverted-by-router", "unknown"}


def _default(name: str) -> float:
    return float(Policy.model_fields[name].default)


def _policy_value(record: Mapping, name: str) -> float:
    policy = ((record.get("inputs") or {}).get("network") or {}).get("policy") or {}
    value = policy.get(name)
    return float(value) if isinstance(value, (int, float)) else _default(name)


def _when(epoch: Any) -> str:
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        return "-"
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _pct(value: float) -> str:
    return "failed" if value == math.inf else f"{value * 100:.1f}%"


def _gbps(bps: Any) -> str:
    return f"{float(bps) / 1e9:.1f} Gbit/s" if isinstance(bps, (int, float)) else "-"


def _ratio(used: float, capacity: float) -> float:
    """Utilization; a failed link (capacity 0) that still carries traffic is infinitely over."""
    if capacity:
        return used / capacity
    return math.inf if used > 0 else 0.0


def describe_intent(intent: Mapping | None) -> str:
    """One line for an intent dict (trafficshift.model.plan.intent_to_dict)."""
    if not intent:
        return ""
    kind = intent.get("kind")
    where = f"{intent.get('router')}:{intent.get('link')}"
    if kind == "detour":
        return (f"detour {intent.get('prefix')} via {where} (off {intent.get('from_link')}, "
                f"local-pref {intent.get('local_pref')})")
    if kind == "prepend":
        return f"prepend {intent.get('pool')} x{intent.get('count')} toward {where}"
    if kind == "withdraw":
        return f"withdraw {intent.get('pool')} toward {where}"
    return " ".join(f"{k}={intent[k]}" for k in sorted(intent))


def chart(elements: list[Mapping], *, target: float, overload: float) -> dict:
    """Geometry of one utilization chart: a row per element (sorted by id) with the before and after bars'
    widths in px on a 0..x_max scale (x_max at least 100%, more when an element is over capacity)."""
    rows = []
    for item in sorted(elements, key=lambda u: str(u.get("id"))):
        capacity = float(item.get("capacity_bps") or 0.0)
        rows.append({"id": str(item.get("id")), "capacity": capacity,
                     "before": _ratio(float(item.get("before_bps") or 0.0), capacity),
                     "after": _ratio(float(item.get("after_bps") or 0.0), capacity),
                     "before_bps": item.get("before_bps"), "after_bps": item.get("after_bps")})
    finite = [u for r in rows for u in (r["before"], r["after"]) if u != math.inf]
    peak = max(finite + [target, overload, 1.0])
    x_max = max(1.0, math.ceil(peak * 10 - 1e-9) / 10)

    def x(util: float) -> float:  # a failed link's traffic fills the whole width
        return round(PLOT_W * min(max(util, 0.0), x_max) / x_max, 2)

    for k, row in enumerate(rows):
        top = TOP + k * ROW_H
        row.update(y_before=top + 3, y_after=top + 3 + BAR_H, y_text=top + 3 + BAR_H + 4,
                   w_before=x(row["before"]), w_after=x(row["after"]),
                   level="hot" if row["after"] >= overload else "warm" if row["after"] > target else "cool")
    step = 0.25 if x_max <= 1.5 else 0.5
    ticks = [{"x": x(k * step), "label": f"{round(k * step * 100)}%"} for k in range(int(x_max / step + 1e-9) + 1)]
    height = TOP + len(rows) * ROW_H + BOTTOM
    return {"rows": rows, "x_max": x_max, "ticks": ticks, "target_x": x(target), "target": target,
            "overload_x": x(overload), "overload": overload, "height": height,
            "width": LABEL_W + PLOT_W + VALUE_W}


def _routers(record: Mapping) -> list[dict]:
    outcomes = record.get("outcomes") or {}
    diffs = record.get("diffs") or {}
    errors = record.get("errors") or {}
    rows = []
    for router in sorted(set(outcomes) | set(diffs) | set(errors)):
        outcome = dict(outcomes.get(router) or {})
        diff = outcome.pop("diff", None)
        if diff is None:
            diff = diffs.get(router)
        default = "error" if router in errors else "planned" if router in diffs else "-"
        misses = outcome.pop("misses", None) or []
        verified = outcome.pop("verified", None)
        rows.append({"router": router, "outcome": outcome.pop("outcome", default),
                     "effect": _effect(verified, misses),
                     "step": outcome.pop("step", None), "error": outcome.pop("error", errors.get(router)),
                     "rollback_error": outcome.pop("rollback_error", None),
                     "rolled_back": bool(outcome.pop("rolled_back", False)),
                     "other": {k: str(v) for k, v in sorted(outcome.items())},
                     "diff": diff if isinstance(diff, str) else ("" if diff is None else str(diff))})
    return rows


def _effect(verified: Any, misses: list) -> dict:
    """The "verified on the router" cell: what the effect check saw on this router (docs/effect.md)."""
    if misses:
        lines = [str(miss.get("line") or miss.get("prefix")) for miss in misses if isinstance(miss, Mapping)]
        return {"state": "bad", "text": f"{len(misses)} not as planned", "lines": lines}
    if verified is not None:
        return {"state": "ok", "text": f"{verified} check(s) as planned" if verified else "nothing to check",
                "lines": []}
    return {"state": None, "text": "not checked", "lines": []}


def _state(status: Any) -> str:
    return "ok" if status in OK_STATUSES else "bad" if status in BAD_STATUSES else "other"


def plan_record(plan: Mapping, *, diffs: Mapping[str, str], errors: Mapping[str, str] | None = None,
                inputs: Mapping | None = None, drained_sites: list[str] | tuple = (),
                trigger: str = "operator") -> dict:
    """The record `render_report` takes for a plan that was computed and not applied (traffic.report without a
    run id): `plan` as Plan.to_dict, `diffs` each router's diff against its running config, `errors` the
    routers whose diff could not be read and why."""
    created = plan.get("created")
    stamp = datetime.fromtimestamp(created, tz=timezone.utc).strftime("%Y%m%dT%H%M%S") \
        if isinstance(created, (int, float)) else "unknown"
    return {"id": f"plan-{stamp}", "kind": "plan", "trigger": trigger, "status": plan.get("status"),
            "started": created, "plan": dict(plan), "diffs": {r: diffs[r] for r in sorted(diffs)},
            "errors": {r: (errors or {})[r] for r in sorted(errors or {})},
            "drained_sites": sorted(drained_sites), "inputs": dict(inputs or {})}


def render_report(record: Mapping, *, title: str | None = None) -> str:
    """The HTML page for `record` (a history record or a `plan_record`)."""
    plan = record.get("plan") or {}
    target = _policy_value(record, "target_utilization")
    overload = _policy_value(record, "overload_threshold")
    charts = [(name, label, chart(plan.get(name) or [], target=target, overload=overload))
              for name, label in (("links", "Links (egress)"), ("sites", "Sites (ingress)"))]
    actions = [{"verb": a.get("verb"), "reason": a.get("reason"), "guard_rail": a.get("guard_rail"),
                "intent": describe_intent(a.get("intent"))} for a in plan.get("actions") or []]
    intents = [describe_intent(i) for i in plan.get("intents") or []]
    header = [("run" if record.get("kind") != "plan" else "report", record.get("id")),
              ("kind", record.get("kind")), ("trigger", record.get("trigger")), ("status", record.get("status"))]
    if record.get("kind") != "plan":  # a plan's only time is when it was computed for (below)
        header.append(("started", _when(record.get("started"))))
    if record.get("finished") is not None:
        header.append(("finished", _when(record.get("finished"))))
    header += [("plan status", plan.get("status") or "-"), ("plan computed for", _when(plan.get("created"))),
               ("traffic moved", _gbps(plan.get("moved_bps", 0.0))),
               ("target utilization", _pct(target)), ("overload threshold", _pct(overload))]
    for key in ("revert_in", "reverts", "note", "message"):
        if record.get(key) not in (None, ""):
            header.append((key.replace("_", " "), record.get(key)))
    for key in ("drained_sites", "drained_sites_before", "drift_corrected"):
        if record.get(key):
            header.append((key.replace("_", " "), ", ".join(str(s) for s in record[key])))
    controls = [", ".join(f"{k}={c[k]}" for k in sorted(c)) for c in (record.get("inputs") or {}).get("controls") or []
                if isinstance(c, Mapping)]
    page_title = title or f"trafficshift {record.get('kind', 'run')} {record.get('id', '')}".strip()
    return _TEMPLATE.render(title=page_title, header=header, status=record.get("status"),
                            state=_state(record.get("status")), charts=charts, actions=actions, intents=intents,
                            routers=_routers(record), controls=controls, is_plan=record.get("kind") == "plan",
                            LABEL_W=LABEL_W, PLOT_W=PLOT_W, ROW_H=ROW_H, BAR_H=BAR_H, TOP=TOP, state_of=_state,
                            pct=_pct, gbps=_gbps)


def write_report(record: Mapping, path: str | os.PathLike) -> str:
    """Render `record` and write it to `path` (parent directories created, replaced atomically)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    html = render_report(record)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return str(target)


_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEMPLATE = _ENV.from_string("""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{ title }}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { text-align: left; vertical-align: top; padding: .25em .7em; border-bottom: 1px solid #eee; }
th { background: #f4f4f4; }
table.header th { background: none; color: #555; font-weight: normal; }
code, pre { font-family: ui-monospace, monospace; font-size: 12px; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; margin: .3em 0; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 3px; color: #fff; }
.badge.ok { background: #2e7d32; } .badge.bad { background: #c62828; } .badge.other { background: #ef6c00; }
.error { color: #c62828; white-space: pre-wrap; word-break: break-word; }
#routers { width: 100%; table-layout: fixed; }
#routers th:nth-child(1) { width: 8em; } #routers th:nth-child(2) { width: 10em; }
#routers th:nth-child(3) { width: 7em; } #routers th:nth-child(5) { width: 9em; }
#routers tr.router-diff td { border-bottom: 1px solid #ddd; padding-left: 2em; }
#routers td:nth-child(-n+3), summary { white-space: nowrap; }
#routers pre { overflow-x: auto; }
svg.chart { display: block; margin: .5em 0; }
svg.chart text { font: 11px ui-monospace, monospace; fill: #333; }
svg.chart .bar-before { fill: #9e9e9e; }
svg.chart .bar-after.cool { fill: #1e6fd9; } svg.chart .bar-after.warm { fill: #ef6c00; }
svg.chart .bar-after.hot { fill: #c62828; }
svg.chart .grid { stroke: #e0e0e0; } svg.chart .target { stroke: #2e7d32; stroke-width: 2; stroke-dasharray: 6 3; }
svg.chart .overload { stroke: #c62828; stroke-width: 1; stroke-dasharray: 2 2; }
.legend span { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 .3em 0 1em; }
</style>
</head>
<body>
<h1>{{ title }} <span class="badge {{ state }}" id="status">{{ status }}</span></h1>
<table class="header" id="summary">
{% for key, value in header %}
<tr><th>{{ key }}</th><td>{{ value }}</td></tr>
{% endfor %}
{% if controls %}
<tr><th>operator controls</th><td>{% for c in controls %}{{ c }}{% if not loop.last %}; {% endif %}{% endfor %}</td></tr>
{% endif %}
</table>

<h2>Utilization before and after the plan</h2>
<p class="legend"><span style="background:#9e9e9e"></span>before<span style="background:#1e6fd9"></span>after
<span style="background:#ef6c00"></span>after, above target<span style="background:#c62828"></span>after, overloaded
<span style="border-top:2px dashed #2e7d32;height:0"></span>target {{ pct(charts[0][2].target) }}
<span style="border-top:1px dashed #c62828;height:0"></span>overload {{ pct(charts[0][2].overload) }}</p>
{% for name, label, c in charts %}
<h3>{{ label }}</h3>
{% if c.rows %}
<svg class="chart" id="chart-{{ name }}" role="img" width="{{ c.width }}"
 height="{{ c.height }}" viewBox="0 0 {{ c.width }} {{ c.height }}" aria-label="{{ label }}: utilization before and after">
<g transform="translate({{ LABEL_W }},0)">
{% for t in c.ticks %}
<line class="grid" x1="{{ t.x }}" y1="{{ TOP - 4 }}" x2="{{ t.x }}" y2="{{ c.height - 4 }}"/>
<text x="{{ t.x }}" y="{{ TOP - 8 }}" text-anchor="middle">{{ t.label }}</text>
{% endfor %}
<line class="overload" x1="{{ c.overload_x }}" y1="{{ TOP - 4 }}" x2="{{ c.overload_x }}" y2="{{ c.height - 4 }}"><title>overload threshold {{ pct(c.overload) }}</title></line>
<line class="target" x1="{{ c.target_x }}" y1="{{ TOP - 4 }}" x2="{{ c.target_x }}" y2="{{ c.height - 4 }}"><title>target utilization {{ pct(c.target) }}</title></line>
</g>
{% for r in c.rows %}
<g class="element" data-id="{{ r.id }}">
<text x="{{ LABEL_W - 6 }}" y="{{ r.y_text - 2 }}" text-anchor="end">{{ r.id }}</text>
<rect class="bar-before" x="{{ LABEL_W }}" y="{{ r.y_before }}" width="{{ r.w_before }}" height="{{ BAR_H - 1 }}" data-id="{{ r.id }}" data-utilization="{{ '%.6f' % r.before }}"><title>{{ r.id }} before: {{ pct(r.before) }} ({{ gbps(r.before_bps) }} of {{ gbps(r.capacity) }})</title></rect>
<rect class="bar-after {{ r.level }}" x="{{ LABEL_W }}" y="{{ r.y_after }}" width="{{ r.w_after }}" height="{{ BAR_H - 1 }}" data-id="{{ r.id }}" data-utilization="{{ '%.6f' % r.after }}"><title>{{ r.id }} after: {{ pct(r.after) }} ({{ gbps(r.after_bps) }} of {{ gbps(r.capacity) }})</title></rect>
<text x="{{ LABEL_W + PLOT_W + 8 }}" y="{{ r.y_text - 2 }}">{{ pct(r.before) }} &#8594; {{ pct(r.after) }}</text>
</g>
{% endfor %}
</svg>
{% else %}
<p id="chart-{{ name }}-empty">No {{ name }} utilization recorded in this plan.</p>
{% endif %}
{% endfor %}

<h2>Actions</h2>
{% if actions %}
<table id="actions">
<tr><th>verb</th><th>intent</th><th>reason</th><th>guard rail</th></tr>
{% for a in actions %}
<tr><td>{{ a.verb }}</td><td><code>{{ a.intent }}</code></td><td>{{ a.reason }}</td><td>{{ a.guard_rail or "" }}</td></tr>
{% endfor %}
</table>
{% else %}
<p>The planner took no action.</p>
{% endif %}

<h2>Intents ({{ intents | length }})</h2>
{% if intents %}
<ul id="intents">
{% for i in intents %}
<li><code>{{ i }}</code></li>
{% endfor %}
</ul>
{% else %}
<p>No overrides: every router runs its baseline.</p>
{% endif %}

<h2>{{ "Routers: diffs against the running config" if is_plan else "Routers: outcomes and diffs" }}</h2>
{% if routers %}
<table id="routers">
<tr><th>router</th><th>outcome</th>{% if not is_plan %}<th>verified on the router</th>{% endif %}<th>step</th><th>error</th><th>diff</th></tr>
{% for r in routers %}
<tr class="router" data-router="{{ r.router }}">
<td>{{ r.router }}</td>
<td><span class="badge {{ state_of(r.outcome) }}">{{ r.outcome }}</span>{% if r.rolled_back %} (rolled back){% endif %}</td>
{% if not is_plan %}<td class="effect">{% if r.effect.state %}<span class="badge {{ r.effect.state }}">{{ r.effect.text }}</span>{% else %}{{ r.effect.text }}{% endif %}{% for line in r.effect.lines %}<div class="error">{{ line }}</div>{% endfor %}</td>{% endif %}
<td>{{ r.step or "" }}</td>
<td>{% if r.error %}<div class="error">{{ r.error }}</div>{% endif %}{% if r.rollback_error %}<div class="error">{{ r.rollback_error }}</div>{% endif %}{% for k, v in r.other.items() %}<div>{{ k }}: {{ v }}</div>{% endfor %}</td>
<td>{% if r.diff %}{{ r.diff.splitlines() | length }} line(s), below{% else %}no change{% endif %}</td>
</tr>
{% if r.diff %}
<tr class="router-diff" data-diff-of="{{ r.router }}"><td colspan="{{ 5 if is_plan else 6 }}"><details><summary>diff of {{ r.router }}</summary><pre>{{ r.diff }}</pre></details></td></tr>
{% endif %}
{% endfor %}
</table>
{% else %}
<p>No router reported.</p>
{% endif %}
</body>
</html>
""")
