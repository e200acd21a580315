"""One split run for the whole tests/split session: starting it costs most of the time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.split.cluster import Cluster, split_cluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with split_cluster(tmp_path_factory.mktemp("split-run")) as running:
        yield running
