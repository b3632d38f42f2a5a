"""Junos emulator: NETCONF over SSH with a Junos-style configuration database (see docs/lab-junos.md)."""
