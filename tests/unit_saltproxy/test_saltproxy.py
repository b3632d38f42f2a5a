"""saltext.trafficshift.proxy's metaproxy loader cache: built once per sub-proxy, rebuilt when a build failed part
way (a concurrent import broke it), the job's error after METAPROXY_ATTEMPTS broken builds. The end-to-end
check is the deltaproxy suite (tests/salt_deltaproxy) and bench/apply.py at 50 sub-proxies."""
from __future__ import annotations

import pytest
import salt.loader

from saltext.trafficshift import proxy as saltproxy

OPTS = {"id": "ams01-r1", "metaproxy": "deltaproxy"}


class Loader(dict):
    """A loader whose module load failed part way: every lookup raises KeyError, as Salt's does then."""

    def __init__(self, broken: bool) -> None:
        functions = {"deltaproxy.target": "target", "deltaproxy.thread_return": "thread_return"}
        super().__init__({} if broken else functions)


class Builds(list):
    """Stands in for salt.loader.metaproxy: records (id, loaded_base_name) per build; the first `broken`
    builds come out broken."""

    broken = 0

    def __call__(self, opts, loaded_base_name):
        loader = Loader(broken=len(self) < self.broken)
        self.append((opts["id"], loaded_base_name))
        return loader


@pytest.fixture
def builds(monkeypatch):
    monkeypatch.setattr(saltproxy, "_METAPROXY_LOADERS", {})
    made = Builds()
    monkeypatch.setattr(salt.loader, "metaproxy", made)
    return made


def test_one_loader_per_subproxy_for_every_call(builds):
    assert saltproxy._metaproxy_call(OPTS, "target") == "target"
    assert saltproxy._metaproxy_call(OPTS, "thread_return") == "thread_return"
    assert saltproxy._metaproxy_call({**OPTS, "id": "ams01-r2"}, "target") == "target"
    assert [opts_id for opts_id, _ in builds] == ["ams01-r1", "ams01-r2"]
    assert builds[0][1].startswith("ams01-r1.")


def test_a_broken_build_is_rebuilt_not_kept(builds):
    builds.broken = 2
    assert saltproxy._metaproxy_call(OPTS, "target") == "target"
    assert len(builds) == 3
    assert saltproxy._metaproxy_call(OPTS, "thread_return") == "thread_return"
    assert len(builds) == 3  # the good one is kept


def test_the_job_fails_after_every_attempt_broke(builds):
    builds.broken = saltproxy.METAPROXY_ATTEMPTS
    with pytest.raises(KeyError):
        saltproxy._metaproxy_call(OPTS, "target")
    assert len(builds) == saltproxy.METAPROXY_ATTEMPTS
    assert saltproxy._metaproxy_call(OPTS, "target") == "target"  # the next call starts afresh
