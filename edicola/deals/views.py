"""Reader pages: the live deals list with its filters, the expired list, a deal page, its card
image, the click redirect, personal alerts and the WhatsApp opt-in."""

import hashlib

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from edicola.core.origin import client_ip, ip_network
from edicola.deals import alerts as alert_rules
from edicola.deals import services, subscribers
from edicola.deals.cards import deal_card
from edicola.deals.models import Deal, Store
from edicola.news.models import CategoryPage

READER_COOKIE = "edicola_r"
READER_COOKIE_AGE = 3600
READER_COOKIE_SALT = "edicola.deals.reader"
PER_PAGE = 24


def _listing(request, deals, *, expired: bool):
    stores = Store.objects.filter(deals__in=deals).distinct().order_by("name")
    categories = CategoryPage.objects.live().filter(deals__in=deals).distinct().order_by("title")
    store = request.GET.get("negozio", "")
    category = request.GET.get("categoria", "")
    if store:
        deals = deals.filter(store__pk=store) if store.isdigit() else deals.none()
    if category:
        valid = category.replace("-", "").replace("_", "").isalnum() and len(category) <= 255
        deals = deals.filter(category__slug=category) if valid else deals.none()
    page = Paginator(deals.select_related("store", "image"), PER_PAGE).get_page(
        request.GET.get("pagina")
    )
    context = {
        "deals": page,
        "stores": stores,
        "categories": categories,
        "selected_store": store,
        "selected_category": category,
        "expired": expired,
        "alerts_available": services.alerts_enabled(),
        "whatsapp_available": services.whatsapp_enabled(),
        # The site's text, and each store's own where the deals shown have one (Amazon's).
        "disclosures": list(
            dict.fromkeys([services.disclosure_for()] + [services.disclosure_for(d) for d in page])
        ),
    }
    return render(request, "deals/deal_list.html", context)


@require_GET
def deal_list(request):
    return _listing(request, Deal.objects.live(), expired=False)


@require_GET
def expired_list(request):
    return _listing(request, Deal.objects.expired().order_by("-ended_at", "-pk"), expired=True)


@require_GET
def deal_detail(request, pk: int):
    deal = get_object_or_404(Deal.objects.public().select_related("store", "image"), pk=pk)
    articles = [article for article in deal.related_articles.all() if article.live][:5]
    return render(
        request,
        "deals/deal_page.html",
        {"deal": deal, "articles": articles, "disclosure": services.disclosure_for(deal)},
    )


@require_GET
def deal_card_image(request, pk: int):
    deal = get_object_or_404(Deal.objects.public().select_related("store"), pk=pk)
    response = HttpResponse(deal_card(deal), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def go(request, pk: int):
    """Count the click (not for bots, once per reader and hour) and send the reader on.

    Readers are told apart by our signed cookie, or, without one, by address and browser; a
    cookie we did not sign counts once per network, deal and day (services.record_click)."""
    deal = Deal.objects.filter(pk=pk).select_related("store").first()
    if deal is None or deal.status in (Deal.Status.DRAFT, Deal.Status.SCHEDULED):
        raise Http404
    if deal.status == Deal.Status.WITHDRAWN:
        return HttpResponseRedirect(reverse("deals:detail", args=[deal.pk]))
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    reader = request.get_signed_cookie(
        READER_COOKIE, default="", salt=READER_COOKIE_SALT, max_age=READER_COOKIE_AGE
    )
    proven = reader.isalnum() and len(reader) == 22
    new_cookie = ""
    if proven:
        identity = f"r:{reader}"
    else:
        # A reader without our cookie is known by address and browser; the cookie then carries
        # the same key, so their next click in the hour is recognised either way.
        seed = f"{client_ip(request)}|{user_agent}|{settings.SECRET_KEY}"
        new_cookie = hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()[:22]
        identity = f"r:{new_cookie}"
        if READER_COOKIE in request.COOKIES:
            # A cookie we did not sign (forged, or tampered with) tells readers apart no more
            # than its sender wants: such clicks count once per network, deal and day.
            identity = f"n:{ip_network(client_ip(request))}"
        else:
            proven = True
    services.record_click(
        deal,
        reader=identity,
        user_agent=user_agent,
        channel=request.GET.get("c", "site"),
        proven=proven,
    )
    response = HttpResponseRedirect(deal.affiliate_url)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    if new_cookie:
        response.set_signed_cookie(
            READER_COOKIE,
            new_cookie,
            salt=READER_COOKIE_SALT,
            max_age=READER_COOKIE_AGE,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


class AlertForm(forms.Form):
    keyword = forms.CharField(label=gettext_lazy("Keyword"), max_length=60)
    max_price = forms.CharField(label=gettext_lazy("Maximum price (€)"), max_length=12)

    def clean(self):
        data = super().clean()
        if "keyword" in data and "max_price" in data:
            try:
                data["request"] = alert_rules.parse_alert(data["keyword"], data["max_price"])
            except services.DealError as error:
                raise forms.ValidationError(str(error)) from None
        return data


class WhatsAppForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Mobile number"), max_length=32)
    consent = forms.BooleanField(label=subscribers.CONSENT_TEXT, required=True)

    def clean_phone(self):
        try:
            return subscribers.normalise_phone(self.cleaned_data["phone"])
        except services.DealError as error:
            raise forms.ValidationError(str(error)) from None


def alerts(request):
    """Ask for an alert on the site: it becomes active when the reader opens the bot. Without a
    bot the page says so and offers no form (503 to a POST: nothing is saved)."""
    available = services.alerts_enabled()
    form = AlertForm(request.POST or None)
    alert, status, retry_after = _submit(
        request,
        form,
        available,
        lambda: alert_rules.create_site_alert(form.cleaned_data["request"], ip=client_ip(request)),
    )
    response = render(
        request,
        "deals/alerts.html",
        {
            "form": form,
            "alert": alert,
            "available": available,
            "bot_link": services.bot_url(alert.token) if alert else "",
            "bot_url": services.bot_url(),
        },
        status=status,
    )
    return _private(response, retry_after)


def whatsapp_signup(request):
    """The WhatsApp opt-in; without a configured WhatsApp number the page says so, offers no
    form and a POST saves nothing (503)."""
    available = services.whatsapp_enabled()
    form = WhatsAppForm(request.POST or None)
    subscriber, status, retry_after = _submit(
        request,
        form,
        available,
        lambda: subscribers.whatsapp_opt_in(
            form.cleaned_data["phone"], consent=True, ip=client_ip(request)
        ),
    )
    done = subscriber is not None
    response = render(
        request,
        "deals/whatsapp.html",
        {
            "form": form,
            "done": done,
            "available": available,
            "consent_version": subscribers.CONSENT_VERSION,
        },
        status=status,
    )
    return _private(response, retry_after)


def _submit(request, form, available: bool, action):
    """A reader's form on a deals page: (what `action()` made or None, HTTP status, Retry-After).
    Nothing is attempted when the channel is not set up (503) or the form is invalid (400); a
    refusal of the rules goes on the form, over the limit with the limiter's wait (429)."""
    if request.method != "POST":
        return None, 200, None
    if not available:
        return None, 503, None
    if not form.is_valid():
        return None, 400, None
    try:
        return action(), 200, None
    except services.TooManyRequests as error:
        form.add_error(None, str(error))
        return None, 429, error.retry_after
    except services.DealError as error:
        form.add_error(None, str(error))
        return None, 400, None


def _private(response, retry_after: int | None = None):
    response["Cache-Control"] = "private, no-store"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
