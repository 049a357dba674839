"""Limits on login attempts per IP address and per e-mail, on the shared rate limiter.

Every attempt counts against both; a successful login forgets the e-mail's count, so in effect
an address is locked only by repeated failures, while one IP cannot try many addresses.
"""

from edicola.core import ratelimit
from edicola.core.origin import client_ip

RATES_PER_IP = ["30/600"]
RATES_PER_EMAIL = ["8/600"]


def _email_identity(email: str) -> str:
    return ratelimit.keyed_hash(email.strip().lower()[:254])


def login_retry_after(request, email: str) -> int:
    """Count one attempt; the seconds to wait if it is over the limit, otherwise 0."""
    try:
        ratelimit.hit("login-ip", ratelimit.keyed_hash(client_ip(request)), RATES_PER_IP)
        if email.strip():
            ratelimit.hit("login-email", _email_identity(email), RATES_PER_EMAIL)
    except ratelimit.RateLimited as limited:
        return limited.retry_after
    return 0


def forget_failures(email: str) -> None:
    """A successful login clears the address's count."""
    ratelimit.reset("login-email", _email_identity(email), RATES_PER_EMAIL)
