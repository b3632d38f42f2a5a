"""End to end at scale: parse + validate + plan, as `salt-run traffic.plan` does it (docs/benchmarks.md).

    .venv/bin/python bench/end_to_end.py --json                 # 200k prefixes / 2k links / 300 sites
    .venv/bin/python bench/end_to_end.py --json --scale 1m      # 1M prefixes / 10k links / 1k sites

A child process generates the pillar data (bench/scenarios.py `synthetic`, every router a Junos one so the
whole network validates) and writes it as JSON; this process then times, on one core: source_s (the file
load source reading that JSON file, as the traffic_load ext_pillar does: strict parse, duplicate keys and
non-finite numbers refused, depth checked), network_s (parse_network), validate_s (parse_load: model,
references, staleness and counter checks) and plan_s (planner.plan), and reports the peak RSS of this
process (generation excluded). total_s = source_s + validate_s + plan_s. It does it twice:
`cold` is the first pass of a fresh process (its memory still comes from the kernel, page by page), `warm`
the second (a long-running master's runner process is in that state).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SCALES = {"200k": (200_000, 2_000, 300), "1m": (1_000_000, 10_000, 1_000)}


def generate(directory: str, prefixes: int, links: int, sites: int) -> None:
    from scenarios import synthetic

    network, load = synthetic("end-to-end", sites=sites, links=links, prefixes=prefixes, seed=7, raw=True)
    for router in network["routers"].values():
        router["vendor"] = "junos"  # the generator names every interface the Junos way
    network["lab"] = True  # private ASNs and documentation prefixes
    with open(os.path.join(directory, "network.json"), "w") as handle:
        json.dump(network, handle)
    with open(os.path.join(directory, "load.json"), "w") as handle:
        json.dump(load, handle)


def measure(directory: str) -> dict:
    from trafficshift.planner import plan
    from trafficshift.sources import FileSource
    from trafficshift.validation import parse_load, parse_network

    with open(os.path.join(directory, "network.json")) as handle:
        network_data = json.load(handle)
    started = time.perf_counter()
    load_data = FileSource(os.path.join(directory, "load.json")).fetch()
    fetched = time.perf_counter()
    network = parse_network(network_data)
    network_done = time.perf_counter()
    checked = parse_load(load_data, network, now=load_data["timestamp"])
    validated = time.perf_counter()
    result = plan(network, checked.load, None, (), checked.load.timestamp, stale_reasons=checked.reasons)
    planned = time.perf_counter()
    source_s, validate_s, plan_s = fetched - started, validated - network_done, planned - validated
    return {
        "prefixes": len(checked.load.egress), "links": len(network.link_ids()), "sites": len(network.sites),
        "status": result.status, "intents": len(result.intents),
        "source_s": round(source_s, 3), "network_s": round(network_done - fetched, 3),
        "validate_s": round(validate_s, 3), "plan_s": round(plan_s, 3),
        "total_s": round(source_s + validate_s + plan_s, 3),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--scale", choices=sorted(SCALES), default="200k")
    parser.add_argument("--generate", metavar="DIR", help=argparse.SUPPRESS)  # the child's job
    parser.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    prefixes, links, sites = SCALES[args.scale]
    if args.generate:
        generate(args.generate, prefixes, links, sites)
        return 0
    if args.measure:
        cold = measure(args.measure)
        warm = measure(args.measure)
        print(json.dumps({"cold": cold, "warm": warm}))
        return 0
    with tempfile.TemporaryDirectory(prefix="trafficshift-e2e-") as directory:
        me = os.path.abspath(__file__)
        subprocess.run([sys.executable, me, "--scale", args.scale, "--generate", directory], check=True)
        # a fresh process, so its peak RSS is the measured path's own
        output = subprocess.run([sys.executable, me, "--measure", directory], check=True, capture_output=True, text=True)
    row = {"scale": args.scale, **json.loads(output.stdout)}
    print(json.dumps(row, indent=1) if args.json else json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
