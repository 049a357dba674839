"""Leaving for elsewhere: the whole site written to a directory (JSON Lines, media, WXR 1.2)."""
