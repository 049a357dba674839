"""Publishing events that retire the anonymous page cache and remembered page routes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import pagecache
from .models import SiteSettings


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def retire_cached_pages(sender, **kwargs) -> None:
    pagecache.invalidate_all()


@receiver(post_delete, sender=Page)
@receiver(post_save, sender=SiteSettings)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def retire_cached_pages_on_change(sender, **kwargs) -> None:
    pagecache.invalidate_all()
