"""Point styling by a field: categorical and graduated styles with legends. No Qt.

A style maps each point to a class; the view colours points by class (one colour array for the
scatter item, never one item per class). Class membership is computed once per table as a
small integer per ``rid`` (:func:`class_by_rid`), so a new filter result is coloured with one
numpy take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from workbench.core.collaboration import status_case_sql as collaboration_status_sql

RGBA = tuple[int, int, int, int]
OTHER_COLOR: RGBA = (150, 150, 150, 220)


@dataclass(frozen=True)
class StyleClass:
    key: str
    label_da: str
    label_en: str
    color: RGBA


@dataclass(frozen=True)
class FieldStyle:
    """Classes of one field. ``sql`` is a CASE expression over ``t`` returning the class index
    (0-based) or NULL for 'other'; it may use ``?`` parameters given by :meth:`params`."""

    key: str
    entity: str
    label_da: str
    label_en: str
    classes: tuple[StyleClass, ...]
    sql: str
    kind: str = "categorical"  # or "graduated"

    def params(self, today: date) -> list:
        return []

    def colors(self) -> np.ndarray:
        """(n_classes + 1, 4) uint8: the class colours, then 'other'."""
        return np.array([c.color for c in self.classes] + [OTHER_COLOR], dtype=np.uint8)

    def colors_for(self, class_idx: np.ndarray) -> np.ndarray:
        """RGBA per point from class indices (-1 or out of range = other)."""
        lut = self.colors()
        idx = np.asarray(class_idx, dtype=np.int64)
        idx = np.where((idx >= 0) & (idx < len(self.classes)), idx, len(self.classes))
        return lut[idx]

    def legend(
        self, lang: str = "da", counts: np.ndarray | None = None
    ) -> list[tuple[RGBA, str, int]]:
        out = []
        for i, c in enumerate(self.classes):
            n = int(counts[i]) if counts is not None and i < len(counts) else 0
            out.append((c.color, c.label_da if lang == "da" else c.label_en, n))
        if counts is not None and len(counts) > len(self.classes) and counts[-1] > 0:
            out.append(
                (
                    OTHER_COLOR,
                    "Øvrige / ukendt" if lang == "da" else "Other / unknown",
                    int(counts[-1]),
                )
            )
        return out

    def label(self, lang: str = "da") -> str:
        return self.label_da if lang == "da" else self.label_en


class _DurationStyle(FieldStyle):
    def params(self, today: date) -> list:
        return [today - timedelta(days=d) for d in (91, 182, 365, 730)]


DURATION = _DurationStyle(
    key="duration",
    entity="candidates",
    label_da="Ledighedsvarighed",
    label_en="Unemployment duration",
    kind="graduated",
    classes=(
        StyleClass("0-3", "Under 3 mdr.", "Under 3 months", (116, 196, 118, 235)),
        StyleClass("3-6", "3-6 mdr.", "3-6 months", (255, 217, 47, 235)),
        StyleClass("6-12", "6-12 mdr.", "6-12 months", (253, 141, 60, 235)),
        StyleClass("12-24", "1-2 år", "1-2 years", (227, 26, 28, 235)),
        StyleClass("24+", "Over 2 år", "Over 2 years", (128, 0, 38, 235)),
    ),
    sql=(
        "CASE WHEN t.unemployed_since IS NULL THEN NULL "
        "WHEN t.unemployed_since > ? THEN 0 WHEN t.unemployed_since > ? THEN 1 "
        "WHEN t.unemployed_since > ? THEN 2 WHEN t.unemployed_since > ? THEN 3 ELSE 4 END"
    ),
)

TARGET_GROUP = FieldStyle(
    key="target_group",
    entity="candidates",
    label_da="Målgruppe",
    label_en="Target group",
    classes=(
        StyleClass("Dagpengemodtager", "Dagpenge", "Unemployment benefit", (31, 119, 180, 235)),
        StyleClass(
            "Jobparat kontanthjælpsmodtager",
            "Jobparat kontanthjælp",
            "Job-ready social assistance",
            (44, 160, 44, 235),
        ),
        StyleClass(
            "Aktivitetsparat kontanthjælpsmodtager",
            "Aktivitetsparat kontanthjælp",
            "Activity-ready social assistance",
            (255, 127, 14, 235),
        ),
        StyleClass(
            "Uddannelseshjælpsmodtager",
            "Uddannelseshjælp",
            "Education assistance",
            (148, 103, 189, 235),
        ),
        StyleClass("Sygedagpengemodtager", "Sygedagpenge", "Sickness benefit", (214, 39, 40, 235)),
        StyleClass(
            "Ledighedsydelsesmodtager", "Ledighedsydelse", "Flex-job benefit", (140, 86, 75, 235)
        ),
    ),
    sql=(
        "CASE t.target_group WHEN 'Dagpengemodtager' THEN 0 "
        "WHEN 'Jobparat kontanthjælpsmodtager' THEN 1 "
        "WHEN 'Aktivitetsparat kontanthjælpsmodtager' THEN 2 "
        "WHEN 'Uddannelseshjælpsmodtager' THEN 3 WHEN 'Sygedagpengemodtager' THEN 4 "
        "WHEN 'Ledighedsydelsesmodtager' THEN 5 END"
    ),
)

COMPANY_SIZE = FieldStyle(
    key="size",
    entity="companies",
    label_da="Virksomhedsstørrelse",
    label_en="Company size",
    kind="graduated",
    classes=(
        StyleClass("0-4", "0-4 ansatte", "0-4 employees", (254, 224, 182, 200)),
        StyleClass("5-19", "5-19 ansatte", "5-19 employees", (253, 174, 97, 220)),
        StyleClass("20-99", "20-99 ansatte", "20-99 employees", (244, 109, 67, 235)),
        StyleClass("100+", "100+ ansatte", "100+ employees", (165, 0, 38, 245)),
    ),
    sql=(
        "CASE WHEN t.employees IS NULL THEN NULL WHEN t.employees < 5 THEN 0 "
        "WHEN t.employees < 20 THEN 1 WHEN t.employees < 100 THEN 2 ELSE 3 END"
    ),
)


class _CollaborationStyle(FieldStyle):
    def params(self, today: date) -> list:
        return [today]  # active on the reference date (core.collaboration)


COLLABORATION = _CollaborationStyle(
    key="collaboration",
    entity="companies",
    label_da="Samarbejdsstatus",
    label_en="Collaboration status",
    classes=(
        StyleClass("active", "Aktivt samarbejde", "Active collaboration", (0, 150, 80, 245)),
        StyleClass("former", "Tidligere samarbejde", "Former collaboration", (90, 120, 200, 230)),
        StyleClass("none", "Intet samarbejde", "No collaboration", (200, 200, 200, 160)),
    ),
    # Per company: the same definition as the collaboration filter and the details.
    sql=collaboration_status_sql("t"),
)

STYLES: dict[str, dict[str, FieldStyle]] = {
    "candidates": {s.key: s for s in (DURATION, TARGET_GROUP)},
    "companies": {s.key: s for s in (COMPANY_SIZE, COLLABORATION)},
    "postings": {},
}


def class_by_rid(con, entity: str, style: FieldStyle, today: date) -> np.ndarray:
    """int8 class index per rid (index = rid; -1 = other or no row) for the whole table."""
    table = {"candidates": "candidates", "companies": "companies", "postings": "job_postings"}[
        entity
    ]
    arr = con.execute(
        f"SELECT t.rid, coalesce(({style.sql}), -1)::TINYINT AS c FROM {table} AS t",
        style.params(today),
    ).fetchnumpy()
    rid = np.asarray(arr["rid"], dtype=np.int64)
    out = np.full(int(rid.max()) + 1 if rid.size else 0, -1, dtype=np.int8)
    out[rid] = np.asarray(arr["c"], dtype=np.int8)
    return out


def classes_of(lookup: np.ndarray, rid: np.ndarray) -> np.ndarray:
    """Class per point from the per-rid lookup (rids beyond it are 'other')."""
    rid = np.asarray(rid, dtype=np.int64)
    out = np.full(rid.shape, -1, dtype=np.int8)
    ok = rid < lookup.shape[0]
    out[ok] = lookup[rid[ok]]
    return out
