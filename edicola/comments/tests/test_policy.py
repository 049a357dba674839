"""policy.decide: publish, hold or refuse, from plain facts."""

import pytest

from edicola.comments.policy import Outcome, decide, decide_edit


@pytest.mark.parametrize(
    ("mode", "known", "expected"),
    [
        ("first-time", False, Outcome.HOLD),
        ("first-time", True, Outcome.PUBLISH),
        ("all", True, Outcome.HOLD),
        ("none", False, Outcome.PUBLISH),
        ("something-else", True, Outcome.HOLD),
    ],
)
def test_modes(mode, known, expected):
    assert decide(mode=mode, known=known).outcome is expected


def test_trusted_writers_are_always_published():
    decision = decide(mode="all", trusted=True, reject_reasons=("honeypot",), hold_reasons=("x",))
    assert decision.published


def test_bot_signals_refuse_before_anything_else():
    decision = decide(
        mode="none", known=True, reject_reasons=("too_fast",), hold_reasons=("links",)
    )
    assert decision.outcome is Outcome.REJECT and decision.reasons == ("too_fast",)


def test_soft_signals_hold_known_readers():
    decision = decide(mode="none", known=True, hold_reasons=("links", "duplicate"))
    assert decision.outcome is Outcome.HOLD and decision.reasons == ("links", "duplicate")


def test_first_time_reason_is_named():
    assert decide(mode="first-time").reasons == ("first_time",)
    assert decide(mode="all", known=True).reasons == ("moderation",)


def test_an_edit_that_adds_links_goes_back_to_review_unless_trusted():
    assert decide_edit(hold_reasons=("links",)).outcome is Outcome.HOLD
    assert decide_edit(trusted=True, hold_reasons=("links",)).published
    assert decide_edit().published
