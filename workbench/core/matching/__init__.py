"""Job orders and matching: eligibility, funnel, ranking and explanations (issue #14)."""

from .engine import FunnelStep, MatchItem, MatchResult, Relaxation, explain_candidates, match
from .explain import Criterion
from .order import JobOrder, JobOrderError, Workplace, validate, validate_workplace
from .orders import (
    delete_job_order,
    job_order_for_company,
    job_order_from_posting,
    list_job_orders,
    load_job_order,
    save_job_order,
)
from .scoring import Weights
from .snapshot import CandidateSnapshot

__all__ = [
    "CandidateSnapshot",
    "Criterion",
    "FunnelStep",
    "JobOrder",
    "JobOrderError",
    "MatchItem",
    "MatchResult",
    "Relaxation",
    "Weights",
    "Workplace",
    "delete_job_order",
    "explain_candidates",
    "job_order_for_company",
    "job_order_from_posting",
    "list_job_orders",
    "load_job_order",
    "match",
    "save_job_order",
    "validate",
    "validate_workplace",
]
