"""The active filters as short lines in the UI language, for the caption under an exported map.

A printed or mailed map must say what it shows: "Stilling: Kok, Tjener" rather than a bare
count of dots. Codes are shown by their titles when the caller knows them.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.core.filters import COLLABORATION_KINDS, Filter, Range
from workbench.qt.i18n import fmt_int, tr

Titles = Mapping[str, Mapping[str, str]]  # "occupations" etc. -> code -> title


def _names(codes: tuple[str, ...], titles: Mapping[str, str] | None) -> str:
    titles = titles or {}
    return ", ".join(titles.get(c) or c for c in codes)


def _range(r: Range, unit: str) -> str:
    if r.min is not None and r.max is not None:
        return f"{fmt_int(r.min)}–{fmt_int(r.max)} {unit}"
    if r.min is not None:
        return tr("caption.at_least", value=f"{fmt_int(r.min)} {unit}")
    return tr("caption.at_most", value=f"{fmt_int(r.max or 0)} {unit}")


def _collaboration(values: tuple[str, ...]) -> str:
    labels = {"none": tr("filters.collab_none"), "any": tr("filters.collab_any")}
    return ", ".join(labels.get(v) or COLLABORATION_KINDS.get(v, v) for v in values)


def filter_lines(flt: Filter | None, titles: Titles | None = None) -> list[str]:
    """One "Label: value" line per active filter; ``[tr('caption.no_filters')]`` when none."""
    titles = titles or {}
    if flt is None:
        return [tr("caption.no_filters")]
    lines: list[str] = []
    if flt.occupations:
        lines.append(
            f"{tr('filters.occupation')}: {_names(flt.occupations, titles.get('occupations'))}"
        )
    if flt.qualifications:
        how = tr("filters.match_all" if flt.qualification_match == "all" else "filters.match_any")
        names = _names(flt.qualifications, titles.get("qualifications"))
        lines.append(f"{tr('filters.qualification')} ({how.lower()}): {names}")
    if flt.driving_licences:
        how = tr("filters.match_all" if flt.driving_licence_match == "all" else "filters.match_any")
        lines.append(
            f"{tr('criterion.driving_licences')} ({how.lower()}): {', '.join(flt.driving_licences)}"
        )
    if flt.unemployed_days is not None and not flt.unemployed_days.is_open:
        lines.append(
            f"{tr('caption.unemployed')}: {_range(flt.unemployed_days, tr('caption.days'))}"
        )
    if flt.searchable_only:
        lines.append(tr("caption.searchable_only"))
    if flt.collaboration:
        lines.append(f"{tr('filters.collaboration')}: {_collaboration(flt.collaboration)}")
    if flt.collaboration_since is not None:
        lines.append(f"{tr('criterion.collaboration_since')}: {flt.collaboration_since:%d-%m-%Y}")
    if flt.industries:
        lines.append(
            f"{tr('filters.industry')}: {_names(flt.industries, titles.get('industries'))}"
        )
    if flt.employees is not None and not flt.employees.is_open:
        lines.append(f"{tr('filters.employees')}: {_range(flt.employees, '')}".rstrip())
    if flt.cvr:
        lines.append(f"CVR: {flt.cvr}")
    if flt.posted_within_days is not None:
        lines.append(tr("caption.posted_within", days=fmt_int(flt.posted_within_days)))
    if flt.shortage:
        cats = ", ".join(tr(f"shortage.{c}") for c in flt.shortage)
        lines.append(f"{tr('shortage.filter')}: {cats}")
    if flt.municipalities:
        names = _names(flt.municipalities, titles.get("municipalities"))
        lines.append(f"{tr('filters.municipality')}: {names}")
    if flt.near is not None and flt.radius_km is not None:
        lines.append(tr("caption.near", radius=f"{flt.radius_km:g}"))
    if flt.selection is not None:
        lines.append(tr("caption.selection"))
    return lines or [tr("caption.no_filters")]
