"""Effect verification (issue 15): does the router route the way the plan says, not only run the config?

Pure: what to look at on one router for a set of intents (`detour_expectations` for its detours,
`announcement_expectations` for its prepends and withdrawals), and whether the routes the router shows meet
them (`check_routes`, over NAPALM `get_route_to` results; `check_announcements`, over the routes it sends
each neighbor); `with_sessions` marks the misses whose neighbor's BGP session is down. Before planning,
`neighbor_sends` says whether an alternate's neighbor sends a prefix a detour would match, and
`more_specific_kept` whether the source's neighbor keeps a more-specific of it. The device layer
(trafficshift.device.router.effect, .detour_routes) asks the router; the rollout decides what a miss
means (docs/effect.md).
"""
from trafficshift.effect.check import (Announcement, AnnouncementMiss, Expectation, Miss, announcement_expectations,
                                       check_announcements, check_routes, detour_expectations, more_specific_kept,
                                       neighbor_sends, with_sessions)

__all__ = ["Announcement", "AnnouncementMiss", "Expectation", "Miss", "announcement_expectations",
           "check_announcements", "check_routes", "detour_expectations", "more_specific_kept",
           "neighbor_sends", "with_sessions"]
