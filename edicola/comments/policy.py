"""The one place that decides what happens to a new or edited comment: publish, hold or refuse.

`decide()` is a pure function over plain values; services.py gathers the facts (who posts, what
spam.py found) and applies the outcome. Modes (COMMENTS["MODERATION"]):
- "first-time": a reader is held until they have one approved comment, found by proof only
  (a confirmed account, or a guest's own browser; services._is_known), never by a typed e-mail;
- "all": every reader comment is held;
- "none": comments are published unless a spam signal holds them.
Editorial staff and the article's authors are always published. Spam signals that only a bot
would trip (honeypot, impossibly fast form) refuse silently; softer ones (links, blocklisted
words, duplicates) hold for review. An unknown mode counts as "all".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MODES = ("first-time", "all", "none")


class Outcome(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[str, ...] = ()

    @property
    def published(self) -> bool:
        return self.outcome is Outcome.PUBLISH


def decide(
    *,
    mode: str,
    trusted: bool = False,
    known: bool = False,
    reject_reasons=(),
    hold_reasons=(),
) -> Decision:
    """`trusted`: staff or the article's author; `known`: already has an approved comment
    (proven to be theirs, see services._is_known)."""
    if trusted:
        return Decision(Outcome.PUBLISH)
    if reject_reasons:
        return Decision(Outcome.REJECT, tuple(reject_reasons))
    if hold_reasons:
        return Decision(Outcome.HOLD, tuple(hold_reasons))
    if mode == "none":
        return Decision(Outcome.PUBLISH)
    if mode == "first-time" and known:
        return Decision(Outcome.PUBLISH)
    return Decision(Outcome.HOLD, ("first_time" if mode == "first-time" else "moderation",))


def decide_edit(*, trusted: bool = False, hold_reasons=()) -> Decision:
    """An edited comment stays as it was unless the new text trips a soft spam signal (links,
    blocklisted words): then it goes back to review. Trusted authors are never held."""
    return decide(mode="none", trusted=trusted, hold_reasons=hold_reasons)
