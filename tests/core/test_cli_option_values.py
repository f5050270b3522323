"""Every numeric and date option of every subcommand: a wrong-shape, huge or negative value
is one line naming the option, exit 2, never a traceback; the value is cut to 80 characters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

HUGE = "99999999999999999999999"
LONG = "9" * 500

# (subcommand and its positionals, option values, what the error line names)
CASES: list[tuple[list[str], list[str], str]] = [
    (["search", "candidates"], ["--unemployed-days", "999999999:"], "--unemployed-days"),
    (["search", "candidates"], ["--unemployed-days", f":{HUGE}"], "--unemployed-days"),
    (["search", "candidates"], ["--unemployed-days", "-5:"], "cannot be negative"),
    (["search", "candidates"], ["--unemployed-days", "-5:-1"], "cannot be negative"),
    (["search", "candidates"], ["--unemployed-days", "1:2:3"], "MIN:MAX"),
    (["search", "companies"], ["--employees", f"{HUGE}:"], "--employees"),
    (["search", "companies"], ["--employees", "-3:"], "cannot be negative"),
    (["search", "candidates"], ["--limit", HUGE], "--limit"),
    (["search", "candidates"], ["--limit", "-1"], "--limit cannot be negative"),
    (["search", "candidates"], ["--limit", "ten"], "--limit must be a whole number"),
    (["search", "candidates"], ["--offset", HUGE], "--offset"),
    (["search", "candidates"], ["--offset", "-7"], "--offset cannot be negative"),
    (["search", "postings"], ["--posted-within", "99999999999"], "--posted-within"),
    (["search", "postings"], ["--posted-within", "-3"], "--posted-within cannot be negative"),
    (["search", "postings"], ["--posted-within", "1.5"], "--posted-within"),
    (["search", "candidates"], ["--near", "1,2", "--radius-km", "nan"], "--radius-km"),
    (["search", "candidates"], ["--near", "1,2", "--radius-km", "1e999"], "--radius-km"),
    (["search", "candidates"], ["--near", "1,2", "--radius-km", "-1"], "--radius-km"),
    (["search", "candidates"], ["--near", "1e999,2", "--radius-km", "3"], "--near"),
    (["search", "candidates"], ["--near", "1,2,3", "--radius-km", "3"], "--near"),
    (["search", "candidates"], ["--today", "0001-01-01"], "--today"),
    (["search", "candidates"], ["--today", "9999-12-31"], "--today"),
    (["search", "candidates"], ["--today", "2026-13-45"], "--today"),
    (["search", "candidates"], ["--today", "-5"], "--today"),
    (["demo"], ["--seed", "-1"], "--seed cannot be negative"),
    (["demo"], ["--seed", HUGE], "--seed"),
    (["demo"], ["--today", "0001-01-01"], "--today"),
    (["demo"], ["--today", "yesterday"], "--today"),
    (["screenshot", "out.png"], ["--width", "0"], "--width"),
    (["screenshot", "out.png"], ["--height", HUGE], "--height"),
    (["screenshot", "out.png"], ["--width", "-800"], "--width"),
    (["screenshot", "out.png"], ["--height", "tall"], "--height"),
]


@pytest.mark.parametrize(
    ("command", "options", "needle"), CASES, ids=[" ".join(c[1]) for c in CASES]
)
def test_bad_option_value_is_one_line_and_exit_2(
    _small_demo_master: Path, tmp_path: Path, capsys, command, options, needle
) -> None:
    cache = _small_demo_master if command[0] == "search" else tmp_path / "new.duckdb"
    rc = main([*command, "--cache", str(cache), *options])
    out, err = capsys.readouterr()
    assert rc == 2
    assert needle in err and err.startswith(f"workbench {command[0]}: error: ")
    assert len(err.strip().splitlines()) == 1 and out == ""
    assert not (tmp_path / "new.duckdb").exists()  # refused before anything is written


@pytest.mark.parametrize(
    "options",
    [
        ["--limit", LONG],
        ["--unemployed-days", f"{LONG}:"],
        ["--today", LONG],
        ["--municipality", "x" * 500],
        ["--near", "y" * 500, "--radius-km", "2"],
    ],
    ids=["limit", "unemployed-days", "today", "municipality", "near"],
)
def test_an_option_value_is_cut_to_80_characters_in_the_error_line(
    _small_demo_master: Path, capsys, options
) -> None:
    rc = main(["search", "candidates", "--cache", str(_small_demo_master), *options])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert LONG not in err and "x" * 81 not in err and "y" * 81 not in err
    assert "…" in err


def test_negative_range_through_the_installed_command(_small_demo_master: Path) -> None:
    """argparse alone says 'expected one argument' for a value starting with '-'."""
    out = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "search", "candidates", "--cache",
         str(_small_demo_master), "--unemployed-days", "-5:", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip() == (
        "workbench search: error: --unemployed-days cannot be negative, got -5"
    )


def test_values_within_the_bounds_still_work(_small_demo_master: Path, capsys) -> None:
    import json

    rc = main(
        ["search", "postings", "--cache", str(_small_demo_master), "--posted-within", "36500",
         "--today", "2026-11-01", "--limit", "2", "--offset", "1", "--format", "json"]
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["total"] == 2000 and len(data["items"]) == 2
    assert data["truncated"] is True and data["dataset"] == "demo"
