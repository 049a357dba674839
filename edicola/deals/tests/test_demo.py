from wagtail.images.models import Image

from edicola.deals.demo import DEALS, seed_deals
from edicola.deals.models import Deal, Store
from edicola.news.tests.factories import make_category


def test_demo_deals_are_created_once_and_shown(client, home):
    make_category(home, "Promozioni")
    created = seed_deals()
    assert created["deals"] == len(DEALS) and created["stores"] == 3
    counts = (Deal.objects.count(), Store.objects.count(), Image.objects.count())
    assert seed_deals() == {}
    assert (Deal.objects.count(), Store.objects.count(), Image.objects.count()) == counts
    live = Deal.objects.live()
    assert live.count() == 4 and Deal.objects.expired().count() == 1
    assert live.filter(image=None).count() == 1  # its card is drawn from title and price
    assert live.filter(category__slug="promozioni").exists()
    page = client.get("/offerte/").content.decode()
    assert all(deal.title in page for deal in live)
    assert "In qualità di Affiliato Amazon" in page
    expired = client.get("/offerte/scadute/").content.decode()
    assert Deal.objects.expired().get().title in expired
