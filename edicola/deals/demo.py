"""Demo deals for a fresh Edicola: a few stores and deals on the Lumio Italia site.

`seed_deals()` is called by `edicola seed_demo` after the news demo. It only creates what is
missing (stores by name, deals by title), so running it twice adds nothing and an editor's
changes survive. Pictures and logos are drawn locally (news/demo/images.py); one deal has no
picture on purpose, to show the card drawn from its title and price. Demo deals are put live
without broadcasts: a demo must never post to a real Telegram channel or WhatsApp number.
"""

import io
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone

from edicola.core.demo import Seeded
from edicola.core.tasks import after_commit
from edicola.deals.models import Deal, Store
from edicola.news.demo import images

RED, GOLD = (170, 40, 32), (224, 170, 60)
BLUE, TEAL = (34, 64, 140), (18, 112, 118)
VIOLET, GREEN = (92, 54, 150), (40, 130, 80)


@dataclass(frozen=True)
class DemoStore:
    name: str
    parameters: str = ""
    disclosure: str = ""


@dataclass(frozen=True)
class DemoDeal:
    title: str
    store: str
    price: str
    original: str | None
    code: str
    url: str
    category: str
    keywords: str
    description: str
    days_left: float | None
    picture: images.Picture | None
    articles: tuple[str, ...] = ()
    expired: bool = False


STORES = (
    DemoStore(
        "Amazon",
        "tag=lumioitalia-21",
        "In qualità di Affiliato Amazon ricevo un guadagno dagli acquisti idonei.",
    ),
    DemoStore("Negozio Lumio"),
    DemoStore("ElettroCasa", "utm_source=lumioitalia&utm_medium=offerte"),
)

DEALS = (
    DemoDeal(
        title="Lumio A5 128 GB, nero grafite",
        store="Amazon",
        price="169.00",
        original="249.00",
        code="",
        url="https://www.amazon.it/dp/B0DEMOA5128",
        category="promozioni",
        keywords="lumio, a5, smartphone",
        description=(
            "Il prezzo più basso visto finora per il medio gamma di Lumio: schermo da 6,5 "
            "pollici, batteria da 5000 mAh e due giorni di autonomia nella nostra prova."
        ),
        days_left=3,
        picture=images.Picture(
            "phone", "-32%", RED, GOLD, "Un telefono nero su sfondo rosso con lo sconto"
        ),
        articles=("lumio-a5-minimo-storico", "lumio-a5-prova-batteria"),
    ),
    DemoDeal(
        title="Auricolari Lumio X3 Buds con custodia di ricarica",
        store="Negozio Lumio",
        price="59.90",
        original="89.90",
        code="BUDS15",
        url="https://negozio.lumio.example/x3-buds",
        category="promozioni",
        keywords="lumio, auricolari, buds",
        description=(
            "Con il codice lo sconto sale di altri 15 euro al carrello. Cancellazione attiva "
            "del rumore e ricarica senza fili."
        ),
        days_left=6,
        picture=images.Picture("buds", "Buds", BLUE, TEAL, "Due auricolari bianchi su sfondo blu"),
        articles=("lumio-x3-buds-in-regalo-preordine",),
    ),
    DemoDeal(
        title="Caricatore rapido USB-C da 65 W a due porte",
        store="ElettroCasa",
        price="24.99",
        original="39.99",
        code="CARICA10",
        url="https://www.elettrocasa.example/caricatore-65w",
        category="promozioni",
        keywords="caricatore, usb-c, accessori",
        description=(
            "Ricarica insieme telefono e portatile. Il codice vale per il primo ordine sul "
            "sito del negozio."
        ),
        days_left=2,
        picture=None,  # the card is drawn from title and price
        articles=("accessori-lumio-sconto-settimana",),
    ),
    DemoDeal(
        title="Lumio X3 Pro 256 GB con cover in regalo",
        store="Amazon",
        price="749.00",
        original="899.00",
        code="",
        url="https://www.amazon.it/dp/B0DEMOX3PRO",
        category="smartphone",
        keywords="lumio, x3 pro, smartphone",
        description=(
            "Il modello di punta con la fotocamera da 200 megapixel che abbiamo provato. La "
            "cover in similpelle arriva nella stessa confezione."
        ),
        days_left=10,
        picture=images.Picture(
            "back", "X3 Pro", VIOLET, BLUE, "Il retro di un telefono viola con tre fotocamere"
        ),
        articles=("lumio-x3-pro-prova-fotocamera",),
    ),
    DemoDeal(
        title="Power bank da 10000 mAh sottile",
        store="ElettroCasa",
        price="14.90",
        original="29.90",
        code="",
        url="https://www.elettrocasa.example/powerbank-10000",
        category="promozioni",
        keywords="power bank, batteria, accessori",
        description="Offerta lampo del fine settimana, già terminata.",
        days_left=None,
        picture=images.Picture(
            "tag", "-50%", GREEN, GOLD, "Etichetta di prezzo verde con metà prezzo"
        ),
        expired=True,
    ),
)


