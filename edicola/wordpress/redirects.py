"""Old addresses of the WordPress site → ours, answered with 301.

STUB: the importer calls `remember`; the real module adds the request side (permalinks,
?p=, feeds, paging, uploads with their size variants) keeping this function's contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from .models import ImportedObject, LegacyPath


def normalise(url: str) -> str:
    """An absolute or relative old URL → the path LegacyPath stores ("" if none)."""
    path = urlsplit(url.strip()).path
    return path if path.startswith("/") else ""


def remember(imported: ImportedObject, urls: Iterable[str]) -> int:
    """Record old addresses of `imported`; returns how many were new. Idempotent."""
    added = 0
    for url in urls:
        path = normalise(url)
        if path and path != "/":
            _row, created = LegacyPath.objects.update_or_create(
                path=path, defaults={"imported": imported}
            )
            added += created
    return added
