"""UI texts per language, keyed by message id. Danish is the default, English selectable.

``tr(msg_id, **values)`` formats the text of the current language; unknown ids fall back to
Danish and then to the id itself, so a missing translation is visible but never fatal.
"""

from __future__ import annotations

DEFAULT_LANGUAGE = "da"
LANGUAGES = ("da", "en")

TEXTS: dict[str, dict[str, str]] = {
    "da": {
        "app.title": "Jobkort",
        "app.demo_badge": "DEMODATA",
        "app.demo_tooltip": "Cachen indeholder fiktive demodata, ikke rigtige borgere eller virksomheder",
        "menu.file": "&Filer",
        "menu.refresh": "&Opdatér data fra kilderne…",
        "menu.import": "&Importér ledige eller samarbejder…",
        "results.not_placed": "Ikke placeret ({n})",
        "col.placement_note": "Årsag",
        "not_placed.unknown": "Adressen kunne ikke placeres",
        "status.reloaded": "Data er opdateret",
        "menu.quit": "&Afslut",
        "menu.view": "&Vis",
        "menu.language": "Sprog",
        "menu.reset_view": "Vis hele Danmark",
        "lang.changed": "Sproget skifter ved næste start",
        "filters.title": "Filtre",
        "filters.candidates": "Ledige",
        "filters.companies": "Virksomheder",
        "filters.occupation": "Stilling",
        "filters.occupation_ph": "Søg stilling eller alias…",
        "filters.qualification": "Kvalifikationer",
        "filters.qualification_ph": "Søg kvalifikation…",
        "filters.match_all": "Alle skal opfyldes",
        "filters.match_any": "Mindst én",
        "filters.duration": "Ledighed (dage)",
        "filters.from": "Fra",
        "filters.to": "Til",
        "filters.no_limit": "ingen grænse",
        "filters.collaboration": "Samarbejde",
        "filters.collab_all": "Alle virksomheder",
        "filters.collab_none": "Intet samarbejde",
        "filters.collab_any": "Ethvert samarbejde",
        "filters.industry": "Branche",
        "filters.industry_ph": "Søg branche…",
        "filters.employees": "Ansatte",
        "filters.municipality": "Kommune",
        "filters.municipality_ph": "Søg kommune…",
        "filters.reset": "Nulstil filtre",
        "filters.remove": "Fjern",
        "filters.histogram_tip": "Fordeling af ledighed blandt de ledige, der matcher de øvrige filtre",
        "results.candidates": "Ledige ({n})",
        "results.companies": "Virksomheder ({n})",
        "col.candidate_id": "Kandidat",
        "col.kommune": "Kommune",
        "col.occupations": "Stillinger",
        "col.unemployed_since": "Ledig siden",
        "col.days": "Dage",
        "col.experience_years": "Erfaring (år)",
        "col.education": "Uddannelse",
        "col.cv_searchable": "CV søgbart",
        "col.cvr": "CVR",
        "col.pnr": "P-nr.",
        "col.name": "Navn",
        "col.address": "Adresse",
        "col.industry": "Branche",
        "col.employees": "Ansatte",
        "col.status": "Status",
        "detail.title": "Detaljer",
        "detail.empty": "Vælg en ledig eller en virksomhed i tabellen eller på kortet.",
        "detail.candidate": "Ledig",
        "detail.company": "Virksomhed",
        "detail.qualifications": "Kvalifikationer",
        "detail.licences": "Kørekort",
        "detail.languages": "Sprog",
        "detail.target_group": "Målgruppe",
        "detail.jobcenter": "Jobcenter",
        "detail.cv_updated": "CV opdateret",
        "detail.advertising_protected": "Reklamebeskyttet",
        "detail.started": "Startet",
        "detail.collaborations": "Samarbejder",
        "detail.none": "ingen",
        "yes": "ja",
        "no": "nej",
        "map.legend_candidates": "Ledige",
        "map.legend_companies": "Virksomheder",
        "map.density": "tæthed",
        "status.counts": "{candidates} ledige · {companies} virksomheder",
        "status.searching": "Søger…",
        "status.ready": "Klar",
        "status.error": "Fejl i søgning: {message}",
        "status.empty_cache": "Cachen er tom",
        "status.empty_hint": "byg demodata med 'workbench demo --cache {path}' eller hent data med 'workbench refresh --cache {path}'",
        "first.title": "Ingen data endnu",
        "first.text": "Cachen {path} er tom.\n\nVil du bygge demodata (fiktive ledige og virksomheder) "
        "for at prøve Jobkort, eller hente data fra kilderne?",
        "first.demo": "Byg demodata",
        "first.refresh": "Hent fra kilderne",
        "first.later": "Senere",
        "first.refresh_text": "Hent data fra kilderne med kommandoen:\n\n{command}\n\nStart derefter Jobkort igen.",
        "demo.progress": "Bygger demodata…",
        "demo.cancel": "Annuller",
        "demo.failed": "Demodata kunne ikke bygges: {message}",
        "demo.cancelled": "Opbygningen af demodata blev annulleret",
        "error.title": "Jobkort",
        "error.cache": "Cachen kan ikke åbnes: {message}",
    },
    "en": {
        "app.title": "Jobkort",
        "app.demo_badge": "DEMO DATA",
        "app.demo_tooltip": "The cache holds fictitious demo data, not real citizens or companies",
        "menu.file": "&File",
        "menu.refresh": "&Refresh data from the sources…",
        "menu.import": "&Import candidates or collaborations…",
        "results.not_placed": "Not placed ({n})",
        "col.placement_note": "Reason",
        "not_placed.unknown": "The address could not be placed",
        "status.reloaded": "Data refreshed",
        "menu.quit": "&Quit",
        "menu.view": "&View",
        "menu.language": "Language",
        "menu.reset_view": "Show all of Denmark",
        "lang.changed": "The language changes at the next start",
        "filters.title": "Filters",
        "filters.candidates": "Candidates",
        "filters.companies": "Companies",
        "filters.occupation": "Occupation",
        "filters.occupation_ph": "Search occupation or alias…",
        "filters.qualification": "Qualifications",
        "filters.qualification_ph": "Search qualification…",
        "filters.match_all": "All required",
        "filters.match_any": "At least one",
        "filters.duration": "Unemployed (days)",
        "filters.from": "From",
        "filters.to": "To",
        "filters.no_limit": "no limit",
        "filters.collaboration": "Collaboration",
        "filters.collab_all": "All companies",
        "filters.collab_none": "No collaboration",
        "filters.collab_any": "Any collaboration",
        "filters.industry": "Industry",
        "filters.industry_ph": "Search industry…",
        "filters.employees": "Employees",
        "filters.municipality": "Municipality",
        "filters.municipality_ph": "Search municipality…",
        "filters.reset": "Reset filters",
        "filters.remove": "Remove",
        "filters.histogram_tip": "Unemployment duration of the candidates matching the other filters",
        "results.candidates": "Candidates ({n})",
        "results.companies": "Companies ({n})",
        "col.candidate_id": "Candidate",
        "col.kommune": "Municipality",
        "col.occupations": "Occupations",
        "col.unemployed_since": "Unemployed since",
        "col.days": "Days",
        "col.experience_years": "Experience (yrs)",
        "col.education": "Education",
        "col.cv_searchable": "CV searchable",
        "col.cvr": "CVR",
        "col.pnr": "P no.",
        "col.name": "Name",
        "col.address": "Address",
        "col.industry": "Industry",
        "col.employees": "Employees",
        "col.status": "Status",
        "detail.title": "Details",
        "detail.empty": "Select a candidate or a company in the table or on the map.",
        "detail.candidate": "Candidate",
        "detail.company": "Company",
        "detail.qualifications": "Qualifications",
        "detail.licences": "Driving licences",
        "detail.languages": "Languages",
        "detail.target_group": "Target group",
        "detail.jobcenter": "Jobcentre",
        "detail.cv_updated": "CV updated",
        "detail.advertising_protected": "Advertising protected",
        "detail.started": "Started",
        "detail.collaborations": "Collaborations",
        "detail.none": "none",
        "yes": "yes",
        "no": "no",
        "map.legend_candidates": "Candidates",
        "map.legend_companies": "Companies",
        "map.density": "density",
        "status.counts": "{candidates} candidates · {companies} companies",
        "status.searching": "Searching…",
        "status.ready": "Ready",
        "status.error": "Search failed: {message}",
        "status.empty_cache": "The cache is empty",
        "status.empty_hint": "build demo data with 'workbench demo --cache {path}' or fetch data with 'workbench refresh --cache {path}'",
        "first.title": "No data yet",
        "first.text": "The cache {path} is empty.\n\nBuild demo data (fictitious candidates and companies) "
        "to try Jobkort, or fetch data from the sources?",
        "first.demo": "Build demo data",
        "first.refresh": "Fetch from the sources",
        "first.later": "Later",
        "first.refresh_text": "Fetch data from the sources with the command:\n\n{command}\n\nThen start Jobkort again.",
        "demo.progress": "Building demo data…",
        "demo.cancel": "Cancel",
        "demo.failed": "Demo data could not be built: {message}",
        "demo.cancelled": "Building the demo data was cancelled",
        "error.title": "Jobkort",
        "error.cache": "Cannot open the cache: {message}",
    },
}

_current = DEFAULT_LANGUAGE


def resolve_language(lang: str | None, configured: object = None) -> str:
    """``--lang`` wins over settings ``[ui] language``; anything unknown means Danish."""
    for value in (lang, configured):
        if isinstance(value, str) and value.lower() in LANGUAGES:
            return value.lower()
    return DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    global _current
    _current = resolve_language(lang)


def language() -> str:
    return _current


def tr(msg_id: str, **values: object) -> str:
    text = TEXTS[_current].get(msg_id) or TEXTS[DEFAULT_LANGUAGE].get(msg_id) or msg_id
    return text.format(**values) if values else text


def fmt_int(n: int) -> str:
    """Thousands separators as the language writes them (1.234 in Danish, 1,234 in English)."""
    s = f"{int(n):,}"
    return s.replace(",", ".") if _current == "da" else s
