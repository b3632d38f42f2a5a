# A router: provisioned first (baseline + the shift block it already runs), then the active shift policy.
include:
  - router.baseline
  - router.shift
