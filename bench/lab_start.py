"""How long a lab of N devices takes to start listening, and its memory. Prints JSON.

    .venv/bin/python bench/lab_start.py --json [--sizes 20,100]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, time
from routerlab import DeviceSpec, Lab
n = int(sys.argv[1])
specs = [DeviceSpec(f"r{i}", "junos" if i % 2 else "eos") for i in range(n)]
started = time.perf_counter()
lab = Lab(specs).start()
elapsed = time.perf_counter() - started
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
lab.stop()
print(json.dumps({"devices": n, "start_s": round(elapsed, 3), "max_rss_mb": round(rss_mb, 1)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20,100")
    parser.add_argument("--json", action="store_true", help="print one JSON list (the default output)")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        # one fresh process per size, so imports and memory are measured from cold
        out = subprocess.run([sys.executable, "-c", CHILD, str(size)], capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
