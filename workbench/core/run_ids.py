"""Run ids for refresh_log, rejects and pool changes."""

from __future__ import annotations

import re
import uuid


def new_run_id() -> str:
    """A random run id without long digit runs: an id such as '112464344f…' reads as a CPR
    number (9 digits, leading zero dropped) to the CPR rule that guards every text."""
    while True:
        run_id = uuid.uuid4().hex[:16]
        if not re.search(r"[0-9]{6}", run_id):
            return run_id
