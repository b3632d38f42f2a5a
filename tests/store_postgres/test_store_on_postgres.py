"""The Store's own tests (tests/unit_store/test_store.py) on PostgresCache, the store several masters share."""
from __future__ import annotations

import pytest

from trafficshift.fleet.postgres import PostgresCache
from trafficshift.fleet.store import Store
from unit_store.test_store import (test_active_plan_controls_and_settings_round_trip,
                                   test_first_start_is_reported_once_per_minion,
                                   test_history_is_newest_first_and_keeps_the_previous_plan)

# collected here again, with the `store` fixture below
__all__ = ["test_active_plan_controls_and_settings_round_trip", "test_first_start_is_reported_once_per_minion",
           "test_history_is_newest_first_and_keeps_the_previous_plan"]


@pytest.fixture
def store(postgres):
    cache = PostgresCache(postgres)
    yield Store(cache)
    cache.close()
