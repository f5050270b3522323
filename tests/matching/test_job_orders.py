"""The job order: JSON round trip, bad values naming the field, the job_orders table."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.matching.conftest import NO_COORD_CVR, workplace
from workbench.core.matching import (
    JobOrder,
    JobOrderError,
    Workplace,
    delete_job_order,
    job_order_for_company,
    job_order_from_posting,
    list_job_orders,
    load_job_order,
    save_job_order,
    validate,
)
from workbench.core.store import Store

FULL = {
    "occupation_codes": ["5223"],
    "title": "Butiksassistent",
    "tasks": "Kasse og varer",
    "include_related": True,
    "required_qualifications": ["Q0046"],
    "nice_qualifications": ["Q0062"],
    "certificates": ["Q0056"],
    "education": "Erhvervsuddannelse",
    "min_experience_years": 2,
    "driving_licence": ["B", "C"],
    "languages": ["dansk"],
    "employment": {"permanent": True, "hours": 37, "shifts": "dag", "start_date": "2027-01-04"},
    "positions": 2,
    "workplace": {"x": 560000.0, "y": 6300000.0},
    "max_commute_km": 30.5,
    "contact": "Hanne Jensen",
    "cvr": "12345678",
    "pnr": None,
    "source_posting_id": None,
    "received_at": "2026-12-01T09:00:00",
    "clarify_by": "2026-12-02T09:00:00",
    "deliver_by": "2026-12-04T09:00:00",
    "prioritise_long_term": True,
    "id": "JO-1",
}


def test_json_round_trip() -> None:
    order = JobOrder.from_json(FULL)
    assert JobOrder.from_json(order.to_json()) == order
    assert order.to_json()["workplace"] == {"x": 560000.0, "y": 6300000.0}
    assert JobOrder.from_json(
        {"occupation_codes": "5223", "driving_licence": "b"}
    ).driving_licence == ["B"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "occupation_codes"),
        ({"occupation_codes": [""]}, "occupation_codes[0]"),
        ({"occupation_codes": ["5223"], "max_commute_km": -1}, "max_commute_km"),
        ({"occupation_codes": ["5223"], "max_commute_km": "far"}, "max_commute_km"),
        ({"occupation_codes": ["5223"], "min_experience_years": 1.5}, "min_experience_years"),
        ({"occupation_codes": ["5223"], "driving_licence": ["Q"]}, "driving_licence[0]"),
        ({"occupation_codes": ["5223"], "workplace": {"x": 1}}, "workplace"),
        ({"occupation_codes": ["5223"], "workplace": {"street": "x"}}, "workplace.street"),
        ({"occupation_codes": ["5223"], "positions": 0}, "positions"),
        ({"occupation_codes": ["5223"], "received_at": "yesterday"}, "received_at"),
        ({"occupation_codes": ["5223"], "colour": "red"}, "colour"),
        ([], "job order"),
    ],
)
def test_bad_values_name_the_field(data: object, field: str) -> None:
    with pytest.raises(JobOrderError) as err:
        JobOrder.from_json(data)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ") and "\n" not in str(err.value)


def test_validate_against_the_cache(match_store: Store) -> None:
    cvr, x, y = workplace(match_store)
    placed = validate(
        match_store, JobOrder.from_json({"occupation_codes": ["5223"], "workplace": {"cvr": cvr}})
    )
    assert placed.workplace == Workplace(x=x, y=y, cvr=cvr)
    cases = [
        ({"occupation_codes": ["0000"]}, "occupation_codes", "unknown occupation code '0000'"),
        ({"occupation_codes": []}, "occupation_codes", "at least one"),
        (
            {"occupation_codes": ["5223"], "workplace": {"cvr": "11"}},
            "workplace.cvr",
            "not in the cache",
        ),
        (
            {"occupation_codes": ["5223"], "workplace": {"cvr": NO_COORD_CVR}},
            "workplace.cvr",
            "no coordinates",
        ),
        (
            {"occupation_codes": ["5223"], "max_commute_km": 5},
            "max_commute_km",
            "needs a workplace",
        ),
    ]
    for data, field, text in cases:
        with pytest.raises(JobOrderError) as err:
            validate(match_store, JobOrder.from_json(data))
        assert err.value.field == field and text in str(err.value)


def test_job_orders_table(match_store: Store) -> None:
    order = JobOrder.from_json(
        {**FULL, "id": None, "received_at": None, "clarify_by": None, "deliver_by": None}
    )
    order_id = save_job_order(match_store, order)
    loaded = load_job_order(match_store, order_id)
    assert loaded.id == order_id and loaded.occupation_codes == ["5223"]
    assert loaded.clarify_by - loaded.received_at == timedelta(hours=24)
    assert loaded.deliver_by - loaded.received_at == timedelta(hours=72)
    assert {
        **loaded.to_json(),
        "id": None,
        "received_at": None,
        "clarify_by": None,
        "deliver_by": None,
    } == order.to_json()
    loaded.title = "Ny titel"
    assert save_job_order(match_store, loaded) == order_id
    listed = list_job_orders(match_store)
    assert [(r["id"], r["title"], r["occupation_codes"]) for r in listed] == [
        (order_id, "Ny titel", ["5223"])
    ]
    row = match_store.con.execute(
        "SELECT cvr, deliver_by FROM job_orders WHERE id = ?", [order_id]
    ).fetchone()
    assert row == ("12345678", loaded.deliver_by)
    delete_job_order(match_store, order_id)
    assert list_job_orders(match_store) == []
    with pytest.raises(JobOrderError):
        load_job_order(match_store, order_id)


def test_job_order_from_posting_and_for_company(match_store: Store) -> None:
    posting_id, code, title, cvr, pnr, x, y = match_store.con.execute(
        "SELECT posting_id, occupation_code, title, cvr, pnr, x, y FROM job_postings"
        " WHERE x IS NOT NULL ORDER BY posting_id LIMIT 1"
    ).fetchone()
    received = datetime(2026, 12, 1, 10, 0)
    order = job_order_from_posting(match_store, posting_id, received_at=received)
    assert order.occupation_codes == [code] and order.title == title
    assert order.workplace == Workplace(x=x, y=y, cvr=cvr, pnr=pnr)
    assert (order.cvr, order.pnr, order.source_posting_id) == (cvr, pnr, posting_id)
    assert order.clarify_by == received + timedelta(hours=24)
    assert order.deliver_by == received + timedelta(hours=72)  # the demo deadlines have passed
    # A deadline within the 72 hours comes first.
    match_store.con.execute(
        "UPDATE job_postings SET deadline = DATE '2026-12-02' WHERE posting_id = ?", [posting_id]
    )
    soon = job_order_from_posting(match_store, posting_id, received_at=received)
    assert soon.deliver_by == datetime(2026, 12, 2, 23, 59)
    with pytest.raises(JobOrderError, match="source_posting_id"):
        job_order_from_posting(match_store, "nope")

    wcvr, wx, wy = workplace(match_store)
    blank = job_order_for_company(match_store, wcvr)
    assert blank.occupation_codes == [] and blank.workplace.xy == (wx, wy) and blank.cvr == wcvr
    assert blank.deliver_by - blank.received_at == timedelta(hours=72)
    with pytest.raises(JobOrderError, match="no coordinates"):
        job_order_for_company(match_store, NO_COORD_CVR)


def test_workplace_by_address(match_store: Store) -> None:
    from workbench.core.address_keys import house_key, street_key

    order = JobOrder.from_json(
        {"occupation_codes": ["5223"], "workplace": {"address": "Vestergade 12, 8000"}}
    )
    with pytest.raises(JobOrderError) as err:
        validate(match_store, order)  # the demo has no address register
    assert err.value.field == "workplace.address"
    assert str(err.value).startswith("workplace.address: ") and "refresh the addresses" in str(
        err.value
    )
    key = f"{street_key('Vestergade')}|{house_key('12')}|8000"
    match_store.con.execute(
        "INSERT INTO addresses (street, house_no, postnr, match_key, x, y, source)"
        " VALUES ('Vestergade', '12', '8000', ?, 575000.0, 6223000.0, 'test')",
        [key],
    )
    placed = validate(match_store, order)
    assert placed.workplace.xy == (575000.0, 6223000.0)
    with pytest.raises(JobOrderError, match=r"workplace\.address: no address"):
        validate(
            match_store,
            JobOrder.from_json(
                {"occupation_codes": ["5223"], "workplace": {"address": "Nørregade 3, 8000"}}
            ),
        )
