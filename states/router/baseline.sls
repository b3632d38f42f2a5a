# Baseline config from templates/<vendor>/baseline.j2 merged with the router's current shift block.
traffic_baseline:
  traffic.baseline
