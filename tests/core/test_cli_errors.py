"""Bad command-line input exits 2 with one line that names the problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.cli import main


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["candidates", "--unemployed-days", "abc"], "--unemployed-days"),
        (["candidates", "--unemployed-days", "30:10"], "larger than MAX"),
        (["candidates", "--employees", "1:5"], "--employees does not apply to candidates"),
        (["companies", "--qualification", "Q0001"], "--qualification does not apply to companies"),
        (["candidates", "--near", "1,2"], "--radius-km"),
        (["candidates", "--near", "x", "--radius-km", "3"], "--near must be X,Y"),
        (["companies", "--collaboration", "kaffe"], "unknown collaboration 'kaffe'"),
        (
            ["companies", "--collaboration", "none", "--collaboration", "mentor"],
            "cannot be combined",
        ),
        (["companies", "--cvr", "12"], "CVR must be 8 digits"),
        (["candidates", "--municipality", "abc"], "municipality code"),
        (["companies", "--collaboration", "any", "--collaboration-scope", "own"], "--jobcenter"),
        (["candidates", "--limit", "-1"], "cannot be negative"),
        (["candidates", "--driving-licence", "Q"], "unknown driving licence category 'Q'"),
        (["companies", "--driving-licence", "B"], "--driving-licence does not apply to companies"),
        (
            ["companies", "--collaboration", "any", "--collaboration-since", "1.5.2026"],
            "--collaboration-since must be a date YYYY-MM-DD",
        ),
        (["companies", "--collaboration-since", "2026-05-01"], "needs --collaboration"),
        (
            ["candidates", "--collaboration", "any", "--collaboration-since", "2026-05-01"],
            "does not apply to candidates",
        ),
        (
            ["companies", "--collaboration", "active", "--collaboration", "former"],
            "one of none, any, active, former",
        ),
        (["planets"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_with_one_line(small_demo_cache, capsys, options, needle):
    with pytest.raises(SystemExit) if options == ["planets"] else _nullcontext():
        rc = main(["search", *options[:1], "--cache", str(small_demo_cache), *options[1:]])
        assert rc == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_missing_cache_is_a_usage_error(tmp_path, capsys):
    rc = main(["search", "candidates", "--cache", str(tmp_path / "nope.duckdb")])
    assert rc == 2
    assert "does not exist" in capsys.readouterr().err


def test_console_script_runs_and_reports_errors(small_demo_cache):
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "search",
            "postings",
            "--cache",
            str(small_demo_cache),
            "--limit",
            "1",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and '"total": 2000' in ok.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "search",
            "postings",
            "--cache",
            str(small_demo_cache),
            "--posted-within",
            "-3",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "negative" in bad.stderr


def test_config_errors_are_one_line_and_name_the_key(small_demo_cache, tmp_path, capsys):
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[ui\nlanguage = 'da'\n")
    rc = main(["search", "candidates", "--cache", str(small_demo_cache), "--config", str(bad_toml)])
    assert rc == 1 and "not valid TOML" in capsys.readouterr().err
    rc = main(
        [
            "search",
            "candidates",
            "--cache",
            str(small_demo_cache),
            "--config",
            str(tmp_path / "no.toml"),
        ]
    )
    assert rc == 1 and "does not exist" in capsys.readouterr().err
    bad_value = tmp_path / "value.toml"
    bad_value.write_text('[map]\ndensity_threshold = "lots"\n')
    rc = main(["demo", "--cache", str(tmp_path / "c.duckdb"), "--config", str(bad_value)])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and "[map] density_threshold = 'lots'" in err and str(bad_value) in err
    assert len(err.splitlines()) == 1


def test_own_jobcenter_comes_from_the_configuration_and_is_normalised(
    small_demo_cache, tmp_path, capsys
):
    import json

    cfg = tmp_path / "user.toml"
    cfg.write_text('[ui]\njobcenter = "751"\n')
    base = [
        "search",
        "companies",
        "--cache",
        str(small_demo_cache),
        "--collaboration",
        "any",
        "--collaboration-scope",
        "own",
        "--format",
        "json",
        "--limit",
        "0",
    ]
    assert main([*base, "--config", str(cfg)]) == 0
    from_config = json.loads(capsys.readouterr().out)["total"]
    assert main([*base, "--jobcenter", "0751"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == from_config > 0


def test_gui_without_a_display_says_so_in_one_line():
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if sys.platform.startswith("linux"):
        assert out.returncode == 1 and "no display" in out.stderr and out.stderr.count("\n") == 1


def test_search_into_a_closed_pipe_is_not_an_error(small_demo_cache):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "search",
            "companies",
            "--cache",
            str(small_demo_cache),
            "--limit",
            "20000",
            "--format",
            "csv",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err
