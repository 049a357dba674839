"""Italian is the default language: every interface string has its Italian translation."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.PACKAGE_DIR) / "locale" / "it" / "LC_MESSAGES" / "django.po"


def test_every_message_has_an_italian_translation():
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [
        entry
        for entry in entries
        if entry.strip()
        and not entry.lstrip().startswith("#~")
        and re.search(r'^msgstr(\[\d\])? ""\s*$', entry.strip(), re.MULTILINE)
        and entry.strip().endswith('""')
    ]
    assert untranslated == []


def test_compiled_catalogue_is_in_use():
    with translation.override("it"):
        assert translation.gettext("Skip to content") == "Vai al contenuto"
        assert translation.ngettext("%(counter)s result for “%(query)s”", "", 2) == (
            "%(counter)s risultati per “%(query)s”"
        )
