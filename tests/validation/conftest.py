"""The example pillar as fixtures; tests mutate deep copies of it."""
from __future__ import annotations

import pytest

from trafficshift.validation import parse_network
from validation_examples import example_load, example_network


@pytest.fixture
def network_data() -> dict:
    return example_network()


@pytest.fixture(scope="session")
def network():
    return parse_network(example_network())


@pytest.fixture
def load_data() -> dict:
    """pillar/load/normal.yaml; fresh when checked at `now=load_data["timestamp"]`."""
    return example_load("normal")
