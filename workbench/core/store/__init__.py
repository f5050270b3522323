"""The one gateway to the cache: :class:`Store` opens it, hands out cursors and
transactions, and reads person rows (candidates, companies, postings) for every consumer.

Encryption, jobcenter scoping and the audit log hang on this choke point, so code outside
``workbench.core`` never opens the cache or runs SQL on its own.
"""

from __future__ import annotations

from .gateway import Store
from .rows import PERSON_ENTITIES, person_rows

__all__ = ["PERSON_ENTITIES", "Store", "person_rows"]
