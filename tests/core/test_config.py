"""Layered settings: defaults < machine-wide < user < --config < environment; validation."""

from __future__ import annotations

import pytest

from workbench.core.config import load_settings
from workbench.core.errors import ConfigError


def test_layers_override_in_order(tmp_path, monkeypatch):
    machine = tmp_path / "machine.toml"
    user = tmp_path / "user.toml"
    extra = tmp_path / "extra.toml"
    machine.write_text(
        '[ui]\njobcenter = "0101"\n[http]\nproxy = "http://proxy:8080"\nretries = 2\n'
    )
    user.write_text("[http]\nretries = 3\n")
    extra.write_text('[plugins.cvr]\nusername = "me"\n[http]\ntimeout_s = 5\n')
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(machine))
    monkeypatch.setenv("WORKBENCH_USER_CONFIG", str(user))
    s = load_settings(extra, environ={"WORKBENCH__PLUGINS__CVR__PASSWORD": "hemmelig"})
    assert s.get("ui.jobcenter") == "0101"  # machine-wide
    assert s.get("http.proxy") == "http://proxy:8080"
    assert s.get("http.retries") == 3  # the user's file beats the machine's
    assert s.get("http.timeout_s") == 5  # --config beats both
    assert s.get("http.user_agent").startswith("Jobkort")  # defaults stay
    cvr = s.plugin("cvr")
    assert (cvr["username"], cvr["password"]) == ("me", "hemmelig")
    assert s.sources == ["defaults", str(machine), str(user), str(extra), "environment"]


def test_secrets_are_redacted_when_shown():
    s = load_settings(
        environ={
            "WORKBENCH__PLUGINS__CVR__PASSWORD": "hemmelig",
            "WORKBENCH__BASEMAP__TOKEN": "t0k",
        }
    )
    shown = s.redacted()
    assert shown["plugins"]["cvr"]["password"] == "***" and shown["basemap"]["token"] == "***"
    assert "hemmelig" not in repr(shown) and "t0k" not in repr(shown)
    assert shown["plugins"]["cvr"]["username"] == ""  # empty values are not secrets


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[ui]\nlanguage = "fr"\n', "[ui] language = 'fr'"),
        ('[ui]\njobcenter = "Aarhus"\n', "[ui] jobcenter"),
        ("[map]\ndensity_threshold = 0\n", "[map] density_threshold = 0"),
        ('[http]\ntimeout_s = "soon"\n', "[http] timeout_s"),
        ("[http]\nretries = -1\n", "[http] retries = -1"),
    ],
)
def test_invalid_values_are_refused_with_the_key_and_the_file(tmp_path, toml, needle):
    f = tmp_path / "c.toml"
    f.write_text(toml)
    with pytest.raises(ConfigError) as err:
        load_settings(f)
    assert needle in str(err.value) and str(f) in str(err.value)
