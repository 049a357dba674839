"""The new-comment mail: what it says, how it threads, and the subscriber's signed links.

`render_new_comment` renders and MIME-encodes the mail once per (comment, language)
(core.mail.MessageTemplate), with holes where each subscriber's links go; `SubscriberLinks`
fills them (and List-Unsubscribe) for one `Reader`, reversing each URL once per language. The
digest and the editors' notice share `article_url`, `excerpt` and `mail_domain`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext

from edicola.core import mail

from . import subscriptions
from .models import Comment, Notification

State = Notification.State
NEW_COMMENT_TEMPLATE = "comments/email/new_comment"
# Stand-ins for the per-subscriber links in text rendered once per comment and language.
MANAGE_MARK = "__EDICOLA_MANAGE_URL__"
UNSUBSCRIBE_MARK = "__EDICOLA_UNSUBSCRIBE_URL__"
EXCERPT_CHARS = 400


def mail_domain() -> str:
    return urlsplit(settings.BASE_URL).hostname or "localhost"


def thread_id(article_id: int) -> str:
    """The Message-ID every mail about one article refers to, so mail clients thread them."""
    return f"<article-{article_id}@{mail_domain()}>"


def article_url(article) -> str:
    url = article.get_url() or "/"
    return url if url.startswith("http") else settings.BASE_URL + url


def excerpt(comment: Comment) -> str:
    text = " ".join(strip_tags(comment.body_html or comment.body).split())
    return Truncator(text).chars(EXCERPT_CHARS)


def is_parent_author(comment: Comment, email: str, user_id: int | None) -> bool:
    """Whether this subscriber wrote the comment `comment` answers (they get "a reply to you")."""
    parent = comment.parent
    if parent is None:
        return False
    if parent.user_id and user_id == parent.user_id:
        return True
    return bool(parent.author_email) and email.casefold() == parent.author_email.casefold()


def render_new_comment(
    comment: Comment, language: str, *, to_parent_author: bool = False
) -> mail.MessageTemplate:
    """The new-comment mail in `language`, encoded once; the subscriber's links are holes.
    `to_parent_author`: the reply mail for the author of the comment answered, subject and
    first line addressed to them."""
    article = comment.article
    url = article_url(article)
    with translation.override(language):
        context = {
            "site_name": mail.site_name(),
            "base_url": settings.BASE_URL,
            "language": language,
            "article_title": article.title,
            "article_url": url,
            "comment_url": f"{url}#{comment.anchor}",
            "author_name": comment.author_name,
            "excerpt": excerpt(comment),
            "is_reply": comment.parent_id is not None,
            "parent_author": comment.parent.author_name if comment.parent_id else "",
            "to_you": to_parent_author,
            "manage_url": MANAGE_MARK,
            "unsubscribe_url": UNSUBSCRIBE_MARK,
        }
        if to_parent_author:
            subject = gettext("New reply to your comment on “%(title)s”")
        else:
            subject = gettext("New comment on “%(title)s”")
        subject %= {"title": article.title}
        text = mail.render_text(f"{NEW_COMMENT_TEMPLATE}.txt", context)
        html = render_to_string(f"{NEW_COMMENT_TEMPLATE}.html", context)
    thread = thread_id(comment.article_id)
    headers = {
        "In-Reply-To": thread,
        "References": thread,
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
    }
    return mail.MessageTemplate(subject, text, html, headers, holes=(MANAGE_MARK, UNSUBSCRIBE_MARK))


class Reader:
    """What a mail needs of its subscriber, read with the notification row (no model instance);
    quacks like a Subscriber for the signed links of `subscriptions`."""

    __slots__ = ("pk", "email", "key", "language")

    def __init__(self, pk: int, email: str, key: str, language: str):
        self.pk, self.email, self.key = pk, email, key
        self.language = language or settings.LANGUAGE_CODE


class SubscriberLinks:
    """The subscriber's signed links; each URL is reversed once per language (only the token
    differs) and the sender's mailto address is parsed once."""

    PLACEHOLDER = "EDICOLATOKEN"

    def __init__(self):
        self._around: dict[tuple[str, str], tuple[str, str]] = {}

    def _url(self, name: str, token: str, language: str) -> str:
        key = (name, language)
        if key not in self._around:
            url = subscriptions._url(name, self.PLACEHOLDER, language)
            head, _mark, tail = url.partition(self.PLACEHOLDER)
            self._around[key] = (head, tail)
        head, tail = self._around[key]
        return f"{head}{token}{tail}"

    def for_reader(self, reader: Reader, article_id: int) -> tuple[dict, dict]:
        """(headers, holes) of the new-comment mail for this reader."""
        token = subscriptions.unsubscribe_token(reader, article_id=article_id)
        unsubscribe = self._url("unsubscribe", token, reader.language)
        manage = self._url("manage", subscriptions.manage_token(reader), reader.language)
        headers = subscriptions.list_headers(unsubscribe, token)
        return headers, {MANAGE_MARK: manage, UNSUBSCRIBE_MARK: unsubscribe}
