"""Fixtures of the contract tests: the descriptor sets, read once per session."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pb2

from tests.contracts.descriptors import Rpc, committed_descriptor_set, rpcs_of, source_descriptor_set


@pytest.fixture(scope="session")
def committed() -> descriptor_pb2.FileDescriptorSet:
    return committed_descriptor_set()


@pytest.fixture(scope="session")
def rpcs(committed: descriptor_pb2.FileDescriptorSet) -> list[Rpc]:
    return rpcs_of(committed)


@pytest.fixture(scope="session")
def from_sources(tmp_path_factory: pytest.TempPathFactory) -> descriptor_pb2.FileDescriptorSet:
    return source_descriptor_set(tmp_path_factory.mktemp("buf"))
