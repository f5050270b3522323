"""Where each setting comes from (origin layer), locked keys, and writing the user's file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from workbench.core.config import InvalidSetting, load_settings
from workbench.core.config_write import LockedSettingError, save_user_settings
from workbench.core.errors import ConfigError

MACHINE = """\
locked = ["user.jobcenter", "privacy.retention_days"]

[user]
jobcenter = "0851"

[privacy]
retention_days = 45

[http]
proxy = "http://proxy.kommune.dk:8080"

[basemap]
token = "keyring:jobkort/basemap"
"""

USER = """\
# my own settings
[user]
name = "Kirsten"   # shown in the audit log
jobcenter = "0101"  # ignored: IT locked it

[http]
timeout_s = 12
"""


@pytest.fixture
def layered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    machine, user = tmp_path / "machine.toml", tmp_path / "user.toml"
    machine.write_text(MACHINE, "utf-8")
    user.write_text(USER, "utf-8")
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(machine))
    monkeypatch.setenv("WORKBENCH_USER_CONFIG", str(user))
    return machine, user


def test_each_key_reports_the_layer_it_comes_from(layered):
    machine, user = layered
    s = load_settings(environ={"WORKBENCH__HTTP__RETRIES": "7"})
    assert s.origin("ui.language") == "defaults"
    assert s.origin("http.proxy") == "machine" and s.origin_path("http.proxy") == str(machine)
    assert s.origin("user.name") == "user" and s.origin_path("user.name") == str(user)
    assert s.origin("http.timeout_s") == "user"
    assert s.origin("http.retries") == "environment" and s.origin_path("http.retries") == ""
    # locked: the machine's value and origin, although the user's file sets it too
    assert s.get("user.jobcenter") == "0851" and s.origin("user.jobcenter") == "machine"
    assert s.locked("user.jobcenter") and s.locked("ui.jobcenter")
    assert not s.locked("user.name")
    assert "plugins.cvr.base_url" in s.dotted_keys() and "http.proxy" in s.dotted_keys()


def test_a_config_file_and_the_older_key_name_have_their_origin(layered, tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text("[http]\ntimeout_s = 3\n", "utf-8")
    s = load_settings(extra)
    assert s.origin("http.timeout_s") == "config" and s.config_file == str(extra)
    layered[0].write_text("[ui]\nlanguage = 'da'\n", "utf-8")  # nothing locked now
    layered[1].write_text("[ui]\njobcenter = '0101'\n", "utf-8")  # the older name
    s = load_settings()
    assert s.get("user.jobcenter") == "0101" and s.origin("user.jobcenter") == "user"


def test_a_secret_reference_is_reported_not_its_value(layered):
    s = load_settings(environ={})
    assert s.reference("basemap.token") == "keyring:jobkort/basemap"
    assert s.written("basemap.token") == "keyring:jobkort/basemap"
    assert s.reference("http.proxy") is None


def test_saving_writes_only_the_changed_keys_and_keeps_comments(layered):
    _, user = layered
    result = save_user_settings({"http.proxy": "http://other:3128", "ui.language": "en"})
    text = user.read_text("utf-8")
    assert "# my own settings" in text and "# shown in the audit log" in text
    data = tomllib.loads(text)
    assert data["http"] == {"timeout_s": 12, "proxy": "http://other:3128"}
    assert data["ui"] == {"language": "en"}
    assert data["user"]["name"] == "Kirsten"
    assert result.written == ("http.proxy", "ui.language") and result.restart_needed
    assert result.settings.get("http.proxy") == "http://other:3128"
    assert result.settings.origin("http.proxy") == "user"
    assert load_settings().get("ui.language") == "en"


def test_only_a_live_key_needs_no_restart(layered):
    assert not save_user_settings({"ui.language": "en"}).restart_needed


def test_a_new_user_file_gets_nested_plugin_tables(monkeypatch, tmp_path):
    user = tmp_path / "new" / "user.toml"
    monkeypatch.setenv("WORKBENCH_USER_CONFIG", str(user))
    save_user_settings({"plugins.jobnet.base_url": "http://127.0.0.1:9/"})
    text = user.read_text("utf-8")
    assert "[plugins.jobnet]" in text and "[plugins]\n" not in text
    assert load_settings().plugin("jobnet")["base_url"] == "http://127.0.0.1:9/"


def test_a_reference_is_written_as_the_reference(layered, tmp_path):
    secret = tmp_path / "token.txt"
    secret.write_text("the-real-token\n", "utf-8")
    _, user = layered
    result = save_user_settings({"plugins.jobindsats.api_key": f"file:{secret}"})
    assert f"file:{secret}" in user.read_text("utf-8")
    assert "the-real-token" not in user.read_text("utf-8")
    assert result.settings.plugin("jobindsats")["api_key"] == "the-real-token"


def test_a_bad_value_names_the_key_and_leaves_the_file(layered):
    _, user = layered
    before = user.read_text("utf-8")
    with pytest.raises(InvalidSetting) as err:
        save_user_settings({"http.proxy": "http://x", "http.timeout_s": 0})
    assert err.value.key == "http.timeout_s" and err.value.kind == "positive_number"
    assert "[http] timeout_s = 0" in str(err.value)
    assert user.read_text("utf-8") == before


def test_a_locked_key_is_never_written_even_when_locked_after_loading(layered):
    machine, user = layered
    before = user.read_text("utf-8")
    with pytest.raises(LockedSettingError):
        save_user_settings({"privacy.retention_days": 10})
    with pytest.raises(LockedSettingError):
        save_user_settings({"ui.jobcenter": "0101"})  # the older name of a locked key
    s = load_settings()  # the dialog opened while ui.language was free ...
    assert not s.locked("ui.language")
    machine.write_text(MACHINE.replace('"privacy', '"ui.language", "privacy'), "utf-8")
    with pytest.raises(LockedSettingError) as err:  # ... and IT locked it before the save
        save_user_settings({"ui.language": "en", "http.proxy": "http://x"})
    assert err.value.key == "ui.language"
    assert user.read_text("utf-8") == before


def test_an_unreadable_user_file_is_one_clear_error(layered):
    layered[1].write_text("[http\n", "utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        save_user_settings({"http.proxy": "http://x"})
