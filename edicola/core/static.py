"""Headers of static files served by WhiteNoise: a year of caching for hashed names, nosniff."""

YEAR = 365 * 24 * 60 * 60


def static_headers(headers, path: str, url: str) -> None:
    """WhiteNoise's add-headers hook (WHITENOISE_ADD_HEADERS_FUNCTION)."""
    headers["X-Content-Type-Options"] = "nosniff"
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
