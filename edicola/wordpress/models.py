"""What an import remembers: which of our rows came from which WordPress row, and the old
addresses that must keep answering with a redirect."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedObject(models.Model):
    """One of our rows that an import created, keyed by source site and source id, so that a
    second run updates instead of duplicating, and keeps what an editor changed here."""

    class Kind(models.TextChoices):
        AUTHOR = "author", _("author")
        CATEGORY = "category", _("category")
        TAG = "tag", _("tag")
        POST = "post", _("post")
        PAGE = "page", _("page")
        ATTACHMENT = "attachment", _("attachment")
        COMMENT = "comment", _("comment")
        VOTE = "vote", _("vote")
        SUBSCRIPTION = "subscription", _("subscription")
        FEEDBACK_FORM = "feedback", _("feedback form")
        USER = "user", _("reader account")

    source = models.CharField(_("source site"), max_length=200)  # SiteInfo.base_url
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source_id = models.CharField(_("source id"), max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    # sha256 of the source record as last imported: unchanged in WordPress → nothing to do.
    source_fingerprint = models.CharField(max_length=64, blank=True)
    # What our row looked like right after the import (e.g. the page revision id): if it
    # differs now, an editor changed it here and a re-import keeps it (unless --overwrite).
    local_fingerprint = models.CharField(max_length=64, blank=True)
    # A key old links carry instead of the id (e.g. a wpDiscuz subscription's activation key).
    legacy_key = models.CharField(max_length=100, blank=True, db_index=True)
    imported_at = models.DateTimeField(_("first imported"), default=timezone.now)
    updated_at = models.DateTimeField(_("last updated by an import"), default=timezone.now)

    class Meta:
        verbose_name = _("imported object")
        verbose_name_plural = _("imported objects")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="wordpress_imported_once"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id}"


class LegacyPath(models.Model):
    """An address of the old site (path only, as `oldurls.normalise` keys it: no host, no
    query, lower case, percent-encoding as WordPress printed it, trailing slash kept) that
    answers 301 to where its object lives now. The redirect resolves the target's current URL
    at request time, so later moves and renames here keep old links working."""

    path = models.CharField(_("old address"), max_length=800, unique=True)
    imported = models.ForeignKey(
        ImportedObject, related_name="legacy_paths", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self) -> str:
        return self.path


class LegacySite(models.Model):
    """How an imported WordPress site built its addresses: the permalink structure and the
    category and tag bases, so that shapes no single LegacyPath row names (an old slug under
    another date, a feed or page of a category) still find their object."""

    source = models.CharField(_("source site"), max_length=200, unique=True)
    # The path the old site lived under ("" at the root, "/blog" in a subdirectory).
    home_path = models.CharField(max_length=200, blank=True)
    # WordPress's permalink_structure ("/%year%/%monthnum%/%postname%/"); "" for ?p= links.
    permalink_structure = models.CharField(_("permalink structure"), max_length=200, blank=True)
    # True when the structure was worked out from the items' links (an export file carries none).
    structure_inferred = models.BooleanField(default=False)
    category_base = models.CharField(_("category base"), max_length=100, default="category")
    tag_base = models.CharField(_("tag base"), max_length=100, default="tag")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("imported site's addresses")
        verbose_name_plural = _("imported sites' addresses")

    def __str__(self) -> str:
        return self.source
