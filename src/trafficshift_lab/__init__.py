"""The lab and demo harness: may import salt and routerlab; the core package trafficshift may not."""
