# Every minion (the 12 router proxies and the master's runner) sees the whole network: the planner needs
# all of it, and each router's config is rendered from its own entry under traffic:routers.
# Load data is not an SLS: the traffic_load ext_pillar (saltext/trafficshift/pillar/traffic_load.py) adds it.
base:
  '*':
    - traffic.network
