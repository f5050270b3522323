"""The user context from the settings (issue #15): ``[user] name/jobcenter/role``, the old
``[ui] jobcenter`` still working, and keys IT locked in the machine-wide file that no user
file, ``--config`` file or environment variable overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.privacy.conftest import write_machine_config, write_user_config
from workbench.core.config import load_settings
from workbench.core.errors import ConfigError
from workbench.core.session import UserContext


def test_defaults_are_a_consultant_without_a_jobcenter() -> None:
    s = load_settings()
    assert (s.get("user.jobcenter"), s.get("user.role"), s.get("user.name")) == (
        "",
        "konsulent",
        "",
    )
    assert s.get("privacy.retention_days") == 30
    assert not s.locked("user.jobcenter")


def test_the_old_ui_jobcenter_is_the_user_jobcenter() -> None:
    write_user_config('[ui]\njobcenter = "0101"\n')
    s = load_settings()
    assert s.get("user.jobcenter") == s.get("ui.jobcenter") == "0101"
    write_user_config('[ui]\njobcenter = "0147"\n[user]\njobcenter = "0101"\n')
    s = load_settings()
    assert s.get("user.jobcenter") == s.get("ui.jobcenter") == "0101"  # the new name wins


def test_locked_keys_win_over_user_config_and_environment(tmp_path: Path) -> None:
    write_machine_config('locked = ["user.jobcenter", "user.role"]\n[user]\njobcenter = "0101"\n')
    write_user_config('[user]\njobcenter = "0147"\nrole = "administrator"\nname = "eva"\n')
    extra = tmp_path / "extra.toml"
    extra.write_text('[ui]\njobcenter = "0751"\n', encoding="utf-8")
    s = load_settings(extra, environ={"WORKBENCH__USER__JOBCENTER": "0851"})
    assert s.get("user.jobcenter") == s.get("ui.jobcenter") == "0101"
    assert s.get("user.role") == "konsulent"  # locked at the default
    assert s.get("user.name") == "eva"  # not locked
    assert s.locked("user.jobcenter") and s.locked("ui.jobcenter") and s.locked("user.role")
    assert not s.locked("user.name")


def test_only_the_machine_wide_file_can_lock() -> None:
    write_user_config('locked = ["user.name"]\n[user]\nname = "eva"\n')
    s = load_settings()
    assert not s.locked("user.name") and s.get("user.name") == "eva"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[user]\nrole = "chef"\n', "[user] role = 'chef'"),
        ('[user]\njobcenter = "Aalborg"\n', "[user] jobcenter = 'Aalborg'"),
        ("[privacy]\nretention_days = 0\n", "[privacy] retention_days = 0"),
    ],
)
def test_bad_user_values_are_one_clear_line(text: str, needle: str) -> None:
    write_user_config(text)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_a_bad_locked_list_is_one_clear_line() -> None:
    write_machine_config('locked = "user.jobcenter"\n')
    with pytest.raises(ConfigError, match=r"locked = 'user\.jobcenter' is not valid"):
        load_settings()


def test_the_user_context_from_settings(small_demo_con) -> None:
    write_user_config('[user]\nname = "kons1"\njobcenter = "101"\nrole = "teamleder"\n')
    ctx = UserContext.from_settings(load_settings(), small_demo_con)
    assert (ctx.user, ctx.jobcenter, ctx.role) == ("kons1", "0101", "teamleder")
    scope = ctx.scope()
    assert scope.restricts and not scope.rows_allowed
    write_user_config("")
    ctx = UserContext.from_settings(load_settings(), small_demo_con)
    assert ctx.user and ctx.jobcenter is None and not ctx.scope().restricts  # the OS login
