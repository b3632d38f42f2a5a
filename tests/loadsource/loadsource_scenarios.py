"""What the test exporter serves besides the normal example load (see conftest.py)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STALE_AGE_S = 1000  # the `stale` family's one old sample is this old when the exporter starts
STALE_LINK = "lon01-r2:Ethernet2"
PARTIAL_MISSING_LINK = "par01-r1:et-0/0/1"  # the `partial` family has no counter for it
NONFINITE_LINK = "nyc01-r1:et-0/0/0"  # the `nonfinite` family reports NaN for it
DOWN_LINK = "fra01-r1:et-0/0/1"  # the `linkdown` family reports it operationally down (updoubt: 0.5)
