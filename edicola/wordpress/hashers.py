"""WordPress password hashes as Django password hashers, so a reader whose account came over
from WordPress logs in with the password they had there; Django then stores it again with our
own hasher (PASSWORD_HASHERS lists these last: they only ever check, never make, a hash).

Two formats are read, those WordPress itself writes:
- phpass portable hashes, `$P$…` (and `$H$…` from old phpBB bridges), WordPress up to 6.7,
  checked by passlib's phpass handler (the libpass fork, kept up to date);
- WordPress 6.8's bcrypt hashes, `$wp$2y$…`: bcrypt of the base64 HMAC-SHA384 of the password
  keyed with "wp-sha384" (wp_hash_password), checked with bcrypt.

Stored as `wp_phpass$<the hash>` and `wp_bcrypt$<the hash>`. Anything else (plain MD5 from
WordPress 2.4 and older, plugins' own formats) is not carried over: `django_password` says None.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop

PHPASS = "wp_phpass"
BCRYPT = "wp_bcrypt"


def django_password(wordpress_hash: str) -> str | None:
    """The value for User.password that lets the old password in, or None when the hash is
    not one WordPress writes (the account then gets no usable password)."""
    value = (wordpress_hash or "").strip()
    if value[:3] in ("$P$", "$H$") and len(value) == 34:
        return f"{PHPASS}${value}"
    if value.startswith("$wp$2") and len(value) == 63:
        return f"{BCRYPT}${value}"
    return None


class _WordPressHasher(BasePasswordHasher):
    """Checks a WordPress hash; never makes one (must_update: upgraded on the first login)."""

    def encode(self, password, salt):  # pragma: no cover - never preferred
        raise NotImplementedError("WordPress hashes are only checked, never made")

    def decode(self, encoded: str) -> dict:
        algorithm, wordpress_hash = encoded.split("$", 1)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": wordpress_hash, "salt": ""}

    def safe_summary(self, encoded: str) -> dict:
        decoded = self.decode(encoded)
        return {
            gettext_noop("algorithm"): decoded["algorithm"],
            gettext_noop("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return True

    def harden_runtime(self, password, encoded) -> None:
        pass


class WordPressPhpassHasher(_WordPressHasher):
    algorithm = PHPASS
    library = "passlib"

    def verify(self, password: str, encoded: str) -> bool:
        phpass = self._load_library().hash.phpass
        try:
            return phpass.verify(password, self.decode(encoded)["hash"])
        except ValueError:  # not a well-formed phpass hash
            return False


class WordPressBcryptHasher(_WordPressHasher):
    algorithm = BCRYPT
    library = "bcrypt"

    def verify(self, password: str, encoded: str) -> bool:
        bcrypt = self._load_library()
        stored = self.decode(encoded)["hash"].removeprefix("$wp")
        keyed = hmac.new(b"wp-sha384", password.encode("utf-8"), hashlib.sha384).digest()
        try:
            return bcrypt.checkpw(base64.b64encode(keyed), stored.encode("ascii"))
        except ValueError:  # not a well-formed bcrypt hash
            return False
