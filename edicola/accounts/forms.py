"""The shape of the account forms: log in by e-mail, sign up with name, e-mail and password."""

import re

from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

MAX_USERNAME = 150


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if email and password:
            self.user = authenticate(self.request, email=email, password=password)
            if self.user is None:
                raise forms.ValidationError(
                    _("The e-mail address or the password is not correct."), code="invalid_login"
                )
        return cleaned


class SignupForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("Shown next to your comments."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Never shown to other readers."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        help_text=password_validation.password_validators_help_text_html,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"]).lower()
        if get_user_model()._default_manager.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this e-mail address already exists. Log in instead."),
                code="duplicate_email",
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and "email" in cleaned and "name" in cleaned:
            first, _sep, last = cleaned["name"].partition(" ")
            user = get_user_model()(email=cleaned["email"], first_name=first, last_name=last)
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned

    def save(self):
        """Create the account; the username is derived from the e-mail address."""
        user_model = get_user_model()
        first, _sep, last = self.cleaned_data["name"].partition(" ")
        user = user_model(
            username=unique_username(self.cleaned_data["email"]),
            email=self.cleaned_data["email"],
            first_name=first[:150],
            last_name=last.strip()[:150],
        )
        user.set_password(self.cleaned_data["password"])
        user.save()
        return user


def unique_username(email: str) -> str:
    """A free username made of the address's local part: "maria.rossi", "maria.rossi2", ..."""
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0])[: MAX_USERNAME - 8] or "lettore"
    manager = get_user_model()._default_manager
    taken = set(manager.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


class PasswordLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