def seed_deals() -> Counter:
    """Create the demo stores and deals that are missing; returns what was created by kind."""
    from wagtail.images.models import Image

    from edicola.news.models import ArticlePage, CategoryPage

    created: Counter = Counter()
    now = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        stores = {}
        for spec in STORES:
            store = Store.objects.filter(name=spec.name).first()
            if store is None:
                store = Store.objects.create(
                    name=spec.name,
                    affiliate_parameters=spec.parameters,
                    disclosure=spec.disclosure,
                    logo=_image(Image, f"Logo {spec.name}", images.logo(spec.name), "png"),
                )
                created["stores"] += 1
                created["images"] += 1
            stores[spec.name] = store
        existing = set(
            Deal.objects.filter(title__in=[d.title for d in DEALS]).values_list("title", flat=True)
        )
        for position, spec in enumerate(DEALS):
            if spec.title in existing:
                continue
            starts = now - timedelta(hours=2 + position * 5)
            if spec.expired:
                starts = now - timedelta(days=4)
            deal = Deal.objects.create(
                title=spec.title,
                store=stores[spec.store],
                price=Decimal(spec.price),
                original_price=Decimal(spec.original) if spec.original else None,
                coupon_code=spec.code,
                url=spec.url,
                description=spec.description,
                category=CategoryPage.objects.filter(slug=spec.category).first(),
                keywords=spec.keywords,
                starts_at=starts,
                expires_at=(
                    now - timedelta(days=1)
                    if spec.expired
                    else now + timedelta(days=spec.days_left or 7)
                ),
                status=Deal.Status.EXPIRED if spec.expired else Deal.Status.LIVE,
                published_at=starts,
                ended_at=now - timedelta(days=1) if spec.expired else None,
                image=(
                    _image(
                        Image,
                        spec.picture.description,
                        images.photo(spec.picture, (1200, 900)),
                        "jpg",
                    )
                    if spec.picture
                    else None
                ),
            )
            created["deals"] += 1
            if spec.picture:
                created["images"] += 1
            deal.related_articles.set(ArticlePage.objects.filter(slug__in=spec.articles))
    if created:
        from edicola.core import pagecache

        after_commit(pagecache.invalidate_all)
    return created


def _image(model, title: str, data: bytes, extension: str):
    width, height = images.size_of(data)
    image = model(title=title[:255], description=title[:255], width=width, height=height)
    slug = "".join(c if c.isalnum() else "-" for c in title.lower())[:40].strip("-")
    image.file = ImageFile(io.BytesIO(data), name=f"offerta-{slug}.{extension}")
    image.save()
    return image


def seed(**options) -> Seeded:
    """The seeder `edicola seed_demo` runs: the demo stores and deals."""
    return Seeded(created=dict(seed_deals()))
