"""wpDiscuz's tables in a WordPress database: votes, subscriptions, inline feedback forms and
closed threads.

`WpDiscuzTables` is the half of `database.DatabaseSource` that reads what wpDiscuz adds to a
site (its tables carry the site's table prefix); a site without wpDiscuz has none of them, and
each iterator is then empty. Sticky comments need nothing of their own: they are comments of
type wpdiscuz_sticky, read with the other comments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from .dbconnection import (
    WordPressDatabase,
    optional_id,
    php_intval,
    utc_or_none,
)
from .records import (
    DiscussionSubscription,
    FeedbackForm,
    Vote,
)

CLOSED_META_KEY = "wpdiscuz_closed"


class WpDiscuzTables(WordPressDatabase):
    """Votes, subscriptions, feedback forms and closed threads, streamed like every table."""

    def votes(self) -> Iterator[Vote]:
        if not self._has("wc_users_voted"):
            return
        # wpDiscuz 5 and older had no post_id and date columns, and the first versions no
        # is_guest (only members could vote).
        columns = self._columns("wc_users_voted")
        optional = ", ".join(
            f"`{name}`" if name in columns else "0" for name in ("post_id", "is_guest", "date")
        )
        for comment_id, voter, vote_type, post_id, is_guest, date in self._stream(
            f"SELECT comment_id, user_id, vote_type, {optional} "
            f"FROM `{self.table('wc_users_voted')}` ORDER BY id"
        ):
            # wpDiscuz keeps a withdrawn vote as a row of type 0: there is no vote to bring.
            if not vote_type:
                continue
            yield Vote(
                comment_id=str(comment_id),
                post_id=optional_id(post_id),
                voter=voter or "",
                value=1 if vote_type > 0 else -1,
                is_guest=bool(is_guest),
                date=datetime.fromtimestamp(date, UTC) if date else None,
            )

    def subscriptions(self) -> Iterator[DiscussionSubscription]:
        if not self._has("wc_comments_subscription"):
            return
        user_column = "''"
        if users_table := self._users_table("users"):
            user_column = f"(SELECT MIN(u.ID) FROM `{users_table}` u WHERE u.user_email = s.email)"
        for (
            subscription_id,
            email,
            subject_id,
            post_id,
            kind,
            activation_key,
            confirmed,
            date,
            user_id,
        ) in self._stream(
            "SELECT s.id, s.email, s.subscribtion_id, s.post_id, s.subscribtion_type, "
            f"s.activation_key, s.confirm, s.subscription_date, {user_column} "
            f"FROM `{self.table('wc_comments_subscription')}` s ORDER BY s.id"
        ):
            yield DiscussionSubscription(
                source_id=str(subscription_id),
                email=email or "",
                post_id=str(post_id),
                kind=kind or "",
                subject_id=optional_id(subject_id),
                confirmed=bool(confirmed),
                activation_key=activation_key or "",
                date=utc_or_none(date),
                user_id=optional_id(user_id),
            )

    def feedback_forms(self) -> Iterator[FeedbackForm]:
        if not self._has("wc_feedback_forms"):
            return
        for form_id, post_id, unique_id, question, opened, content in self._stream(
            "SELECT id, post_id, unique_id, question, opened, content "
            f"FROM `{self.table('wc_feedback_forms')}` ORDER BY id"
        ):
            yield FeedbackForm(
                source_id=str(form_id),
                post_id=str(post_id),
                unique_id=unique_id or "",
                question=question or "",
                opened=bool(opened),
                content=content or "",
            )

    def closed_comment_ids(self) -> Iterator[str]:
        """Threads closed in wpDiscuz: comment meta wpdiscuz_closed = 1. Before wpDiscuz 7 a
        closed thread had comment_karma = 1; until its "regenerate closed comments" tool has run
        (option wpdiscuz_show_closed_regenerate_message = 1) those are closed threads too."""
        self.site()
        closed: set[str] = set()
        if self._has("commentmeta") and self._has("comments"):
            for comment_id, value in self._stream(
                f"SELECT m.comment_id, m.meta_value FROM `{self.table('commentmeta')}` m "
                f"JOIN `{self.table('comments')}` c ON c.comment_ID = m.comment_id "
                "WHERE m.meta_key = %s ORDER BY m.comment_id",
                (CLOSED_META_KEY,),
            ):
                if php_intval(value) and str(comment_id) not in closed:
                    closed.add(str(comment_id))
                    yield str(comment_id)
        legacy = php_intval(self._options.get("wpdiscuz_show_closed_regenerate_message", ""))
        if legacy and self._has("comments"):
            for (comment_id,) in self._stream(
                f"SELECT comment_ID FROM `{self.table('comments')}` "
                "WHERE comment_karma = 1 AND comment_parent = 0 ORDER BY comment_ID"
            ):
                if str(comment_id) not in closed:
                    closed.add(str(comment_id))
                    yield str(comment_id)
