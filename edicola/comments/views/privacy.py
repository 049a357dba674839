"""Reader endpoints for privacy requests: export and erasure of a commenter's data.

Mounted at /commenti/privacy/ (and /en/commenti/privacy/). Thin views over privacy.py: ask for
a link by e-mail, open it, download the JSON export, confirm the erasure. POSTs are checked with
the same-origin rule (the pages carry no CSRF token). Pages reached through a link are private,
never cached and send no referrer, so the link does not leak.
"""

import json

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from edicola.core.origin import client_ip, same_origin_required

from .. import privacy
from ..forms import clean_email
from .responses import private


class LinkRequestForm(forms.Form):
    email = forms.CharField(label=_("Your e-mail address"), strip=False)

    def clean_email(self):
        return clean_email(self.cleaned_data.get("email"))


def _private(response: HttpResponse) -> HttpResponse:
    return private(response, from_link=True)


@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_link(request):
    """The "Your data" page: an e-mail field; the answer is the same whatever is stored."""
    if request.method != "POST":
        context = {"form": LinkRequestForm(), "retention_days": privacy.network_retention_days()}
        return render(request, "comments/privacy/request.html", context)
    form = LinkRequestForm(request.POST)
    context = {"form": form, "retention_days": privacy.network_retention_days()}
    status = 400
    if form.is_valid():
        try:
            privacy.request_link(form.cleaned_data["email"], ip=client_ip(request))
        except privacy.PrivacyError as error:
            context["error"] = error.message
            status = error.status
        else:
            context.update(
                sent=True,
                email=form.cleaned_data["email"],
                valid_hours=max(1, privacy.link_max_age() // 3600),
            )
            status = 200
    return _private(render(request, "comments/privacy/request.html", context, status=status))


def _error_page(request, error: privacy.PrivacyError) -> HttpResponse:
    return _private(
        render(
            request, "comments/privacy/error.html", {"error": error.message}, status=error.status
        )
    )


@require_http_methods(["GET", "HEAD"])
def manage(request, token: str):
    """What is stored under the address, with the download link and the erasure form."""
    try:
        subject = privacy.subject_for_token(token)
    except privacy.PrivacyError as error:
        return _error_page(request, error)
    return _private(
        render(request, "comments/privacy/manage.html", _manage_context(subject, token))
    )


def _manage_context(subject, token: str) -> dict:
    activity = subject.votes().count() + subject.reports().count() if subject.reader_ids else 0
    return {
        "subject": subject,
        "token": token,
        "comment_count": len(subject.comment_ids),
        "activity_count": activity,
        "empty": subject.is_empty,
    }


@require_http_methods(["GET", "HEAD"])
def export(request, token: str):
    try:
        subject = privacy.subject_for_token(token)
    except privacy.PrivacyError as error:
        return _error_page(request, error)
    body = json.dumps(privacy.export(subject), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    return _private(response)


@same_origin_required
@require_POST
def erase(request, token: str):
    try:
        subject = privacy.subject_for_token(token)
    except privacy.PrivacyError as error:
        return _error_page(request, error)
    if request.POST.get("confirm") != "1":
        context = _manage_context(subject, token)
        context["error"] = _("Tick the box to confirm that your data should be erased.")
        return _private(render(request, "comments/privacy/manage.html", context, status=400))
    report = privacy.erase(subject)
    return _private(render(request, "comments/privacy/done.html", {"report": report}))
