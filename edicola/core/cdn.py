"""Telling the CDN in front of the site which pages changed (`CDN_PURGE_URL`, `CDN_PURGE_TOKEN`).

Anonymous pages go out with `s-maxage` (see `pagecache`), so a CDN may keep them; whenever the
page cache retires a page, the same addresses (in every language) are purged from the CDN, and
when the whole site changes, everything is. The wire format is Cloudflare's `purge_cache`: a POST
of JSON `{"files": [absolute URLs]}` (at most 30 per request) or `{"purge_everything": true}`
with a bearer token, answered by JSON whose `success` says whether it was done. Other CDNs and
nginx set-ups can offer the same endpoint through a small adapter.

A purge runs as a background task after the commit that changed the page. A refused purge
(an error status, a network failure) is retried with backoff; a purge that never succeeds leaves
the page on the CDN until its `s-maxage` runs out, so `CDN_MAX_AGE` bounds how stale it can be.
"""

import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .retry import Backoff
from .tasks import enqueue_after_commit

logger = logging.getLogger(__name__)

FILES_PER_REQUEST = 30
TIMEOUT_SECONDS = 10
PURGES = Backoff(
    max_attempts=5,
    delays=(
        timedelta(seconds=10),
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
    ),
)


def configured() -> bool:
    return bool(settings.CDN_PURGE_URL)


def addresses(path: str) -> list[str]:
    """The absolute addresses of a language-neutral path in every language of the site."""
    urls = []
    for code, _name in settings.LANGUAGES:
        prefix = "" if code == settings.LANGUAGE_CODE else f"/{code}"
        urls.append(f"{settings.BASE_URL}{prefix}{path}")
    return urls


def purge_path(path: str) -> None:
    """Drop one page (every language) from the CDN once the current transaction commits."""
    if not configured():
        return
    urls = addresses(path)
    for start in range(0, len(urls), FILES_PER_REQUEST):
        enqueue_after_commit(purge_task, urls[start : start + FILES_PER_REQUEST], 1)


def purge_everything() -> None:
    """Drop every page of the site from the CDN once the current transaction commits."""
    if configured():
        enqueue_after_commit(purge_task, [], 1)


@task()
def purge_task(urls: list[str], attempt: int) -> str:
    return purge(urls, attempt)


def purge(urls: list[str], attempt: int = 1) -> str:
    """One purge request (`urls`, or everything when empty); "purged", "retrying" or "failed"."""
    body = {"files": urls} if urls else {"purge_everything": True}
    headers = {"Authorization": f"Bearer {settings.CDN_PURGE_TOKEN}"}
    try:
        response = httpx.post(
            settings.CDN_PURGE_URL, json=body, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except httpx.HTTPError as error:
        return _retry_or_give_up(urls, attempt, f"{type(error).__name__}: {error}", retry=True)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code == 200 and isinstance(answer, dict) and answer.get("success"):
        return "purged"
    errors = answer.get("errors") if isinstance(answer, dict) else None
    reason = f"HTTP {response.status_code}: {errors or response.text[:200]}"
    retry = response.status_code == 429 or response.status_code >= 500
    return _retry_or_give_up(urls, attempt, reason, retry=retry)


def _retry_or_give_up(urls: list[str], attempt: int, reason: str, *, retry: bool) -> str:
    can_defer = purge_task.get_backend().supports_defer
    if retry and can_defer and not PURGES.exhausted(attempt):
        run_after = timezone.now() + PURGES.delay(attempt)
        purge_task.using(run_after=run_after).enqueue(urls, attempt + 1)
        logger.warning("CDN purge refused (%s); try %s at %s.", reason, attempt + 1, run_after)
        return "retrying"
    logger.error("CDN purge failed after %s tries (%s): %s", attempt, reason, urls or "everything")
    return "failed"
