#!/usr/bin/env python3
"""The Grafana dashboard for trafficshift's own metrics (docs/operations.md, "Dashboard panels").

`python monitoring/dashboard.py` writes monitoring/dashboard.json next to this file (or to the path given as
the only argument): a Grafana dashboard JSON model (schemaVersion 39) to import with Grafana's "Import
dashboard" and a Prometheus data source. Standard library only; the output is deterministic (sorted keys,
indent 2), so the committed JSON is diffable and tests/monitoring/test_dashboard.py checks it is what this
script generates, that every query parses (promtool) and uses only metrics and labels the engine serves.

Variables: `datasource` (any Prometheus data source) and `job`, the scrape job of the engine's endpoint
(`trafficshift`, as monitoring/alerts.yml expects).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().with_name("dashboard.json")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
JOB = 'job="$job"'
WIDTH = 24  # Grafana's grid columns

#: the alert bound of TrafficshiftProjectionError (monitoring/alerts.yml)
PROJECTION_BOUND = 0.1
#: TrafficshiftLockHeldTooLong's bound
LOCK_BOUND_S = 1800

OUTCOME_COLOURS = {"unchanged": "green", "applied": "blue", "held": "yellow", "frozen": "purple",
                   "busy": "orange", "failed": "red"}
STATUS_COLOURS = {"ok": "green", "partial": "yellow", "fail-static": "red", "frozen": "purple",
                  "circuit-breaker": "orange", "refused": "dark-red"}


# -- queries and field config ------------------------------------------------------------------------------

def target(ref: str, expr: str, legend: str, *, table: bool = False) -> dict:
    """A Prometheus query; `table`: one instant value per series, as table rows."""
    query = {"refId": ref, "expr": expr, "legendFormat": legend, "datasource": dict(DATASOURCE),
             "editorMode": "code"}
    if table:
        query.update(format="table", instant=True, range=False)
    else:
        query.update(format="time_series", instant=False, range=True)
    return query


def thresholds(*steps: tuple[float | None, str]) -> dict:
    return {"mode": "absolute", "steps": [{"color": colour, "value": value} for value, colour in steps]}


def override(matcher: str, name: str, **properties) -> dict:
    """Field override; property ids with dots are written with `__` (custom__lineStyle: custom.lineStyle)."""
    return {"matcher": {"id": matcher, "options": name},
            "properties": [{"id": key.replace("__", "."), "value": value} for key, value in properties.items()]}


def fixed(colour: str) -> dict:
    return {"mode": "fixed", "fixedColor": colour}


def value_map(**texts: tuple[str, str]) -> list[dict]:
    """{value: (text, colour)} as one value mapping."""
    return [{"type": "value", "options": {value: {"text": text, "color": colour, "index": index}
                                          for index, (value, (text, colour)) in enumerate(texts.items())}}]


def bound_lines(first_ref: str) -> tuple[list[dict], list[dict]]:
    """The policy's target and overload threshold as two extra series, drawn as solid threshold lines."""
    second_ref = chr(ord(first_ref) + 1)
    targets = [target(first_ref, f"trafficshift_target_utilization_ratio{{{JOB}}}", "target"),
               target(second_ref, f"trafficshift_overload_threshold_ratio{{{JOB}}}", "overload threshold")]
    line = {"custom__lineWidth": 2, "custom__fillOpacity": 0, "custom__lineStyle": {"fill": "solid"},
            "custom__stacking": {"mode": "none", "group": "A"}}
    overrides = [override("byFrameRefID", first_ref, color=fixed("orange"), **line),
                 override("byFrameRefID", second_ref, color=fixed("red"), **line)]
    return targets, overrides


# -- panels ------------------------------------------------------------------------------------------------

def _panel(kind: str, title: str, description: str, targets: list[dict], defaults: dict,
           overrides: list[dict] | None = None, options: dict | None = None, **extra) -> dict:
    return {"type": kind, "title": title, "description": description, "datasource": dict(DATASOURCE),
            "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
            "options": options or {}, **extra}


def row(title: str) -> dict:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def stat(title: str, description: str, targets: list[dict], *, unit: str = "none", mappings=None,
         steps=((None, "green"),), colour_mode: str = "value") -> dict:
    defaults = {"unit": unit, "mappings": mappings or [], "thresholds": thresholds(*steps),
                "color": {"mode": "thresholds"}}
    options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
               "colorMode": colour_mode, "graphMode": "none", "justifyMode": "auto", "orientation": "auto",
               "textMode": "value_and_name" if len(targets) > 1 else "auto", "wideLayout": True,
               "showPercentChange": False}
    return _panel("stat", title, description, targets, defaults, options=options)


