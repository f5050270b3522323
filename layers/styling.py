"""Point styling by a field: categorical and graduated styles with legends. No Qt.

A style maps each point to a class; the view colours points by class (one colour array for the
scatter item, never one item per class). Class membership is computed once per table as a
small integer per ``rid`` (``workbench.core.layer_data.class_by_rid``: the core reads the
cache, this model only takes arrays), so a new filter result is coloured with one numpy take.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    """Classes of one field, in the order of the class indices that
    ``workbench.core.layer_data.class_by_rid`` computes for ``(entity, key)``."""

    key: str
    entity: str
    label_da: str
    label_en: str
    classes: tuple[StyleClass, ...]
    kind: str = "categorical"  # or "graduated"

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


DURATION = FieldStyle(
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
)


COLLABORATION = FieldStyle(
    key="collaboration",
    entity="companies",
    label_da="Samarbejdsstatus",
    label_en="Collaboration status",
    classes=(
        StyleClass("active", "Aktivt samarbejde", "Active collaboration", (0, 150, 80, 245)),
        StyleClass("former", "Tidligere samarbejde", "Former collaboration", (90, 120, 200, 230)),
        StyleClass("none", "Intet samarbejde", "No collaboration", (200, 200, 200, 160)),
    ),
)


def _shortage(entity: str) -> FieldStyle:
    """Best job prospects of the occupations (candidates), the postings' occupations
    (companies) in STAR's Arbejdsmarkedsbalancen; class order = core.shortage.CATEGORIES."""
    return FieldStyle(
        key="shortage",
        entity=entity,
        label_da="Arbejdsmarkedsbalancen",
        label_en="Labour market balance",
        classes=(
            StyleClass("mangel", "Mangel", "Shortage", (215, 25, 28, 240)),
            StyleClass("paradoks", "Paradoks", "Paradox", (253, 174, 97, 240)),
            StyleClass("gode", "Gode muligheder", "Good prospects", (26, 150, 65, 235)),
            StyleClass(
                "mindre_gode", "Mindre gode muligheder", "Fewer prospects", (43, 131, 186, 220)
            ),
        ),
    )


SHORTAGE = _shortage("candidates")

STYLES: dict[str, dict[str, FieldStyle]] = {
    "candidates": {s.key: s for s in (DURATION, TARGET_GROUP, SHORTAGE)},
    "companies": {s.key: s for s in (COMPANY_SIZE, COLLABORATION, _shortage("companies"))},
    "postings": {"shortage": _shortage("postings")},
}


def classes_of(lookup: np.ndarray, rid: np.ndarray) -> np.ndarray:
    """Class per point from the per-rid lookup (rids beyond it are 'other')."""
    rid = np.asarray(rid, dtype=np.int64)
    out = np.full(rid.shape, -1, dtype=np.int8)
    ok = rid < lookup.shape[0]
    out[ok] = lookup[rid[ok]]
    return out
