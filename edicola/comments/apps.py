from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "edicola.comments"
    label = "comments"
    verbose_name = _("Comments")

    def ready(self) -> None:
        from edicola.core import clock, demo, identity, metrics, pagecache
        from edicola.core import privacy as personal_data

        from . import demo as comment_demo
        from . import privacy, tasks
        from .models import SORTS
        from .readers import EDIT_COOKIE_PREFIX, SORT_COOKIE
        from .signals import discussion_changed

        pagecache.exclude_paths("/commenti/", "/en/commenti/", "/api/", "/en/api/")
        pagecache.vary_on_cookie(SORT_COOKIE, SORTS)
        pagecache.bypass_for_cookie_prefix(EDIT_COOKIE_PREFIX)
        discussion_changed.connect(_retire_article_pages, dispatch_uid="pagecache-discussion")

        # digests, editor notices, mail retries, rows of dead workers
        clock.register_job("comment notifications", lambda: tasks.tick(), order=20)
        # commenters' networks older than the retention period
        clock.register_job(
            "network retention", lambda: privacy.purge_networks(), every=3600, order=30
        )
        for position, kind in enumerate(privacy.DATA_KINDS):
            # MailData last (60): other apps' kinds of the scope go at 50
            order = 60 if kind.identifier == "mail" else 10 * (position + 1)
            personal_data.register(privacy.SCOPE, kind, order=order)
        demo.register_seeder("comments", comment_demo.seed, order=20)
        identity.email_confirmed.connect(_link_account, dispatch_uid="comments-link-account")
        metrics.register_state(
            "edicola_comments_awaiting_review",
            "Comments a moderator still has to look at (held, or reported since last reviewed).",
            _awaiting_review,
        )


def _awaiting_review():
    from .moderation import awaiting_review

    return [((), awaiting_review().count())]


def _retire_article_pages(sender, article=None, **kwargs) -> None:
    """A change in an article's discussion retires that article's cached pages."""
    from edicola.core import pagecache

    if article is not None:
        pagecache.invalidate_page(article)


def _link_account(sender, user=None, email="", **kwargs) -> None:
    """An account proved its address: what the address subscribed to becomes the account's."""
    from .subscriptions import link_account

    if user is not None and email:
        link_account(user, email)
