"""{% related_deals article as deals %}: live deals chosen for an article, else from its section."""

from django import template

from edicola.deals.models import Deal
from edicola.deals.services import disclosure_for

register = template.Library()
RELATED_LIMIT = 3


@register.simple_tag
def related_deals(article) -> list[Deal]:
    if article is None or not getattr(article, "pk", None):
        return []
    live = Deal.objects.live().select_related("store", "image")
    deals = list(live.filter(related_articles=article)[:RELATED_LIMIT])
    if not deals:
        parent = article.get_parent()
        if parent is not None:
            deals = list(live.filter(category_id=parent.pk)[:RELATED_LIMIT])
    for deal in deals:
        deal.disclosure = disclosure_for(deal)
    return deals
