# Every NAPALM proxy gets its router's baseline and the active traffic-shift policy (docs/salt-integration.md).
base:
  '*':
    - router
