"""Signals the discussion sends; receivers elsewhere react without the rules knowing them.

`discussion_changed(sender=Discussion, article=<ArticlePage>)` is sent after the transaction
that changed anything readers of that article could see (a comment published, edited, removed,
voted on, a pin, closing). The page cache listens to retire exactly that article's pages
(connected by CommentsConfig.ready()).

`comments_approved(sender=Comment, comment_ids=[...])` and `comment_held(sender=Comment,
comment=...)` are sent inside the transaction that published or held comments; tasks.py
listens and enqueues the notifications once it commits.
"""

from django.dispatch import Signal

discussion_changed = Signal()
comments_approved = Signal()
comment_held = Signal()


def announce_changed(*articles) -> None:
    """Send discussion_changed for each of these articles once the transaction commits."""
    from edicola.core.tasks import after_commit

    from .models import Discussion

    for article in {article.pk: article for article in articles}.values():
        after_commit(discussion_changed.send, sender=Discussion, article=article)
