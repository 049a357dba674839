"""{% related_deals article as deals %}: live deals chosen for an article, else from its section."""

from django import template

from edicola.deals.models import Deal
from edicola.deals.services import disclosure_for

register = template.Library()
RELATED_LIMIT = 3


class DealList(list):
    """Deals, with the affiliate disclosures they need (each text once)."""

    disclosures: list[str] = []


@register.simple_tag
def related_deals(article) -> list[Deal]:
    if article is None or not getattr(article, "pk", None):
        return DealList()
    live = Deal.objects.live().select_related("store", "image")
    deals = list(live.filter(related_articles=article)[:RELATED_LIMIT])
    if not deals:
        parent = article.get_parent()
        if parent is not None:
            deals = list(live.filter(category_id=parent.pk)[:RELATED_LIMIT])
    result = DealList(deals)
    result.disclosures = list(dict.fromkeys(disclosure_for(deal) for deal in deals))
    return result
