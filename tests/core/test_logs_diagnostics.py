"""The log file (rotating, user-only, scrubbed) and the support report (no personal data,
no secrets), through the command line as IT and support use them."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.core import logs
from workbench.core.config import load_settings
from workbench.core.diagnostics import diagnose

SECRET = "s3cr3t-token-value-123"


def test_scrub_removes_secret_pairs_known_values_and_cpr_numbers() -> None:
    line = 'GET /x?apiKey=abc123&token=zzz9 "password": "hunter22" cpr 010203-1234 and 0102031234'
    out = logs.scrub(line + f" {SECRET}", [SECRET])
    for leaked in ("abc123", "zzz9", "hunter22", "010203-1234", "0102031234", SECRET):
        assert leaked not in out
    assert "GET /x?apiKey=***" in out


def test_log_file_is_user_only_rotates_and_holds_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH__PLUGINS__JOBINDSATS__API_KEY", SECRET)
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup_logging()
    assert path is not None and path.parent == Path(logs.log_dir())
    load_settings()  # the key is now known to the log's scrubber
    log = logging.getLogger("workbench.test")
    for i in range(60):
        log.warning("request %d failed with key %s for 121212-1212", i, SECRET)
    text = "".join(p.read_text("utf-8") for p in path.parent.glob("workbench.log*"))
    assert "request 59 failed" in text
    assert SECRET not in text and "121212-1212" not in text
    assert len(list(path.parent.glob("workbench.log.*"))) >= 1  # rotated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_diagnose_has_sources_and_reference_counts_but_no_persons_or_secrets(
    small_demo_cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.core import cache

    monkeypatch.setenv("WORKBENCH__PLUGINS__CVR__PASSWORD", SECRET)
    con = cache.connect(small_demo_cache, read_only=True)
    try:
        candidate_ids = [
            r[0] for r in con.execute("SELECT candidate_id FROM candidates").fetchall()
        ]
        text = diagnose(load_settings(), con, small_demo_cache)
    finally:
        con.close()
    assert "municipalities: 99" in text and "taxonomies:" in text
    assert SECRET not in text and "password = '***'" in text
    assert not any(cid in text for cid in candidate_ids[:500])
    assert "candidates" not in text.split("Reference tables:")[1].split("Settings")[0]

    assert main(["diagnose", "--cache", str(small_demo_cache)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Jobkort workbench ") and SECRET not in out


def test_about_lists_every_source_with_licence_attribution_and_last_refresh(
    small_demo_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench import __version__
    from workbench.core import cache

    con = cache.connect(small_demo_cache)
    con.execute(
        "INSERT INTO refresh_log (run_id, plugin, started, finished, status, rows_written) "
        "VALUES ('r1', 'statbank', TIMESTAMP '2026-11-30 06:00', TIMESTAMP '2026-11-30 06:05', "
        "'ok', 10)"
    )
    con.close()
    assert main(["about", "--cache", str(small_demo_cache), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == __version__
    by_id = {s["plugin"]: s for s in data["sources"]}
    assert {"boundaries", "cvr", "jobnet", "statbank", "taxonomies"} <= set(by_id)
    assert by_id["statbank"]["last_refresh"] == "2026-11-30T06:05"
    assert by_id["cvr"]["last_refresh"] is None
    assert all(s["licence"] and s["attribution"] for s in data["sources"])


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from workbench import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"workbench {__version__}"


def test_credential_references_resolve_from_environment_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "jobindsats.key"
    key_file.write_text("  file-key-4711\n", "utf-8")
    machine = tmp_path / "machine.toml"
    machine.write_text(
        '[plugins.cvr]\nusername = "env:JK_USER"\npassword = "env:JK_MISSING"\n'
        f'[plugins.jobindsats]\napi_key = "file:{key_file.as_posix()}"\n'
        '[plugins.jobnet]\nbase_url = "env:NOT_A_SECRET_KEY"\n',
        "utf-8",
    )
    monkeypatch.setenv("WORKBENCH_MACHINE_CONFIG", str(machine))
    settings = load_settings(environ={"JK_USER": "kommune-7"})
    assert settings.get("plugins.cvr.username") == "kommune-7"
    assert settings.get("plugins.cvr.password") == ""  # unresolved: empty, never the reference
    assert settings.get("plugins.jobindsats.api_key") == "file-key-4711"
    assert settings.get("plugins.jobnet.base_url") == "env:NOT_A_SECRET_KEY"  # only secrets
