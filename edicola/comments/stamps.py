"""Form stamps: a signed note of when, and for which form, a comment form was handed out.

A stamp names its form ("comment:<article id>" for an article's comment and reply forms,
"passage:<article id>" for the inline forms of passages), the time it was issued and a random
nonce. It proves the form was shown at least COMMENTS["MIN_FORM_SECONDS"] before it was sent
(faster is a bot, spam.py), and it is good for COMMENTS["STAMP_SECONDS"] and for one comment.
Cached pages carry the stamp of when the page was rendered; comments.js swaps it for a fresh
one from the per-reader state endpoint, and the passages' forms are fetched fresh.

A stamp that is missing, forged, expired, issued for another form or already used does not
make its comment vanish: services.create_comment holds that comment for review ("stamp"), so
a reader without JavaScript on a long-open or shared cached page is told the truth.
Single use is recorded through core.ratelimit (one use per stamp life), so every process agrees.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing

from edicola.core import ratelimit
from edicola.core.ratelimit import Rate

from .conf import conf

SALT = "edicola.comments.form-stamp"


@dataclass(frozen=True)
class Stamp:
    """A stamp as read back: `age` in seconds when it is good, else `problem` says why not."""

    nonce: str = ""
    age: float | None = None
    problem: str = ""  # "", "missing", "forged", "expired", "other_form", "reused"

    @property
    def good(self) -> bool:
        return not self.problem


def form_for(article_id: int, kind: str = "comment") -> str:
    return f"{kind}:{int(article_id)}"


def clock() -> float:
    """Seconds since the epoch, as stamps read them: the rate limiter's clock (tests move it)."""
    return ratelimit.clock()


def issue(form: str, *, now: float | None = None) -> str:
    """A new stamp for `form` (see form_for)."""
    issued = round(clock() if now is None else now, 1)
    return signing.dumps([issued, form, secrets.token_hex(8)], salt=SALT, compress=False)


def read(value: str, form: str, *, now: float | None = None) -> Stamp:
    """What a posted stamp says about the form it came with (it is not used up: see redeem)."""
    if not value:
        return Stamp(problem="missing")
    try:
        issued, stamped_form, nonce = signing.loads(str(value)[:400], salt=SALT)
        issued, nonce = float(issued), str(nonce)
    except (signing.BadSignature, TypeError, ValueError):
        return Stamp(problem="forged")
    age = max(0.0, (clock() if now is None else now) - issued)
    if stamped_form != form:
        return Stamp(nonce, problem="other_form")
    if age > conf("STAMP_SECONDS"):
        return Stamp(nonce, problem="expired")
    return Stamp(nonce, age=age)


def redeem(stamp: Stamp) -> Stamp:
    """Use up a good stamp for one comment; a stamp used before comes back as "reused"."""
    if not stamp.good:
        return stamp
    try:
        ratelimit.hit("form-stamp", stamp.nonce, [Rate(1, int(conf("STAMP_SECONDS")) + 1)])
    except ratelimit.RateLimited:
        return Stamp(stamp.nonce, problem="reused")
    return stamp
