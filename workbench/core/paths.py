"""Where the workbench keeps its files, per user and per machine (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Jobkort"
APP_AUTHOR = "Jobkort"


def user_data_dir() -> Path:
    """Per-user data folder (the cache lives here unless ``--cache`` says otherwise)."""
    override = os.environ.get("WORKBENCH_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_cache_path() -> Path:
    return user_data_dir() / "workbench.duckdb"


def user_config_file() -> Path:
    override = os.environ.get("WORKBENCH_USER_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)) / "workbench.toml"


def machine_config_file() -> Path:
    """The machine-wide file that IT deploys (e.g. C:\\ProgramData\\Jobkort\\workbench.toml)."""
    override = os.environ.get("WORKBENCH_MACHINE_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.site_config_dir(APP_NAME, APP_AUTHOR)) / "workbench.toml"
