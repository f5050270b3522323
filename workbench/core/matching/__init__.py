"""Job orders and matching: eligibility, funnel, ranking and explanations (issue #14)."""

from .order import JobOrder, JobOrderError, Workplace, validate, validate_workplace
from .orders import (
    delete_job_order,
    job_order_for_company,
    job_order_from_posting,
    list_job_orders,
    load_job_order,
    save_job_order,
)

__all__ = [
    "JobOrder",
    "JobOrderError",
    "Workplace",
    "delete_job_order",
    "job_order_for_company",
    "job_order_from_posting",
    "list_job_orders",
    "load_job_order",
    "save_job_order",
    "validate",
    "validate_workplace",
]
