"""``workbench team sync|status``, About and diagnose with a team store: what a script and
support see. The password never reaches the output or the log; an unreachable server is one
line and leaves the cache's work as it was."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.conftest import DEMO_TODAY
from workbench.cli import main
from workbench.core import campaigns as camp
from workbench.core.config import load_settings
from workbench.core.errors import ConfigError
from workbench.core.filters import Filter, Range
from workbench.core.teamstore.sync import PLUGIN_ID

from .conftest import PASSWORD, PgServer
from .helpers import Workstation, workstation

FLT = Filter(municipalities=("0101",), employees=Range(20, None))
USER_TABLES = ("campaigns", "campaign_targets", "campaign_target_history", "job_orders")


def _closed_port() -> int:
    with socket.socket() as s:  # bound and closed again: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_campaign(ws: Workstation) -> None:
    with ws.open() as store:
        camp.create_campaign(store, "Efterår", flt=FLT, created_by="lead", today=DEMO_TODAY)
        camp.assign(store, "Efterår", "anna", top=2)


def _user_work(ws: Workstation) -> dict[str, list[tuple]]:
    with ws.open() as store:
        return {t: sorted(store.con.execute(f"SELECT * FROM {t}").fetchall()) for t in USER_TABLES}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _logs() -> str:
    folder = Path(os.environ["WORKBENCH_LOG_DIR"])
    return "".join(p.read_text("utf-8") for p in folder.glob("workbench.log*"))


@pytest.fixture
def lead(
    pg_empty: PgServer, _small_demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Workstation:
    monkeypatch.setenv("JOBKORT_TEST_TEAMSTORE_PW", pg_empty.password)
    return workstation(tmp_path, _small_demo_master, "lead", pg_empty, "0101")


def test_sync_and_status_print_json_and_never_the_password(lead, capsys):
    _with_campaign(lead)
    args = ("--cache", str(lead.cache), "--config", str(lead.config))
    code, out, err = _run(capsys, "team", "sync", *args, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["pushed"]["campaigns"] == 1 and result["pushed"]["assignments"] == 0
    assert result["jobcenter"] == "0101" and result["server"].endswith("/jobkort")
    code, out2, err2 = _run(capsys, "team", "sync", *args, "--format", "json")
    again = json.loads(out2)
    assert sum(again["pushed"].values()) == sum(again["pulled"].values()) == 0
    code, status, _ = _run(capsys, "team", "status", *args, "--format", "json")
    status = json.loads(status)
    assert status["team_store"]["reachable"] is True
    assert status["team_store"]["schema_version"] == 1
    assert status["last_sync"]["status"] == "ok"
    code, about, _ = _run(capsys, "about", *args, "--format", "json")
    team = json.loads(about)["team_store"]
    assert (team["reachable"], team["database"], team["user"]) == (True, "jobkort", "jobkort_team")
    code, report, _ = _run(capsys, "diagnose", *args)
    assert "Team store: 127.0.0.1:" in report and "reachable (schema 1)" in report
    assert "store.password = '***'" in report
    everything = out + err + out2 + err2 + json.dumps(status) + about + report + _logs()
    assert PASSWORD not in everything
    with lead.open() as store:
        log = store.con.execute(
            "SELECT status, message FROM refresh_log WHERE plugin = ?", [PLUGIN_ID]
        ).fetchall()
    assert [s for s, _ in log] == ["ok", "ok"]
    assert all(PASSWORD not in m for _, m in log)


def test_a_wrong_password_is_one_line_that_does_not_echo_it(lead, capsys, monkeypatch):
    wrong = "Wrong-pw-8d1c"
    monkeypatch.setenv("JOBKORT_TEST_TEAMSTORE_PW", wrong)
    args = ("--cache", str(lead.cache), "--config", str(lead.config))
    code, out, err = _run(capsys, "team", "sync", *args)
    assert code == 1
    assert err.count("\n") == 1 and "password authentication failed" in err
    code, report, _ = _run(capsys, "diagnose", *args)
    assert "unreachable (" in report
    assert wrong not in out + err + report + _logs()


def test_an_unreachable_server_is_one_line_and_changes_no_work(
    _small_demo_master, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("JOBKORT_TEST_TEAMSTORE_PW", PASSWORD)
    port = _closed_port()
    server = PgServer("127.0.0.1", port, "jobkort", "jobkort_team", PASSWORD, tmp_path)
    ws = workstation(tmp_path, _small_demo_master, "lead", server, "0101")
    _with_campaign(ws)
    before = _user_work(ws)
    args = ("--cache", str(ws.cache), "--config", str(ws.config))
    code, out, err = _run(capsys, "team", "sync", *args)
    assert code == 1 and out == ""
    assert err.startswith(f"workbench team: error: team store 127.0.0.1:{port}/jobkort unreachable")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert _user_work(ws) == before
    with ws.open() as store:
        assert store.con.execute(
            "SELECT status FROM refresh_log WHERE plugin = ?", [PLUGIN_ID]
        ).fetchall() == [("failed",)]
    code, out, _ = _run(capsys, "team", "status", *args)
    assert "unreachable" in out and "failed" in out
    assert PASSWORD not in out + err + _logs()


def test_sync_without_a_team_store_says_what_to_set(small_demo_cache, capsys):
    code, _out, err = _run(capsys, "team", "sync", "--cache", str(small_demo_cache))
    assert code == 1 and "[store] shared" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://db:3306/jobkort", "starts with postgresql://"),
        ("postgresql://:5432/jobkort", "names no host"),
        ("postgresql://db:5432/", "names no database"),
        ("postgresql://db:99999/jobkort", "not a URL"),
        ("postgresql://jobkort_team:Hemmelig-42@db/jobkort", "holds a password"),
    ],
)
def test_a_bad_url_is_one_clear_line_naming_the_key(tmp_path, url, says):
    config = tmp_path / "c.toml"
    config.write_text(f'[store]\nshared = "{url}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    text = str(err.value)
    assert text.startswith("configuration [store] shared = ") and says in text
    assert "\n" not in text and "Hemmelig-42" not in text


def test_store_user_and_password_accept_references(tmp_path, monkeypatch):
    monkeypatch.setenv("TEAM_ROLE", "jobkort_team")
    secret = tmp_path / "pw"
    secret.write_text("from-a-file\n", encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text(
        '[store]\nshared = "postgresql://db.kommune.dk:5432/jobkort"\n'
        f'user = "env:TEAM_ROLE"\npassword = "file:{secret.as_posix()}"\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    assert (settings.get("store.user"), settings.get("store.password")) == (
        "jobkort_team",
        "from-a-file",
    )
    assert settings.redacted()["store"]["password"] == "***"
