# trafficshift/load/alert (monitoring: a link or site crossed its threshold) -> rebalance now
trafficshift_alert_rebalance:
  runner.traffic.rebalance:
    - args:
      - trigger: alert
