"""Fakes shared by the fast tier: a fleet of routers answering the `traffic.*` execution-module calls the
rollout and the runner make, like the real proxies would (no daemons, no lab)."""
from __future__ import annotations

from trafficshift.fleet.rollout import Reply


class FakeFleet:
    def __init__(self, routers, *, silent=()):
        self.running = {r: [] for r in routers}
        self.before = {r: None for r in routers}  # config kept for rollback while a commit is pending
        self.fail = {}  # (router, function) -> error text
        self.silent = set(silent)  # routers that never answer
        self.calls = []  # (function, routers) in call order
        #: router -> the misses each `traffic.effect` call reports, one list per call, oldest first; a router
        #: with none left reports none (its traffic moved)
        self.effect_misses = {}
        #: (prefix, link id) pairs whose neighbor `traffic.detour_routes` reports as not sending the prefix
        self.not_sent = set()
        #: link ids whose BGP session `traffic.detour_routes` reports down
        self.links_down = set()
        #: prefix -> the more-specific the detour's source link's neighbor keeps (`traffic.detour_routes`)
        self.kept = {}
        #: router -> the `TS-` objects its running config holds that the pillar does not render
        self.unknown_objects = {}

    def mine(self, router, intents):
        return [i for i in intents if i["router"] == router]

    def __call__(self, routers, function, kwargs):
        self.calls.append((function, list(routers)))
        return {r: self.one(r, function, kwargs) for r in routers if r not in self.silent}

    def one(self, router, function, kwargs):
        error = self.fail.get((router, function))
        if error and function != "traffic.apply":
            return Reply(False, f"{router}: {function} failed: {error}")
        if function == "traffic.detour_routes":
            onto = sorted({(d["prefix"], d["link"]) for d in kwargs["detours"] if d["router"] == router})
            off = sorted({(d["prefix"], d["from_link"]) for d in kwargs["detours"]
                          if (d["from_link"] or "").partition(":")[0] == router})
            return Reply(True, {
                "router": router,
                "routes": [{"prefix": prefix, "link": link, "sent": (prefix, f"{router}:{link}") not in self.not_sent}
                           for prefix, link in onto],
                "sessions_down": sorted({link for _, link in onto if f"{router}:{link}" in self.links_down}),
                "more_specifics": [{"prefix": prefix, "link": link.partition(":")[2], "more_specific": self.kept[prefix]}
                                   for prefix, link in off if prefix in self.kept]})
        wanted = self.mine(router, kwargs.get("intents", []))
        if function == "traffic.apply":
            if wanted == self.running[router]:
                return Reply(True, {"router": router, "changed": False, "diff": "", "pending": False, "apply_s": 0.25})
            self.before[router], self.running[router] = self.running[router], wanted
            if error:  # committed, then failed (e.g. the session dropped before the reply)
                return Reply(False, f"{router}: commit failed: {error}")
            return Reply(True, {"router": router, "changed": True, "diff": f"+{wanted}", "pending": True, "apply_s": 0.25})
        if function == "traffic.current":
            return Reply(True, {"router": router, "intents": self.running[router],
                                "unknown_objects": self.unknown_objects.get(router, [])})
        if function == "traffic.confirm":
            self.before[router] = None
            return Reply(True, {"router": router, "confirmed": True})
        if function == "traffic.pending":
            return Reply(True, {"router": router, "pending": self.before[router] is not None})
        if function in ("traffic.effect", "traffic.verify"):
            rounds = self.effect_misses.get(router, [])
            misses = rounds.pop(0) if rounds else []
            checked = [i["prefix"] for i in wanted if i["kind"] == "detour"]
            read_back = {"intents": self.running[router]} if function == "traffic.verify" else {}
            return Reply(True, {"router": router, **read_back, "checked": checked, "misses": misses,
                                "effect_s": 0.001})
        if function == "traffic.diff":
            return Reply(True, {"router": router, "diff": "" if wanted == self.running[router] else f"+{wanted}"})
        if function == "traffic.rollback":
            self.running[router], self.before[router] = self.before[router], None
            return Reply(True, {"router": router, "rolled_back": True})
        raise AssertionError(function)