def timeseries(title: str, description: str, targets: list[dict], *, unit: str = "short",
               overrides=None, stacked: bool = False, bars: bool = False, colour: str = "palette-classic",
               steps=((None, "green"),), threshold_style: str = "off", soft_min: float | None = 0,
               soft_max: float | None = None, **extra) -> dict:
    fill = 80 if bars else (30 if stacked else 0)
    custom = {"drawStyle": "bars" if bars else "line", "lineWidth": 1, "fillOpacity": fill,
              "lineInterpolation": "linear", "showPoints": "never", "pointSize": 4, "spanNulls": False,
              "stacking": {"mode": "normal" if stacked else "none", "group": "A"},
              "thresholdsStyle": {"mode": threshold_style}, "axisPlacement": "auto", "axisLabel": "",
              "axisSoftMin": soft_min, "axisSoftMax": soft_max, "gradientMode": "none",
              "lineStyle": {"fill": "solid"}, "barAlignment": 1 if bars else 0,
              "hideFrom": {"legend": False, "tooltip": False, "viz": False}}
    custom = {key: value for key, value in custom.items() if value is not None}
    defaults = {"unit": unit, "custom": custom, "color": {"mode": colour}, "thresholds": thresholds(*steps),
                "mappings": []}
    options = {"legend": {"displayMode": "table", "placement": "right", "showLegend": True,
                          "calcs": ["lastNotNull", "max"]},
               "tooltip": {"mode": "multi", "sort": "desc"}}
    return _panel("timeseries", title, description, targets, defaults, overrides, options, **extra)


def state_timeline(title: str, description: str, targets: list[dict], overrides: list[dict]) -> dict:
    defaults = {"custom": {"lineWidth": 0, "fillOpacity": 80, "spanNulls": False,
                           "hideFrom": {"legend": False, "tooltip": False, "viz": False}},
                "color": {"mode": "fixed", "fixedColor": "text"}, "thresholds": thresholds((None, "green")),
                "mappings": value_map(**{"1": ("latest plan", "text")})}
    options = {"mergeValues": True, "showValue": "never", "alignValue": "left", "rowHeight": 0.8,
               "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False},
               "tooltip": {"mode": "single", "sort": "none"}}
    return _panel("state-timeline", title, description, targets, defaults, overrides, options)


def table(title: str, description: str, targets: list[dict], *, unit: str, value: str, hide: list[str]) -> dict:
    defaults = {"unit": unit, "custom": {"align": "auto", "cellOptions": {"type": "auto"}},
                "color": {"mode": "thresholds"}, "thresholds": thresholds((None, "green")), "mappings": []}
    options = {"showHeader": True, "cellHeight": "sm", "sortBy": [{"displayName": value, "desc": True}],
               "footer": {"show": False, "reducer": ["sum"], "fields": "", "countRows": False}}
    transformations = [{"id": "organize", "options": {"excludeByName": dict.fromkeys(["Time", *hide], True),
                                                      "renameByName": {"Value": value}, "indexByName": {}}}]
    return _panel("table", title, description, targets, defaults, options=options, transformations=transformations)


def utilization(kind: str, noun: str) -> dict:
    """One kind's utilization, before (solid) and planned (dashed), one colour per element."""
    series = f'trafficshift_utilization_ratio{{{JOB}, kind="{kind}", stage="%s"}}'
    lines, bound_overrides = bound_lines("C")
    return timeseries(
        f"{noun.capitalize()} utilization, before and planned",
        f"Utilization (load / capacity) of every {noun} in the latest plan. Solid: as measured (before); dashed: "
        f"as the plan predicts (planned); one colour per {noun}. Orange: the policy's target utilization (an "
        "overloaded element is relieved down to it); red: the overload threshold, the high watermark (elements "
        "above it are relieved).",
        [target("A", series % "before", "{{element}}"), target("B", series % "planned", "{{element}}"), *lines],
        unit="percentunit", colour="palette-classic-by-name", soft_max=1,
        overrides=[override("byFrameRefID", "B", custom__lineStyle={"fill": "dash", "dash": [10, 10]}),
                   *bound_overrides])


