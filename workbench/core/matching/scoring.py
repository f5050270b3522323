"""The ranking score: a weighted mean of components in [0, 1], shown as 0-100.

Components (each documented in docs/matching.md):

- ``occupation``: the best of the candidate's occupations: the job's exact code 1.0, a more
  specific code 0.8, a related one (same DISCO minor group) 0.4; times 1.0 for the
  candidate's first-listed occupation, 0.9 for the second, 0.8 for later ones.
- ``nice``: the share of the nice-to-have qualifications the candidate has.
- ``experience``: years of experience, 10 or more counts fully.
- ``commute``: 1 at the door, 0 at 90 minutes or more: car time for candidates with a car
  licence, public transport time for the others.
- ``duration``: unemployment duration, 2 years or more counts fully; only when the order
  prioritises the long-term unemployed.

A component that does not apply (no nice-to-haves, no workplace, no priority) is left out
with its weight, so the score stays a mean over what the order asks for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from .order import JobOrderError

EXACT, SPECIFIC, RELATED = 1.0, 0.8, 0.4
POSITION = (1.0, 0.9, 0.8)  # first, second, later listed occupation
EXPERIENCE_FULL_YEARS = 10.0
COMMUTE_ZERO_MIN = 90.0
DURATION_FULL_DAYS = 730.0


@dataclass
class Weights:
    """How much each component counts (relative; any scale)."""

    occupation: float = 40.0
    nice: float = 25.0
    experience: float = 10.0
    commute: float = 20.0
    duration: float = 15.0

    def to_json(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Weights:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise JobOrderError("weights", "expected an object of numbers")
        known = {f.name for f in fields(cls)}
        out = cls()
        for key, value in data.items():
            if key not in known:
                raise JobOrderError(
                    f"weights.{key}", f"unknown (known: {', '.join(sorted(known))})"
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise JobOrderError(f"weights.{key}", f"expected a number >= 0, got {value!r}")
            setattr(out, key, float(value))
        return out


def position_factor(pos: np.ndarray) -> np.ndarray:
    """0-based position in the candidate's occupation list -> factor."""
    return np.asarray(POSITION, dtype=float)[np.minimum(pos, len(POSITION) - 1)]


def experience_component(years: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(years, nan=0.0) / EXPERIENCE_FULL_YEARS, 0.0, 1.0)


def commute_component(minutes: np.ndarray) -> np.ndarray:
    return np.clip(1.0 - np.nan_to_num(minutes, nan=np.inf) / COMMUTE_ZERO_MIN, 0.0, 1.0)


def duration_component(days: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(days, nan=0.0) / DURATION_FULL_DAYS, 0.0, 1.0)


def combine(components: dict[str, np.ndarray], weights: Weights) -> np.ndarray:
    """The 0-100 score, rounded to 2 decimals (equal shown scores are equal: ties are
    then broken by candidate_id, not by float noise)."""
    total = sum(getattr(weights, k) for k in components)
    if not components or total <= 0:
        n = len(next(iter(components.values()))) if components else 0
        return np.zeros(n)
    acc = sum(getattr(weights, k) * v for k, v in components.items())
    return np.round(100.0 * np.asarray(acc, dtype=float) / total, 2)
