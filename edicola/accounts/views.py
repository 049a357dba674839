"""Log in, sign up, log out, and confirm the account's e-mail address. These pages set cookies, so
they are never cached, and they use Django's token CSRF protection like any ordinary form.

Signing up mails the confirmation link (accounts/confirmation.py); the account page shows an
unconfirmed address and sends the link again. The link's GET shows one button and only the POST
confirms, so link scanners confirm nothing.
"""

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from edicola.core import identity
from edicola.core.origin import client_ip

from . import confirmation, passwords
from .forms import LoginForm, PasswordLinkForm, SignupForm
from .throttle import forget_failures, login_retry_after

BACKEND = "edicola.accounts.backends.EmailBackend"


def safe_next(request) -> str:
    """Where to go afterwards: `next` if it stays on this site, otherwise the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request):
    form = LoginForm(request.POST if request.method == "POST" else None, request=request)
    status, limit_error, retry_after = 200, "", 0
    if request.method == "POST":
        email = request.POST.get("email", "")[:254]
        retry_after = login_retry_after(request, email)
        if retry_after:
            # Refused before any password is checked; the typed address is kept.
            form = LoginForm(initial={"email": email}, request=request)
            limit_error = _("Too many login attempts. Try again in a few minutes.")
            status = 429
        elif form.is_valid():
            forget_failures(email)
            login(request, form.user, backend=BACKEND)
            return redirect(safe_next(request))
        else:
            status = 400
    context = {"form": form, "next": safe_next(request), "limit_error": limit_error}
    response = render(request, "accounts/login.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def signup_view(request):
    form = SignupForm(request.POST if request.method == "POST" else None)
    status, refused = 200, None
    if request.method == "POST":
        user = None
        for _attempt in range(2):
            if not form.is_valid():
                break
            try:
                with transaction.atomic():
                    user = form.save()
                    # Nothing is saved when the confirmation mail may not be sent.
                    confirmation.send_confirmation(user, ip=client_ip(request))
                break
            except IntegrityError:
                # Someone took the same username a moment ago: validate again and retry once.
                user, form = None, SignupForm(request.POST)
            except confirmation.ConfirmationError as error:
                user, refused = None, error
                break
        if user is not None:
            login(request, user, backend=BACKEND)
            return redirect(safe_next(request))
        status = 400
        if refused is not None:
            form.add_error(None, refused.message)
            status = refused.status
        elif form.is_valid():
            form.add_error(None, _("Your account could not be created. Please try again."))
    response = render(
        request, "accounts/signup.html", {"form": form, "next": safe_next(request)}, status=status
    )
    if refused is not None and refused.retry_after:
        response["Retry-After"] = str(refused.retry_after)
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request):
    if request.method == "POST":
        logout(request)
        return redirect(safe_next(request))
    return render(request, "accounts/logout.html", {"next": safe_next(request)})


def _account_page(request, *, notice="", error=None) -> HttpResponse:
    context = {
        "email_confirmed": identity.is_confirmed(request.user),
        "notice": notice,
        "error": error.message if error else "",
    }
    response = render(
        request, "accounts/account.html", context, status=error.status if error else 200
    )
    if error is not None and error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def account_view(request):
    """The reader's account page: who they are, whether their address is confirmed, and the
    way to "Le mie iscrizioni"."""
    return _account_page(request)


@never_cache
@csrf_protect
@login_required
@require_http_methods(["POST"])
def send_confirmation_view(request):
    """The account page's "send the link again"."""
    try:
        confirmation.send_confirmation(request.user, ip=client_ip(request))
    except confirmation.ConfirmationError as error:
        return _account_page(request, error=error)
    return _account_page(request, notice=_("We have sent you the link again. Check your inbox."))


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_view(request, token: str):
    """The mailed link: a page with one button; its POST proves the address."""
    context = {"token": token}
    try:
        if request.method != "POST":
            context["account"] = confirmation.account_for_token(token)
            return _link_page(request, context)
        account, context["changed"] = confirmation.confirm(token)
    except confirmation.ConfirmationError as error:
        context["error"] = error.message
        return _link_page(request, context, status=error.status)
    context.update(account=account, done=True)
    response = _link_page(request, context)
    # This browser opened a link mailed to the address: it has proven it (core.identity).
    identity.remember_proven_email(request, response, account.email)
    return response


def _link_page(request, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, "accounts/confirm.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


def password_link_view(request):
    """Ask for a link that sets the password (forgotten, or never set: imported accounts)."""
    form = PasswordLinkForm(request.POST if request.method == "POST" else None)
    status, limit_error, sent = 200, "", False
    if request.method == "POST":
        if form.is_valid():
            try:
                passwords.request_password_link(form.cleaned_data["email"], ip=client_ip(request))
                sent = True
            except passwords.PasswordLinkRefused as refused:
                limit_error, status = refused.message, 429
        else:
            status = 400
    context = {"form": form, "sent": sent, "limit_error": limit_error}
    return render(request, "accounts/password_link.html", context, status=status)


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def set_password_view(request, uidb64: str, token: str):
    """The mailed link: choose a password, then be logged in."""
    user = passwords.user_for_link(uidb64, token)
    if user is None:
        return render(request, "accounts/set_password.html", {"form": None}, status=400)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        login(request, user, backend=BACKEND)
        return redirect("accounts:account")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/set_password.html", {"form": form}, status=status)
