# trafficshift/tick (the traffic_tick engine) -> periodic rebalance; a run in progress makes it a no-op
trafficshift_periodic_rebalance:
  runner.traffic.rebalance:
    - args:
      - trigger: tick
