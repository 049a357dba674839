"""The accounts' settings: the one way the accounts app reads its knobs.

Every knob lives, with its default and its environment variable, in the ACCOUNTS block of
edicola/settings.py; the README lists them all.
"""

from django.conf import settings


def conf(name: str):
    """The value of an ACCOUNTS knob (read at call time, so tests see their own values)."""
    return settings.ACCOUNTS[name]
