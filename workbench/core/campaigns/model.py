"""Campaign vocabulary: target statuses, the advertising policy and the score's weights.

The status keys (``planlagt``, ``kontaktet``, ``moede_booket``, ``aftale``,
``ikke_interesseret``) are the contract of the JSON output and the command line; the cache
stores the same keys and the window shows the Danish labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WorkbenchError

STATUSES: dict[str, str] = {
    "planlagt": "planlagt",
    "kontaktet": "kontaktet",
    "moede_booket": "møde booket",
    "aftale": "aftale",
    "ikke_interesseret": "ikke interesseret",
}
DEFAULT_STATUS = "planlagt"
# Statuses that count as "done" in the progress: the company has been reached.
REACHED = ("kontaktet", "moede_booket", "aftale", "ikke_interesseret")

# How a campaign treats companies with `advertising_protected` (reklamebeskyttet, CVR).
ADVERTISING_POLICIES = ("mark", "exclude")
DEFAULT_ADVERTISING_POLICY = "mark"
ADVERTISING_NOTE = (
    "reklamebeskyttet: kontakt kun ved eksisterende samarbejde / ingen uopfordret reklame"
)

DEFAULT_RADIUS_KM = 25.0


class CampaignError(WorkbenchError):
    """Bad campaign input (unknown campaign or status, no targets): one line for the user."""


def status_key(text: str) -> str:
    """The status key of ``text`` (a key or its Danish label, any case); raises on others."""
    wanted = " ".join(str(text).strip().lower().replace("_", " ").split())
    for key, label in STATUSES.items():
        if wanted in (key.replace("_", " "), label, label.replace("ø", "oe")):
            return key
    raise CampaignError(f"unknown status {text!r}; use one of: {', '.join(STATUSES)}")


def check_policy(policy: str) -> str:
    if policy not in ADVERTISING_POLICIES:
        raise CampaignError(
            f"unknown advertising policy {policy!r}; use one of: {', '.join(ADVERTISING_POLICIES)}"
        )
    return policy


@dataclass(frozen=True)
class ScoreWeights:
    """Points of each score component (they add up to 100) and the caps that turn a count
    into a fraction: a component gives ``weight * min(value / cap, 1)``."""

    supply: float = 40.0
    supply_cap: int = 50  # candidates within range for a full supply component
    shortage: float = 20.0
    postings: float = 20.0
    postings_cap: int = 5  # postings in the last two years for a full postings component
    contact: float = 20.0
    contact_cap_days: int = 730  # days since the last contact for a full contact component


DEFAULT_WEIGHTS = ScoreWeights()

# Shortage category (STAR's Arbejdsmarkedsbalance) -> fraction of the shortage component.
SHORTAGE_POINTS: dict[str, float] = {
    "mangel": 1.0,
    "paradoks": 0.75,
    "gode": 0.5,
    "mindre_gode": 0.0,
}
