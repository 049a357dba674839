"""Log in by e-mail address: readers type their e-mail, never a username.

EmailBackend matches the address case-insensitively and otherwise behaves like Django's
ModelBackend (permissions, inactive users refused). ModelBackend stays listed after it in
AUTHENTICATION_BACKENDS, so the Wagtail admin keeps accepting usernames.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        address = (email or username or "").strip()
        if "@" not in address or password is None:
            return None
        user_model = get_user_model()
        candidates = list(user_model._default_manager.filter(email__iexact=address).order_by("pk"))
        if not candidates:
            # Hash anyway, so an unknown address takes as long as a wrong password.
            user_model().set_password(password)
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None
