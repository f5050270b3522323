"""Job orders and matching: eligibility, funnel, ranking and explanations (issue #14)."""

from .order import JobOrder, JobOrderError, Workplace, validate

__all__ = ["JobOrder", "JobOrderError", "Workplace", "validate"]
