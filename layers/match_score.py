"""The match-score colour ramp for the candidates of an open job order. No Qt.

Eligible candidates are coloured by their score (0-100, higher is a better fit) in five
graduated classes; the map's style machinery takes a class per rid (``score_lookup``), so
the colouring is one numpy take per frame like every other field style.
"""

from __future__ import annotations

import numpy as np

from .styling import FieldStyle, StyleClass

# Lower edges of the classes, best first (the legend lists them top down).
SCORE_EDGES = (80.0, 60.0, 40.0, 20.0, 0.0)

MATCH_SCORE = FieldStyle(
    key="match_score",
    entity="candidates",
    label_da="Match-score",
    label_en="Match score",
    kind="graduated",
    classes=(
        StyleClass("80-100", "80-100", "80-100", (0, 104, 55, 245)),
        StyleClass("60-80", "60-79", "60-79", (49, 163, 84, 240)),
        StyleClass("40-60", "40-59", "40-59", (173, 221, 142, 235)),
        StyleClass("20-40", "20-39", "20-39", (254, 196, 79, 235)),
        StyleClass("0-20", "Under 20", "Under 20", (217, 95, 14, 235)),
    ),
)


def score_classes(scores: np.ndarray) -> np.ndarray:
    """Class index per score (0 = best class)."""
    s = np.asarray(scores, dtype=np.float64)
    out = np.full(s.shape, len(SCORE_EDGES) - 1, dtype=np.int8)
    for i in range(len(SCORE_EDGES) - 1, -1, -1):
        out[s >= SCORE_EDGES[i]] = i
    return out


def score_lookup(rids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Class per rid (int8, -1 = not eligible), sized to the largest rid."""
    rids = np.asarray(rids, dtype=np.int64)
    size = int(rids.max()) + 1 if rids.size else 0
    lookup = np.full(size, -1, dtype=np.int8)
    lookup[rids] = score_classes(scores)
    return lookup