def panels() -> list[tuple[dict, int, int]]:
    """(panel, width, height) top to bottom; a row starts a new line."""
    utilization_now = f'trafficshift_utilization_ratio{{{JOB}, kind="link", stage="before"}}'
    top_lines, top_overrides = bound_lines("B")
    return [
        (row("Loop health"), WIDTH, 1),
        (stat("Endpoint", "Prometheus's own `up` for the engine's endpoint: down means nothing below is current "
              "(TrafficshiftLoopNotRunning).", [target("A", f"up{{{JOB}}}", "{{instance}}")],
              mappings=value_map(**{"0": ("down", "red"), "1": ("up", "green")}), colour_mode="background"), 4, 4),
        (stat("Since the last successful cycle",
              "Age of the last rebalance cycle that ended without error (applied, unchanged or held), next to the "
              "alert's bound, 3 rebalance intervals (TrafficshiftLoopNotRunning). No value: none since the master "
              "started.",
              [target("A", f"time() - trafficshift_last_successful_cycle_timestamp_seconds{{{JOB}}}", "age"),
               target("B", f"3 * trafficshift_rebalance_interval_seconds{{{JOB}}}", "alert bound (3 intervals)")],
              unit="s", colour_mode="none"), 10, 4),
        (stat("Frozen", "1 while an operator freeze (kill switch, `traffic.freeze`) is in force "
              "(TrafficshiftFrozenTooLong).", [target("A", f"trafficshift_frozen{{{JOB}}}", "frozen")],
              mappings=value_map(**{"0": ("no", "green"), "1": ("FROZEN", "purple")}), colour_mode="background"),
         4, 4),
        (stat("Fleet lock held", "How long the fleet lock has been held, 0 when free; the alert's bound is 30 "
              "minutes (TrafficshiftLockHeldTooLong).",
              [target("A", f"trafficshift_lock_held_seconds{{{JOB}}}", "lock held")], unit="s",
              steps=((None, "green"), (600, "orange"), (LOCK_BOUND_S, "red"))), 6, 4),
        (state_timeline("Latest plan status", "The status of the latest plan computed, by the loop or an "
                        "operator's `traffic.plan` (TrafficshiftFailStatic: fail-static for 30 minutes).",
                        [target("A", f"trafficshift_plan_status{{{JOB}}} == 1", "{{status}}")],
                        [override("byName", status, color=fixed(colour))
                         for status, colour in STATUS_COLOURS.items()]), WIDTH, 5),

        (row("Link utilization, before and planned"), WIDTH, 1),
        (utilization("link", "link"), WIDTH, 9),
        (timeseries("Hottest links as measured (top 10)", "The 10 links with the highest measured utilization "
                    "(before) at each instant, against the policy's target (orange) and overload threshold (red).",
                    [target("A", f"topk(10, {utilization_now})", "{{element}}"), *top_lines],
                    unit="percentunit", colour="palette-classic-by-name", soft_max=1, overrides=top_overrides),
         14, 8),
        (table("Left above target by the plan", "Links and sites the latest plan predicts above the policy's "
               "target utilization: partial relief (a guard rail or no room) or no relieving plan "
               "(TrafficshiftAboveTargetWithoutPlan fires above the overload threshold).",
               [target("A", f'trafficshift_utilization_ratio{{{JOB}, stage="planned"}} > on(job, instance) '
                            f"group_left() trafficshift_target_utilization_ratio{{{JOB}}}",
                       "{{kind}} {{element}}", table=True)],
               unit="percentunit", value="planned utilization", hide=["__name__", "job", "stage"]), 10, 8),

        (row("Site utilization, before and planned"), WIDTH, 1),
        (utilization("site", "site"), WIDTH, 8),

        (row("Intents over time"), WIDTH, 1),
        (timeseries("Active intents by kind", "Intents of the plan the fleet runs, stacked: how much of the "
                    "network runs off its preferred paths, and how it unwinds when load falls.",
                    [target("A", f"trafficshift_active_intents{{{JOB}}}", "{{kind}}")], stacked=True), WIDTH, 7),

        (row("Cycles and runs by outcome"), WIDTH, 1),
        (timeseries("Rebalance cycles by outcome (per hour)", "Rebalance cycles per hour, stacked by outcome: a "
                    "healthy loop is mostly unchanged, some applied when load moves, held while the load is stale "
                    "(fail-static) or a guard rail holds the fleet; busy: another run held the lock; failed: the "
                    "cycle or its apply failed (TrafficshiftApplyFailures pages at 3 in 30 minutes).",
                    [target("A", f"sum by (outcome) (increase(trafficshift_cycles_total{{{JOB}}}[1h]))",
                            "{{outcome}}")],
                    stacked=True, bars=True, interval="1h",
                    overrides=[override("byName", outcome, color=fixed(colour))
                               for outcome, colour in OUTCOME_COLOURS.items()]), 12, 8),
        (timeseries("Fleet runs by kind and status (last 24 h)", "Applies and rollbacks by their final status "
                    "over the preceding day (docs/operator-guide.md, \"Read history and reports\").",
                    [target("A", f"sum by (kind, status) (increase(trafficshift_runs_total{{{JOB}}}[1d]))",
                            "{{kind}} {{status}}")]), 12, 8),
        (table("Routers with failed applies (top 10, dashboard time range)", "Per router, applies that ended "
               "failed or rolled back on it within the dashboard's time range (TrafficshiftApplyFailures "
               "tickets on any in the last hour).",
               [target("A", f"topk(10, increase(trafficshift_router_apply_failures_total{{{JOB}}}[$__range]))",
                       "{{router}}", table=True)],
               unit="short", value="failed applies", hide=["job"]), 12, 6),
        (timeseries("Per-router apply and verify time (last run)", "Each router's own seconds for its step of "
                    "the last run over it: apply (render, load, compare, commit confirmed) and verify (read-back "
                    "and the effect check's route lookups). A router much slower than its peers holds its whole "
                    "stage.",
                    [target("A", f"trafficshift_router_step_seconds{{{JOB}}}", "{{router}} {{step}}")],
                    unit="s"), 12, 6),

        (row("Projection error"), WIDTH, 1),
        (timeseries("Projection error by link", "On each link the active plan shifts traffic on or off: its "
                    "utilization measured by the first plan computed after that plan became active, minus what the "
                    "plan predicted (positive: more load than predicted), the Edge Fabric projection alarm; kept "
                    f"until another plan becomes active. Outside the ±{PROJECTION_BOUND:g} band (red) for 15 minutes, "
                    "TrafficshiftProjectionError fires.",
                    [target("A", f"trafficshift_projection_error_ratio{{{JOB}}}", "{{link}}")],
                    unit="percentunit", soft_min=-2 * PROJECTION_BOUND, soft_max=2 * PROJECTION_BOUND,
                    steps=((None, "red"), (-PROJECTION_BOUND, "transparent"), (PROJECTION_BOUND, "red")),
                    threshold_style="dashed+area"), WIDTH, 8),
    ]


