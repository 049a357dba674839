"""Spam signals for a comment: they score and report, never write.

Refusing signals (a bot, not a person): the hidden honeypot field filled in, or the form sent
faster than COMMENTS["MIN_FORM_SECONDS"] after it was shown. Holding signals (maybe a person):
more links than COMMENTS["MAX_LINKS"], a word from COMMENTS["BLOCKLIST"], or the same text
already posted recently from the same e-mail, account or network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from . import markup
from .conf import conf


@dataclass(frozen=True)
class Signals:
    honeypot: bool = False
    too_fast: bool = False
    links: int = 0
    too_many_links: bool = False
    blocklisted: tuple[str, ...] = ()
    duplicate: bool = False

    @property
    def reject_reasons(self) -> tuple[str, ...]:
        return tuple(
            name for name, hit in [("honeypot", self.honeypot), ("too_fast", self.too_fast)] if hit
        )

    @property
    def hold_reasons(self) -> tuple[str, ...]:
        reasons = []
        if self.too_many_links:
            reasons.append("links")
        if self.blocklisted:
            reasons.append("blocklist")
        if self.duplicate:
            reasons.append("duplicate")
        return tuple(reasons)

    @property
    def score(self) -> int:
        """A rough badness figure for moderators: 10 per refusing signal, 3 per holding one."""
        return 10 * len(self.reject_reasons) + 3 * len(self.hold_reasons)


def blocklisted_words(*texts: str, blocklist=None) -> tuple[str, ...]:
    words = conf("BLOCKLIST") if blocklist is None else blocklist
    haystack = " ".join(text for text in texts if text).casefold()
    found = []
    for word in words:
        word = word.strip().casefold()
        if word and re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", haystack):
            found.append(word)
    return tuple(found)


def bot_signals(*, honeypot: str = "", form_age_seconds: float | None = None) -> Signals:
    minimum = conf("MIN_FORM_SECONDS")
    return Signals(
        honeypot=bool(honeypot and honeypot.strip()),
        too_fast=form_age_seconds is not None and form_age_seconds < minimum,
    )


def content_signals(body: str, *, name: str = "", url: str = "", email: str = "") -> Signals:
    links = markup.count_links(body)
    return Signals(
        links=links,
        too_many_links=links > conf("MAX_LINKS"),
        blocklisted=blocklisted_words(body, name, url, email),
    )


def is_duplicate(body: str, *, email: str = "", user=None, ip_network: str = "", exclude=None):
    """Was the same text posted recently by the same e-mail, account or network? (one query)"""
    who = Q()
    if email:
        who |= Q(author_email=email)
    if user is not None:
        who |= Q(user=user)
    if ip_network:
        who |= Q(ip_network=ip_network)
    if not who:
        return False
    since = timezone.now() - timedelta(seconds=conf("DUPLICATE_WINDOW_SECONDS"))
    from .models import Comment

    recent = Comment.objects.filter(who, created_at__gte=since, body=body)
    if exclude is not None:
        recent = recent.exclude(pk=exclude)
    return recent.exists()


def assess(
    body: str,
    *,
    name: str = "",
    url: str = "",
    email: str = "",
    user=None,
    ip_network: str = "",
    honeypot: str = "",
    form_age_seconds: float | None = None,
) -> Signals:
    """Every signal for a new comment. Bot signals short-circuit the database check."""
    bot = bot_signals(honeypot=honeypot, form_age_seconds=form_age_seconds)
    if bot.reject_reasons:
        return bot
    content = content_signals(body, name=name, url=url, email=email)
    duplicate = is_duplicate(body, email=email, user=user, ip_network=ip_network)
    return Signals(
        links=content.links,
        too_many_links=content.too_many_links,
        blocklisted=content.blocklisted,
        duplicate=duplicate,
    )
