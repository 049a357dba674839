"""Signals the discussion sends; receivers elsewhere react without the rules knowing them.

`discussion_changed(sender=Discussion, article=<ArticlePage>)` is sent after the transaction
that changed anything readers of that article could see (a comment published, edited, removed,
voted on, a pin, closing). The page cache listens to retire exactly that article's pages.
"""

from django.dispatch import Signal

discussion_changed = Signal()
