"""Reader endpoints for subscriptions to discussions, mounted at /commenti/iscrizioni/.

Thin views over subscriptions.py: subscribe from the article ("Sottoscrivi"), confirm by the
mailed link, "Le mie iscrizioni" (list, frequency, unsubscribe one or all) from a signed link or
the account, and the RFC 8058 one-click unsubscribe. Forms posted from our own pages are checked
with the same-origin rule; the one-click POST is not (mail providers post it from their servers)
and is authenticated by the signed token in its URL alone. A GET of that URL only shows a
confirmation page, so link scanners unsubscribe nobody. Pages reached through a link are private,
never cached, and send no referrer.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from edicola.core import identity
from edicola.core.origin import client_ip, same_origin_required
from edicola.news.models import ArticlePage

from .. import subscriptions
from ..models import Subscription
from ..subscriptions import SubscriptionError
from .responses import private


def _private(response: HttpResponse) -> HttpResponse:
    return private(response, from_link=True)


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return _private(render(request, f"comments/subscriptions/{template}", context, status=status))


def _error(request, error: SubscriptionError) -> HttpResponse:
    return _page(request, "error.html", {"error": error.message}, status=error.status)


def _article(article_id: int):
    return ArticlePage.objects.visible(article_id)


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request, article_id: int):
    """ "Sottoscrivi": choose what to be notified of; guests give their address."""
    article = _article(article_id)
    if article is None:
        return _error(request, SubscriptionError(_("This article is not available."), status=404))
    user = _user(request)
    context = {"article": article, "user": user, "kinds": Subscription.Kind.choices}
    if request.method != "POST":
        context["kind"] = request.GET.get("tipo", Subscription.Kind.ARTICLE)
        return _page(request, "subscribe.html", context)
    kind = str(request.POST.get("kind", ""))[:20]
    email = str(request.POST.get("email", ""))[:300]
    context.update(kind=kind, email=email)
    try:
        subscription = subscriptions.subscribe(
            article, kind=kind, email=email, user=user, ip=client_ip(request)
        )
    except SubscriptionError as error:
        context["error"] = error
        return _page(request, "subscribe.html", context, status=error.status)
    context["subscription"] = subscription
    context["confirmed"] = subscription.confirmed_at is not None
    if context["confirmed"]:
        context["manage_url"] = subscriptions.manage_url(subscription.subscriber)
    return _page(request, "subscribed.html", context)


@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    """The mailed confirmation link: a page with one button (a POST confirms)."""
    try:
        subscription = subscriptions.subscription_for_confirm_token(token)
    except SubscriptionError as error:
        return _error(request, error)
    if request.method != "POST":
        return _page(request, "confirm.html", {"subscription": subscription, "token": token})
    subscription, changed = subscriptions.confirm(token)
    response = _page(
        request,
        "confirmed.html",
        {
            "subscription": subscription,
            "changed": changed,
            "manage_url": subscriptions.manage_url(subscription.subscriber),
        },
    )
    # This browser opened a link mailed to the address: it has proven it (core.identity).
    identity.remember_proven_email(request, response, subscription.subscriber.email)
    return response


def _number(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, token: str):
    """ "Le mie iscrizioni": every subscription, its frequency, unsubscribe one or all."""
    try:
        subscriber = subscriptions.subscriber_for_manage_token(token)
    except SubscriptionError as error:
        return _error(request, error)
    status, notice, error_message = 200, "", ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        subscription_id = _number(request.POST.get("subscription"))
        try:
            if action == "frequency":
                subscriptions.set_frequency(
                    subscriber, subscription_id, str(request.POST.get("frequency", ""))[:20]
                )
                notice = _("Your choice has been saved.")
            elif action == "unsubscribe" and subscription_id is not None:
                if subscriptions.unsubscribe(subscriber, subscription_id):
                    notice = _("You have been unsubscribed.")
                else:
                    notice = _("This subscription had already been removed.")
            elif action == "unsubscribe-all":
                subscriptions.unsubscribe(subscriber)
                notice = _("You have been unsubscribed from everything.")
            else:
                raise SubscriptionError(_("Choose one of the actions on the page."))
        except SubscriptionError as error:
            status, error_message = error.status, error.message
    context = {
        "subscriber": subscriber,
        "subscriptions": list(subscriptions.subscriptions_of(subscriber)),
        "frequencies": Subscription.Frequency.choices,
        "token": token,
        "notice": notice,
        "error": error_message,
    }
    return _page(request, "manage.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    """The List-Unsubscribe URL. GET: a confirmation page. POST: unsubscribe at once (RFC 8058
    one-click from the mail provider, or the page's button); no origin check, the signed token
    is the proof."""
    try:
        subscriber, scope = subscriptions.parse_unsubscribe_token(token)
    except SubscriptionError as error:
        return _error(request, error)
    context = {
        "subscriber": subscriber,
        "token": token,
        "manage_url": subscriptions.manage_url(subscriber),
        "scope": scope,
    }
    if "subscription_id" in scope:
        context["subscription"] = (
            Subscription.objects.select_related("article")
            .filter(pk=scope["subscription_id"], subscriber=subscriber)
            .first()
        )
    elif "article_id" in scope:
        context["article"] = _article(scope["article_id"])
    if request.method != "POST":
        return _page(request, "unsubscribe.html", context)
    context["removed"] = subscriptions.unsubscribe(subscriber, **scope)
    return _page(request, "unsubscribed.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def mine(request):
    """The account's way to "Le mie iscrizioni": straight to the page for its address."""
    try:
        subscriber = subscriptions.subscriber_for_user(request.user)
    except SubscriptionError as error:
        return _error(request, error)
    token = subscriptions.manage_token(subscriber, expiring=True)
    return _private(HttpResponseRedirect(reverse("subscriptions:manage", args=[token])))
