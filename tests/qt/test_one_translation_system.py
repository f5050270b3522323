"""One translation system (issue #11): every UI text is a message id in qt/i18n.py; no
module keeps its own dictionary of English texts or finds the language by comparing a
translated text."""

from __future__ import annotations

import re
from pathlib import Path

import workbench.qt
from workbench.qt import i18n

QT = Path(workbench.qt.__file__).parent


def test_no_language_detection_by_comparing_translated_texts():
    pattern = re.compile(r"""tr\([^)]*\)\s*==\s*["']""")
    hits = [
        f"{p.relative_to(QT)}:{n}"
        for p in QT.rglob("*.py")
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_the_company_detail_has_no_private_english_dictionary():
    import workbench.qt.company_detail as detail

    assert not hasattr(detail, "_EN")
    ids = [msg_id for _key, msg_id in detail.FACTS]
    for lang in ("da", "en"):
        assert all(msg_id in i18n.TEXTS[lang] for msg_id in ids)


def test_the_days_suffix_follows_the_language(qtbot):
    from workbench.qt.filters import FilterPanel

    for lang, suffix in (("da", " dage"), ("en", " days")):
        i18n.set_language(lang)
        panel = FilterPanel(occupations=[], qualifications=[], industries=[], municipalities=[])
        qtbot.addWidget(panel)
        assert panel.days_min.suffix() == suffix


def test_no_module_keeps_its_own_danish_and_english_texts():
    # e.g. {"da": "Ledige", "en": "Candidates"}: such texts belong in qt/i18n.py
    pattern = re.compile(r"""\{\s*"da"\s*:\s*"[^"]*"\s*,\s*"en"\s*:""")
    hits = [
        str(p.relative_to(QT))
        for p in QT.rglob("*.py")
        if p.name != "i18n.py" and pattern.search(p.read_text("utf-8"))
    ]
    assert hits == []


def test_the_demo_stages_are_translated():
    for lang, text in (("da", "Ledige"), ("en", "Candidates")):
        i18n.set_language(lang)
        assert i18n.tr("demo.stage_candidates") == text
