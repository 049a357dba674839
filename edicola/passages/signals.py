"""Anchors follow the article: every publish of an article re-anchors its passage comments."""

from django.dispatch import receiver
from wagtail.signals import page_published

from . import services


@receiver(page_published, dispatch_uid="passages-reanchor")
def reanchor_on_publish(sender, instance, revision=None, **kwargs) -> None:
    from edicola.news.models import ArticlePage

    if isinstance(instance, ArticlePage):
        services.reanchor_article(instance, getattr(revision, "pk", None))
