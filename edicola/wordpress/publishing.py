"""A WordPress status → the state of our page: live, scheduled, draft or restricted.

publish → live; future → scheduled by Wagtail at the same moment; draft and pending → draft;
private → live behind a view restriction to the staff groups (those with admin access); a
password → Wagtail's password restriction; trash, auto-drafts and revisions are skipped.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from wagtail.models import Page, PageViewRestriction, Revision

from .records import Item
from .run import Run

LIVE_STATUSES = {"publish", "private", "future"}
DRAFT_STATUSES = {"draft", "pending"}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}


def status_name(item: Item) -> str:
    if item.status == "publish" and item.password:
        return "password"
    return item.status


def staff_groups():
    return Group.objects.filter(
        permissions__codename="access_admin", permissions__content_type__app_label="wagtailadmin"
    ).distinct()


def first_state(item: Item, fields: dict) -> dict:
    """A new page's fields: born live when WordPress published it (see publish_as_wordpress)."""
    live = status_name(item) in PUBLISHED_NOW
    state = {**fields, "live": live, "has_unpublished_changes": not live}
    if live:
        state["first_published_at"] = fields["date_published"]
        state["last_published_at"] = fields.get("date_updated") or fields["date_published"]
    return state


PUBLISHED_NOW = {"publish", "private", "password"}


def publish_as_wordpress(run: Run, page: Page, item: Item, created: bool) -> None:
    """Give the page the state its WordPress status asks for (see the module docstring).

    A new page WordPress published is saved live once, with its one revision recorded as the
    live one: what Wagtail's publish would leave, without saving the page twice more (this is
    most of an import's time). Updates, schedules and drafts go through Wagtail's own publish.
    """
    status = status_name(item)
    restriction = {"private": PageViewRestriction.GROUPS, "password": PageViewRestriction.PASSWORD}
    wanted = restriction.get(status)
    if not created:
        PageViewRestriction.objects.filter(page=page).exclude(
            restriction_type=wanted or ""
        ).delete()
    if wanted == PageViewRestriction.PASSWORD:
        PageViewRestriction.objects.update_or_create(
            page=page,
            restriction_type=wanted,
            defaults={"password": item.password[:255]},
        )
    elif wanted == PageViewRestriction.GROUPS:
        found, _created = PageViewRestriction.objects.get_or_create(
            page=page, restriction_type=wanted
        )
        found.groups.set(staff_groups())
    if created and status in PUBLISHED_NOW:
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            content=page.serializable_data(),
            object_str=str(page),
        )
        page.latest_revision, page.live_revision = revision, revision
        Page.objects.filter(pk=page.pk).update(
            latest_revision=revision,
            live_revision=revision,
            latest_revision_created_at=revision.created_at,
            draft_title=page.title,
            has_unpublished_changes=False,
        )
        return
    if status in DRAFT_STATUSES:
        if page.live:
            page.unpublish(log_action=False)
        page.save_revision(log_action=False)
        return
    page.go_live_at = page.date_published if status == "future" else None
    revision = page.save_revision(log_action=False)
    revision.publish(log_action=False)
