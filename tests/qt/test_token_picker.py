"""The filter panel's type-ahead and ``workbench search --occupation NAME`` share one rule
(workbench.core.vocabulary); typing an exact alias picks its entry."""

from __future__ import annotations

from PySide6.QtCore import Qt

from workbench.core.vocabulary import Vocabulary
from workbench.qt.filters import TokenPicker

ENTRIES = [
    ("7119", "Andet byggearbejde", ["tømrersvend-lærling"]),
    ("7115", "Tømrer", ["tømrersvend"]),
]


def test_enter_on_an_exact_alias_adds_its_code_not_the_first_substring_match(qtbot) -> None:
    picker = TokenPicker("Stilling", ENTRIES)
    qtbot.addWidget(picker)
    assert picker.completer.model().stringList() == Vocabulary(ENTRIES).labels
    with qtbot.waitSignal(picker.changed):
        qtbot.keyClicks(picker.edit, "tømrersvend")
        qtbot.keyClick(picker.edit, Qt.Key.Key_Return)
    assert picker.codes() == ("7115",)
    for text in ("tømrersvend", "lærling", "TØMRER", "7119", "nothing"):
        assert picker.code_for(text) == Vocabulary(ENTRIES).code_for(text)
