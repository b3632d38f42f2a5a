# salt/minion/<id>/start -> highstate the proxy if this is its first start (the runner keeps the record)
trafficshift_first_start:
  runner.traffic.first_start:
    - args:
      - minion_id: {{ data['id'] | json }}
