"""Explanations of one ranked candidate: each criterion met or not, reasons and a summary
line ("5/5 krav · 2/3 ønsker · 12 km (≈18 min bil) · ledig 9 mdr"), in Danish (the
workbench's default language; the window translates from the structured ``criteria``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from . import scoring
from .order import JobOrder

if TYPE_CHECKING:
    from .engine import MatchItem, _Rows

DAYS_PER_MONTH = 30.4375


@dataclass
class Criterion:
    """One line of the detail pane: a required criterion (or a nice-to-have when
    ``required`` is False), whether the candidate meets it and what they have."""

    key: str  # the job order's JSON key: occupation, required_qualifications, ...
    label: str
    met: bool
    detail: str = ""
    required: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "met": self.met,
            "detail": self.detail,
            "required": self.required,
        }


def format_km(km: float) -> str:
    return f"{km:.0f}" if km >= 10 else f"{km:.1f}".replace(".", ",")


def months(days: float) -> int:
    return int(days // DAYS_PER_MONTH)


def occupation_kind(order: JobOrder, code: str) -> float:
    """The occupation component's kind of one listed code (0 when it does not fit)."""
    if code in order.occupation_codes:
        return scoring.EXACT
    if any(code.startswith(c) for c in order.occupation_codes):
        return scoring.SPECIFIC
    if order.include_related and any(code.startswith(c[:3]) for c in order.occupation_codes):
        return scoring.RELATED
    return 0.0


