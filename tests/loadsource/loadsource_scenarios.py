"""What the test exporter serves besides the normal example load (see conftest.py)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STALE_AGE_S = 1000  # the `stale` family's one old sample is this old when the exporter starts
STALE_LINK = "lon01-r2:Ethernet2"
PARTIAL_MISSING_LINK = "par01-r1:et-0/0/1"  # the `partial` family has no counter for it
NONFINITE_LINK = "nyc01-r1:et-0/0/0"  # the `nonfinite` family reports NaN for it
DOWN_LINK = "fra01-r1:et-0/0/1"  # the `linkdown` family reports it operationally down (updoubt: 0.5)

# The exporter-shaped counters (SNMP exporter IF-MIB at /snmp, gNMIc OpenConfig at /gnmic) serve every
# network interface plus one unused port per router, dormant(5) in ifOperStatus: no link of the network.
EXTRA_PORT = {"junos": "et-0/0/2", "eos": "Ethernet3"}
EXTRA_PORT_BPS = 1_000_000_000
COUNTER_OFFSET = 10**15  # bytes: counters start far from zero, as on a router that has been up a while
GNMIC_PORT = 57400  # gNMIc's `source` label is <router>:<port>
ADDRESSED_DOWN_LINK = "lon01-r2:Ethernet1"  # lowerLayerDown(7) in the SNMP view scraped by router id
