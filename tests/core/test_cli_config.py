"""``workbench config show`` and ``workbench config path`` (issue #18)."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main


@pytest.fixture
def files(monkeypatch, tmp_path):
    machine, user = tmp_path / "machine.toml", tmp_path / "user.toml"
    machine.write_text(
        'locked = ["user.role"]\n[user]\nrole = "teamleder"\n'
        '[plugins.cvr]\npassword = "keyring:jobkort/cvr"\n',
        "utf-8",
    )
    user.write_text('[user]\nrole = "konsulent"\n[http]\ntimeout_s = 9\n', "utf-8")
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(machine))
    monkeypatch.setenv("WORKBENCH_USER_CONFIG", str(user))
    return machine, user


def test_show_json_lists_every_key_with_origin_and_lock(files, capsys, monkeypatch):
    machine, user = files
    monkeypatch.setenv("WORKBENCH__PLUGINS__JOBINDSATS__API_KEY", "hemmelig-nøgle")
    assert main(["config", "show", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "hemmelig-nøgle" not in out
    rows = {row["key"]: row for row in json.loads(out)["settings"]}
    assert rows["user.role"] == {
        "key": "user.role",
        "value": "teamleder",
        "origin": "machine",
        "file": str(machine),
        "locked": True,
    }
    assert rows["http.timeout_s"]["origin"] == "user" and rows["http.timeout_s"]["value"] == 9
    assert rows["http.timeout_s"]["file"] == str(user)
    assert rows["ui.language"]["origin"] == "defaults" and not rows["ui.language"]["locked"]
    key = rows["plugins.jobindsats.api_key"]
    assert key["value"] == "***" and key["origin"] == "environment"
    assert key["file"] == "WORKBENCH__PLUGINS__JOBINDSATS__API_KEY"
    assert rows["plugins.cvr.password"]["reference"] == "keyring:jobkort/cvr"


def test_show_text_marks_locked_keys(files, capsys):
    assert main(["config", "show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "user.role = 'teamleder'  (machine, locked)" in lines
    assert "http.timeout_s = 9  (user)" in lines


def test_path_prints_both_files(files, capsys):
    machine, user = files
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"machine: {machine}", f"user: {user}"]
    user.unlink()
    assert main(["config", "path", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "machine": str(machine),
        "user": str(user),
        "machine_exists": True,
        "user_exists": False,
    }


def test_config_without_a_subcommand_is_bad_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["config"])
    assert exit_.value.code == 2
    assert "{show,path}" in capsys.readouterr().err


def test_show_redacts_a_password_inside_a_url(files, capsys):
    _, user = files
    # a team store URL holding a password is refused (the password has its own key), and
    # the refusal does not repeat it
    user.write_text('[store]\nshared = "postgresql://jk:hemmelig@teamlager/jobkort"\n', "utf-8")
    assert main(["config", "show", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert "hemmelig" not in captured.out + captured.err
    assert "[store] shared" in captured.err and "password" in captured.err
    user.write_text(
        '[store]\nshared = "postgresql://teamlager/jobkort"\npassword = "hemmelig"\n', "utf-8"
    )
    assert main(["config", "show", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "hemmelig" not in out
    rows = {row["key"]: row for row in json.loads(out)["settings"]}
    assert rows["store.password"]["value"] == "***" and rows["store.password"]["origin"] == "user"
    assert rows["store.shared"]["value"] == "postgresql://teamlager/jobkort"