class Explainer:
    """Names for the codes of one order, and the explanation of a scanned row."""

    def __init__(
        self,
        order: JobOrder,
        reference: date,
        occupations: dict[str, str],
        qualifications: dict[str, str],
    ) -> None:
        self.order = order
        self.reference = reference
        self.occupations = occupations
        self.qualifications = qualifications

    @classmethod
    def load(cls, cur: Any, order: JobOrder, reference: date) -> Explainer:
        occ = dict(cur.execute("SELECT code, title FROM occupations").fetchall())
        codes = [*order.required_qualifications, *order.certificates, *order.nice_qualifications]
        quals: dict[str, str] = {}
        if codes:
            marks = ", ".join("?" for _ in codes)
            quals = dict(
                cur.execute(
                    f"SELECT code, title FROM qualifications WHERE code IN ({marks})", codes
                ).fetchall()
            )
        return cls(order, reference, occ, quals)

    def occupation_name(self, code: str) -> str:
        title = self.occupations.get(code)
        return f"{title} ({code})" if title else code

    def qualification_name(self, code: str) -> str:
        title = self.qualifications.get(code)
        return f"{title} ({code})" if title else code

    def item(
        self,
        rows: _Rows,
        row: int,
        record: dict[str, Any],
        *,
        score: float,
        distance_km: float | None,
        trip: dict[str, Any],
        components: dict[str, float],
    ) -> MatchItem:
        from .engine import MatchItem

        order = self.order
        occ_codes = [c for c in (record["occupation_codes"] or []) if c]
        licences = set(record["driving_licences"] or [])
        experience = record["experience_years"]
        education = record["education"]
        days = record["unemployed_days"]
        crits: list[Criterion] = []
        reasons: list[str] = []

        # Occupation: the candidate's best-fitting listed code.
        best = max(
            (
                (occupation_kind(order, c) * scoring.POSITION[min(i, 2)], i, c)
                for i, c in enumerate(occ_codes)
            ),
            default=(0.0, 0, ""),
            key=lambda v: (v[0], -v[1]),
        )
        fit, pos, code = best
        kind = occupation_kind(order, code) if code else 0.0
        how = {
            scoring.EXACT: "jobbets fag",
            scoring.SPECIFIC: "mere specifikt fag",
            scoring.RELATED: "beslægtet fag",
        }.get(kind, "")
        occ_met = bool(rows.masks["occupation"][row])
        wanted = ", ".join(self.occupation_name(c) for c in order.occupation_codes)
        detail = f"{self.occupation_name(code)}, {pos + 1}. fag ({how})" if code and fit else ""
        crits.append(Criterion("occupation", f"Fag: {wanted}", occ_met, detail))
        if detail:
            reasons.append(f"Fag: {detail}")

        for key, what in (
            ("required_qualifications", "Kvalifikation"),
            ("certificates", "Certifikat"),
        ):
            codes = getattr(order, key)
            for c in codes:
                crits.append(
                    Criterion(
                        key, f"{what}: {self.qualification_name(c)}", bool(rows.qual_masks[c][row])
                    )
                )
            if codes and all(rows.qual_masks[c][row] for c in codes):
                names = ", ".join(self.qualification_name(c) for c in codes)
                noun = "krævet" if key == "required_qualifications" else "certifikat"
                reasons.append(
                    f"Har {noun}: {names}"
                    if len(codes) == 1
                    else f"Har alle {len(codes)} {noun}e: {names}"
                )
        for cat in order.driving_licence:
            crits.append(Criterion("driving_licence", f"Kørekort {cat}", cat in licences))
        if order.languages:
            spoken = {v.lower() for v in (record["languages"] or []) if v}
            for lang in order.languages:
                crits.append(Criterion("languages", f"Sprog: {lang}", lang.lower() in spoken))
        if order.min_experience_years is not None:
            crits.append(
                Criterion(
                    "min_experience_years",
                    f"Mindst {order.min_experience_years} års erfaring",
                    bool(rows.masks["min_experience_years"][row]),
                    "" if experience is None else f"{experience} år",
                )
            )
        if order.education:
            crits.append(
                Criterion(
                    "education",
                    f"Uddannelse: {order.education}",
                    bool(rows.masks["education"][row]),
                    education or "",
                )
            )
        if order.max_commute_km is not None:
            crits.append(
                Criterion(
                    "max_commute_km",
                    f"Højst {format_km(order.max_commute_km)} km til arbejdsstedet",
                    bool(rows.masks["max_commute_km"][row]),
                    "" if distance_km is None else f"{format_km(distance_km)} km",
                )
            )
        required = [c for c in crits]
        nice_met = 0
        met_names: list[str] = []
        for c in order.nice_qualifications:
            has = bool(rows.qual_masks[c][row])
            nice_met += has
            if has:
                met_names.append(self.qualification_name(c))
            crits.append(
                Criterion(
                    "nice_qualifications",
                    f"Ønsket: {self.qualification_name(c)}",
                    has,
                    required=False,
                )
            )
        if order.nice_qualifications:
            listed = f": {', '.join(met_names)}" if met_names else ""
            reasons.append(
                f"{nice_met} af {len(order.nice_qualifications)} ønskede kvalifikationer{listed}"
            )
        if experience is not None:
            reasons.append(f"{experience} års erfaring")

        trip_text = ""
        if distance_km is not None:
            mode = trip.get("mode")
            minutes = trip.get("car_min") if mode == "car" else trip.get("pt_min")
            approx = "≈" if (trip.get("estimated") or mode != "car") else ""
            means = "bil" if mode == "car" else "kollektivt"
            trip_text = f"{format_km(distance_km)} km ({approx}{minutes:.0f} min {means})"
            reason = f"{format_km(distance_km)} km fra arbejdsstedet, {approx}{minutes:.0f} min"
            reason += " i bil" if mode == "car" else " med offentlig transport (intet kørekort)"
            reasons.append(reason)
        if days is not None:
            tail = " (langtidsledige prioriteres)" if order.prioritise_long_term else ""
            reasons.append(f"Ledig i {months(days)} mdr{tail}")

        required_met = sum(c.met for c in required)
        parts = [f"{required_met}/{len(required)} krav"]
        if order.nice_qualifications:
            parts.append(f"{nice_met}/{len(order.nice_qualifications)} ønsker")
        if trip_text:
            parts.append(trip_text)
        if days is not None:
            parts.append(f"ledig {months(days)} mdr")
        return MatchItem(
            candidate_id=str(record["candidate_id"]),
            rid=int(record["rid"]),
            score=score,
            required_met=required_met,
            required_total=len(required),
            nice_met=nice_met,
            nice_total=len(order.nice_qualifications),
            distance_km=distance_km,
            travel=trip,
            reasons=reasons,
            criteria=crits,
            summary=" · ".join(parts),
            components=components,
        )
