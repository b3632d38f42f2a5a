# The shift block for the active plan in pillar `trafficshift_active` (absent: the pass-through policy),
# on a provisioned router: `state.apply router.shift` provisions first when needed.
include:
  - router.baseline

traffic_shift_policy:
  traffic.shift_policy:
    - require:
      - traffic: traffic_baseline
