"""The discussion's settings: the one way the comments app reads its knobs.

Every knob lives, with its default and its environment variable, in edicola/settings.py, in the
COMMENTS block (moderation, threads, spam, rate limits, privacy) or the COMMENTS_NOTIFICATIONS
block (subscriptions, digests, moderator notices); the README lists them all.
"""

from django.conf import settings


def conf(name: str):
    """The value of a COMMENTS or COMMENTS_NOTIFICATIONS knob (read at call time, so tests and
    `override_settings` see their own values)."""
    if name in settings.COMMENTS:
        return settings.COMMENTS[name]
    return settings.COMMENTS_NOTIFICATIONS[name]
