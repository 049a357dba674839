"""The shape of reader input: lengths, e-mail, website, consent, and text normalisation.

The HTML views and the JSON API parse input with these forms, then call services.py, which runs
the same `clean_*` functions again (so callers that skip the forms get the same checks).
Normalisation: Unicode NFC (NFKC for names), line ends unified, control characters dropped,
bidirectional overrides and zero-width characters stripped (joiners kept, emoji need them);
NUL bytes are refused rather than stripped. Lengths are counted after normalising.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from .conf import conf
from .models import Comment, Report
from .stamps import Stamp

NAME_MAX = Comment._meta.get_field("author_name").max_length
URL_MAX = Comment._meta.get_field("author_url").max_length
EMAIL_MAX = 254
NOTE_MAX = Report._meta.get_field("note").max_length
# The highest page number a listing accepts (?page=); larger ones are refused, not clamped.
PAGE_MAX = 999_999

# Direction overrides/isolates/marks and invisible characters: stripped everywhere.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x200C))
    + list(range(0x200E, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070))
    + list(range(0xFFF9, 0xFFFC))
)
_JOINERS = {"\u200c", "\u200d"}
_CONTROL_IN_TEXT = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_DANGEROUS_SCHEME = re.compile(
    r"^\s*(javascript|data|vbscript|file|mailto|about|blob)\s*:", re.IGNORECASE
)


def max_length() -> int:
    return conf("MAX_LENGTH")


def _refuse_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("The text contains characters that are not allowed."), "nul")


def normalise_body(value: str) -> str:
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _CONTROL_IN_TEXT.sub("", value.translate(_INVISIBLE)).replace("\t", "    ")
    lines = [line.rstrip() for line in value.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_body(value) -> str:
    """The comment text, normalised; refused if empty, too long or holding NUL bytes."""
    value = "" if value is None else str(value)
    limit = max_length()
    # Cheap refusal of huge bodies before any Unicode work.
    if len(value) > limit * 4:
        raise ValidationError(
            _("Keep the comment under %(limit)s characters (it has %(count)s)."),
            "max_length",
            params={"limit": limit, "count": len(value)},
        )
    _refuse_nul(value)
    value = normalise_body(value)
    if not value:
        raise ValidationError(_("Write a comment."), "required")
    if len(value) > limit:
        raise ValidationError(
            _("Keep the comment under %(limit)s characters (it has %(count)s)."),
            "max_length",
            params={"limit": limit, "count": len(value)},
        )
    return value


def _is_visible(char: str) -> bool:
    return char not in _JOINERS and unicodedata.category(char)[0] not in "ZCM"


def clean_name(value) -> str:
    """A display name: NFKC, one-line, invisible and direction characters stripped."""
    value = "" if value is None else str(value)
    if len(value) > NAME_MAX * 4:
        raise ValidationError(
            _("Keep the name under %(limit)s characters."), "max_length", {"limit": NAME_MAX}
        )
    _refuse_nul(value)
    value = unicodedata.normalize("NFKC", value).translate(_INVISIBLE)
    value = _SPACES.sub(" ", _CONTROL_IN_TEXT.sub("", value)).strip()
    if not value:
        raise ValidationError(_("Enter your name."), "required")
    if not any(_is_visible(char) for char in value):
        raise ValidationError(_("Enter a name made of visible characters."), "invisible")
    if len(value) > NAME_MAX:
        raise ValidationError(
            _("Keep the name under %(limit)s characters."), "max_length", {"limit": NAME_MAX}
        )
    return value


def clean_email(value) -> str:
    value = ("" if value is None else str(value)).strip()
    if not value:
        raise ValidationError(_("Enter your e-mail address."), "required")
    _refuse_nul(value)
    if len(value) > EMAIL_MAX:
        raise ValidationError(_("Enter a valid e-mail address."), "invalid")
    value = value.lower()
    EmailValidator(message=_("Enter a valid e-mail address."))(value)
    return value


def clean_url(value) -> str:
    """An optional website: http or https only; "example.com" becomes "https://example.com"."""
    value = ("" if value is None else str(value)).strip()
    if not value:
        return ""
    _refuse_nul(value)
    message = _("Enter a web address starting with http:// or https://.")
    if len(value) > URL_MAX or _SPACES.search(value) or _CONTROL_IN_TEXT.search(value):
        raise ValidationError(message, "invalid")
    if _DANGEROUS_SCHEME.match(value):
        raise ValidationError(message, "scheme")
    if _OTHER_SCHEME.match(value):
        if not value.lower().startswith(("http://", "https://")):
            raise ValidationError(message, "scheme")
    else:
        value = "https://" + value.lstrip("/")
    if len(value) > URL_MAX:
        raise ValidationError(message, "invalid")
    URLValidator(schemes=["http", "https"], message=message)(value)
    return value


@dataclass
class CommentInput:
    """A reader's comment as typed, before any check."""

    body: str
    name: str = ""
    email: str = ""
    url: str = ""
    parent_id: int | None = None
    # Anti-bot signals from the HTML form (the API sends neither and is rate-limited instead).
    honeypot: str = ""
    form_age_seconds: float | None = None
    stamp: Stamp | None = None  # the form stamp as read back (stamps.read); None from the API
    extra: dict = field(default_factory=dict)


