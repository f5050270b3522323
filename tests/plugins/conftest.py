"""Fixtures for plugin tests: the local fixture HTTP server and a host on a fresh cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plugins.fixture_server import FixtureServer


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    """A running FixtureServer on 127.0.0.1 (see tests/plugins/fixture_server.py)."""
    with FixtureServer() as server:
        yield server
