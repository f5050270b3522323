"""The e2e tests drive the real window with the same fixture as tests/qt."""

from tests.qt.conftest import open_window  # noqa: F401