class _Normalised(forms.CharField):
    """A CharField whose cleaning is one of the functions above (no raw-length cap)."""

    def __init__(self, *, cleaner, **kwargs):
        self.cleaner = cleaner
        super().__init__(strip=False, **kwargs)
        self.validators = []  # NUL and lengths are the cleaner's job, with our messages

    def clean(self, value):
        value = self.to_python(value)
        if value in self.empty_values and not self.required:
            return ""
        return self.cleaner(value)


class CommentForm(forms.Form):
    """A new top-level comment. Pass `user=` for a logged-in reader: name, e-mail and consent are
    then taken from the account and not asked for."""

    body = _Normalised(label=_("Comment"), cleaner=clean_body, widget=forms.Textarea)
    name = _Normalised(label=_("Name"), cleaner=clean_name)
    email = _Normalised(label=_("E-mail (never shown)"), cleaner=clean_email)
    url = _Normalised(label=_("Website (optional)"), cleaner=clean_url, required=False)
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree to my comment being stored."),
        required=False,
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    notify = forms.BooleanField(label=_("Notify me of replies to this comment"), required=False)
    # Anti-bot: a field humans never see (must stay empty) and when the form was shown.
    address = forms.CharField(label=_("Leave this field empty"), required=False, strip=False)
    started = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            for name in ("name", "email", "consent"):
                del self.fields[name]

    def clean_consent(self):
        if not self.cleaned_data.get("consent"):
            raise ValidationError(
                _("Please confirm you agree to the privacy notice."), code="required"
            )
        return True

    def clean_address(self):
        return self.cleaned_data.get("address") or ""

    def form_age_seconds(self) -> float | None:
        started = self.cleaned_data.get("started")
        if started is None or started <= 0:
            return None
        return max(0.0, time.time() - started)

    def to_input(self):
        """The CommentInput for services.submit_comment (call after is_valid())."""
        data = self.cleaned_data
        return CommentInput(
            body=data["body"],
            name=data.get("name", ""),
            email=data.get("email", ""),
            url=data.get("url", ""),
            parent_id=data.get("parent"),
            honeypot=data.get("address", ""),
            form_age_seconds=self.form_age_seconds(),
            extra={"notify": bool(data.get("notify"))},
        )


class ReplyForm(CommentForm):
    """A reply: like a comment, with the parent comment's id required."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].required = True
        self.fields["parent"].error_messages["required"] = _(
            "Choose the comment you are replying to."
        )


class EditForm(forms.Form):
    body = _Normalised(label=_("Comment"), cleaner=clean_body, widget=forms.Textarea)
    token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(
        label=_("Vote"),
        choices=[("1", "+1"), ("-1", "-1"), ("0", "0")],
        coerce=int,
        error_messages={"invalid_choice": _("A vote is +1, -1 or 0 to withdraw it.")},
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=Report.Reason.choices,
        error_messages={
            "required": _("Choose a reason."),
            "invalid_choice": _("Choose one of the listed reasons."),
        },
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )
