"""Date formats of our languages where they differ from Django's (FORMAT_MODULE_PATH)."""