def layout(placed: list[tuple[dict, int, int]]) -> list[dict]:
    """Left to right, top to bottom on the 24-column grid: a panel that does not fit, and every row, starts a
    new line. Ids are 1, 2, ... in that order."""
    out, x, y, line_height = [], 0, 0, 0
    for number, (panel, width, height) in enumerate(placed, start=1):
        if x + width > WIDTH or panel["type"] == "row":
            x, y, line_height = 0, y + line_height, 0
        out.append({**panel, "id": number, "gridPos": {"x": x, "y": y, "w": width, "h": height}})
        x, line_height = x + width, max(line_height, height)
    return out


def dashboard() -> dict:
    return {
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": "trafficshift's own metrics, from the master's traffic_metrics engine: is the rebalance "
                       "loop working, and what is it doing (docs/operations.md).",
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [],
        "liveNow": False,
        "panels": layout(panels()),
        "refresh": "1m",
        "schemaVersion": 39,
        "tags": ["trafficshift"],
        "templating": {"list": [
            {"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
             "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1,
             "regex": "", "skipUrlSync": False},
            {"type": "textbox", "name": "job", "label": "Job",
             "description": "The Prometheus scrape job of the engine's endpoint (127.0.0.1:9811)",
             "query": "trafficshift", "current": {"selected": False, "text": "trafficshift", "value": "trafficshift"},
             "options": [{"selected": True, "text": "trafficshift", "value": "trafficshift"}], "hide": 0,
             "skipUrlSync": False},
        ]},
        "time": {"from": "now-24h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": "trafficshift",
        "uid": "trafficshift",
        "version": 1,
        "weekStart": "",
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(f"usage: python monitoring/dashboard.py [OUTPUT]  (default {OUTPUT})", file=sys.stderr)
        return 2
    output = Path(argv[0]) if argv else OUTPUT
    output.write_text(render(), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
