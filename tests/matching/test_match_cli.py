"""``workbench match``: the issue's JSON, the text form, bad input in one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.matching.conftest import NO_COORD_CVR, workplace
from workbench.cli import main
from workbench.core.store import Store


def write(tmp_path: Path, data: object, name: str = "order.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def order_data(match_store: Store) -> dict:
    cvr, _x, _y = workplace(match_store)
    return {
        "occupation_codes": ["5223"],
        "required_qualifications": ["Q0046"],
        "nice_qualifications": ["Q0062", "Q0056"],
        "driving_licence": "B",
        "languages": ["dansk"],
        "min_experience_years": 1,
        "workplace": {"cvr": cvr},
        "max_commute_km": 50,
    }


def test_json_output_has_the_issue_keys(
    match_store: Store, match_cache: Path, order_data: dict, tmp_path: Path, capsys
) -> None:
    match_store.close()  # the command opens the cache itself
    path = write(tmp_path, order_data)
    rc = main(["match", str(path), "--cache", str(match_cache), "--top", "4", "--format", "json"])
    out = capsys.readouterr().out
    assert rc == 0
    doc = json.loads(out)
    assert {"total_eligible", "excluded", "funnel", "items"} <= set(doc)
    assert doc["excluded"]["not_searchable"] >= 0
    assert all({"criterion", "remaining"} <= set(s) for s in doc["funnel"])
    assert doc["funnel"][-1]["remaining"] == doc["total_eligible"] > 4
    assert len(doc["items"]) == 4
    keys = {
        "candidate_id",
        "score",
        "required_met",
        "required_total",
        "nice_met",
        "nice_total",
        "distance_km",
        "reasons",
    }
    for item in doc["items"]:
        assert keys <= set(item)
        assert item["required_met"] == item["required_total"] == 6
        assert isinstance(item["reasons"], list) and item["reasons"]
    scores = [i["score"] for i in doc["items"]]
    assert scores == sorted(scores, reverse=True)
    assert doc["best_relaxation"]["added"] > 0 and doc["travel"]["source"] == "estimate"


def test_text_output_and_occupation_names(
    match_store: Store, match_cache: Path, order_data: dict, tmp_path: Path, capsys
) -> None:
    match_store.close()
    path = write(tmp_path, {**order_data, "occupation_codes": ["butiksassistent"]})
    rc = main(["match", str(path), "--cache", str(match_cache), "--top", "2"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("Egnede kandidater: ")
    assert "CV søgbart" in out and "Bedste lempelse" in out
    assert len([line for line in out.splitlines() if " krav · " in line]) == 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"occupation_codes": ["0000"]}, "occupation_codes: unknown occupation code '0000'"),
        ({"occupation_codes": ["ingen sådan titel"]}, "occupation_codes[0]"),
        ({"workplace": {"cvr": "12"}}, "workplace.cvr: CVR 12 is not in the cache"),
        (
            {"workplace": {"cvr": NO_COORD_CVR}},
            f"workplace.cvr: CVR {NO_COORD_CVR} has no coordinates",
        ),
        ({"max_commute_km": -5}, "max_commute_km: must not be negative"),
        ({"max_commuting": 5}, "max_commuting: unknown key"),
        (
            {"languages": "dansk", "min_experience_years": "mange"},
            "min_experience_years: expected a number",
        ),
    ],
)
def test_bad_job_orders_exit_2_with_one_line_naming_the_field(
    match_store: Store,
    match_cache: Path,
    order_data: dict,
    tmp_path: Path,
    capsys,
    change,
    expected,
) -> None:
    match_store.close()
    path = write(tmp_path, {**order_data, **change})
    rc = main(["match", str(path), "--cache", str(match_cache), "--format", "json"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    errors = [line for line in captured.err.splitlines() if "error" in line]
    assert len(errors) == 1 and expected in errors[0], captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"occupation_codes": ["5223"]', "is not valid JSON (line 1"),
        ("[1, 2]", "job order: expected a JSON object"),
    ],
)
def test_malformed_json_exits_2(match_cache: Path, tmp_path: Path, capsys, text, expected) -> None:
    path = write(tmp_path, text)
    rc = main(["match", str(path), "--cache", str(match_cache)])
    err = capsys.readouterr().err
    assert rc == 2 and expected in err and len(err.strip().splitlines()) == 1


def test_bad_weight_and_missing_file_exit_2(match_cache: Path, tmp_path: Path, capsys) -> None:
    path = write(tmp_path, {"occupation_codes": ["5223"]})
    assert main(["match", str(path), "--cache", str(match_cache), "--weight", "luck=3"]) == 2
    assert "weights.luck: unknown" in capsys.readouterr().err
    assert main(["match", str(tmp_path / "none.json"), "--cache", str(match_cache)]) == 2
    assert "cannot read job order" in capsys.readouterr().err


def test_a_dead_routing_server_is_reported_not_fatal(
    match_store: Store, match_cache: Path, order_data: dict, tmp_path: Path, capsys
) -> None:
    match_store.close()
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[routing]\nbase_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    path = write(tmp_path, order_data)
    rc = main(
        ["match", str(path), "--cache", str(match_cache), "--config", str(cfg), "--format", "json"]
    )
    captured = capsys.readouterr()
    assert rc == 0
    assert "routing failed, estimated instead" in captured.err
    assert json.loads(captured.out)["travel"]["source"] == "estimate"
