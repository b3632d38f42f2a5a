# The Salt integration tests' network: 2 sites, 4 routers (one Junos, one EOS per site).
base:
  '*':
    - traffic.network
