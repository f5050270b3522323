"""The job order views: the form, the ranked candidates, the shortlist (issue #14)."""
