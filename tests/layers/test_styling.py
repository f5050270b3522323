"""Point styles by field: classes per rid, colours, legends."""

from __future__ import annotations

import numpy as np

from workbench.core.layer_data import class_by_rid
from workbench.layers.styling import (
    COLLABORATION,
    COMPANY_SIZE,
    DURATION,
    STYLES,
    classes_of,
)


def test_colors_and_legend():
    cls = np.array([0, 3, -1, 99], dtype=np.int8)
    rgba = COMPANY_SIZE.colors_for(cls)
    assert rgba.shape == (4, 4)
    assert tuple(rgba[0]) == COMPANY_SIZE.classes[0].color
    assert tuple(rgba[2]) == tuple(rgba[3])  # other
    legend = COMPANY_SIZE.legend("da", counts=np.array([5, 0, 1, 2, 7]))
    assert legend[0][1] == "0-4 ansatte" and legend[-1][2] == 7 and len(legend) == 5
    assert COMPANY_SIZE.legend("en")[0][1] == "0-4 employees"


def test_classes_from_cache(small_demo_con):
    from tests.conftest import DEMO_TODAY

    for entity, styles in STYLES.items():
        for style in styles.values():
            lookup = class_by_rid(small_demo_con, entity, style, DEMO_TODAY)
            assert lookup.dtype == np.int8 and (lookup < len(style.classes)).all()
    lookup = class_by_rid(small_demo_con, "candidates", DURATION, DEMO_TODAY)
    rid, since = small_demo_con.execute(
        "SELECT rid, unemployed_since FROM candidates WHERE unemployed_since IS NOT NULL LIMIT 1"
    ).fetchone()
    days = (DEMO_TODAY - since).days
    expected = 0 if days < 91 else 1 if days < 182 else 2 if days < 365 else 3 if days < 730 else 4
    assert classes_of(lookup, np.array([rid, 10**9]))[0] == expected
    assert classes_of(lookup, np.array([10**9]))[0] == -1
    collab = class_by_rid(small_demo_con, "companies", COLLABORATION, DEMO_TODAY)
    counts = np.bincount(collab[collab >= 0])
    assert counts.size == 3 and (counts > 0).all()
