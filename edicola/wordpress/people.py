"""WordPress users → author pages (with bio and avatar) and reader accounts.

Users who can write (administrator, editor, author, contributor, or any user a WXR file lists:
it lists the authors) get an author page under the authors index. A user becomes a reader
account only when something of theirs needs one: a comment, a vote or a subscription. An
account is matched by e-mail to an existing one (its password left alone), else created with
the user's WordPress password hash when the database gives it, in a format edicola.wordpress.
hashers checks (they log in with their old password, stored again our way on that first login),
or without a usable password, reported, when it does not. An author a post names but the source
no longer has gets a placeholder author page, reported.
"""

from __future__ import annotations

import dataclasses
import html

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from edicola.accounts.forms import unique_username
from edicola.news.models import AuthorIndexPage, AuthorPage

from . import hashers, oldurls
from . import report as notes
from .records import Author
from .run import Decision, Kind, Run, compact_id, fingerprint

WRITER_ROLES = {"administrator", "editor", "author", "contributor"}


def _plain(value: str, limit: int) -> str:
    return html.unescape(strip_tags(value or "")).strip()[:limit]


def clean_url(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value[:200]


def clean_email(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value[:254]


def display_name(author: Author) -> str:
    full = f"{author.first_name} {author.last_name}".strip()
    return _plain(author.display_name or full or author.login, 255) or _("Author")


def import_authors(run: Run) -> None:
    with run.progress.phase(_("Authors")) as step:
        hashes = _password_hashes(run)
        for author in run.content.authors():
            step()
            key = compact_id(author.source_id)
            run.people[key] = (
                clean_email(author.email),
                _plain(author.first_name, 150),
                _plain(author.last_name, 150),
                display_name(author),
                author.password_hash or hashes.get(key, ""),
            )
            if author.roles and not (set(author.roles) & WRITER_ROLES):
                continue
            run.each(Kind.AUTHOR, author.source_id, lambda author=author: _author(run, author))


def _password_hashes(run: Run) -> dict:
    """With a WXR file for content, the users' password hashes from the database (a WXR file
    has none): user id → hash."""
    found = {}
    for source in run.extras:
        if source is run.content:
            continue
        for author in source.authors():
            if author.password_hash:
                found[compact_id(author.source_id)] = author.password_hash
    return found


def _author(run: Run, author: Author) -> str:
    # The author page does not show the password: a new hash is no change to it.
    source_fp = fingerprint(dataclasses.replace(author, password_hash=""))
    row = run.imported(Kind.AUTHOR, author.source_id)
    page = AuthorPage.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: _local(page))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        _register(run, author, page)
        return run.kept(Kind.AUTHOR, author.source_id) if decision == Decision.KEPT else decision
    avatar = run.images.get(compact_id(author.avatar_attachment_id))
    fields = {
        "title": display_name(author),
        "bio": _plain(author.bio, 1000),
        "website_url": clean_url(author.url),
        "avatar_id": avatar[0] if avatar else None,
    }
    if page is None:
        page = AuthorPage(slug=_free_slug(run, author.login or fields["title"]), **fields)
        _index(run).add_child(instance=page)
    else:
        for name, value in fields.items():
            setattr(page, name, value)
    page.save_revision().publish()
    page.refresh_from_db()
    imported = run.keep(
        Kind.AUTHOR, author.source_id, page, source_fp=source_fp, local_fp=_local(page), row=row
    )
    if author.login:
        oldurls.remember(imported, [run.old_url(f"author/{author.login}/")])
    _register(run, author, page)
    return decision


def _local(page) -> str | None:
    return None if page is None else str(page.latest_revision_id or "")


def _register(run: Run, author: Author, page) -> None:
    if page is not None:
        run.authors[compact_id(author.source_id)] = page.pk
        if author.login:
            run.author_logins[author.login] = page.pk


def _index(run: Run) -> AuthorIndexPage:
    return run.author_index


def _free_slug(run: Run, wanted: str, parent=None) -> str:
    parent = parent or _index(run)
    base = slugify(wanted, allow_unicode=True)[:200] or "autore"
    siblings = parent.get_children()
    slug, number = base, 1
    while siblings.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def author_for(run: Run, user_id: str, login: str) -> int:
    """The author page of a post's author: theirs, or a placeholder (made once, reported)."""
    found = run.authors.get(compact_id(user_id)) if user_id else None
    if found is None and login:
        found = run.author_logins.get(login)
    if found is not None:
        return found
    who = login or user_id or "?"
    source_id = f"missing:{who}"
    cache_key = ("missing", who)
    if cache_key in run.authors:
        return run.authors[cache_key]
    row = run.imported(Kind.AUTHOR, source_id)
    page = AuthorPage.objects.filter(pk=row.object_id).first() if row else None
    if page is None:
        title = _("Former author (%(who)s)") % {"who": who} if who != "?" else _("Editorial team")
        page = AuthorPage(slug=_free_slug(run, f"autore-{who}"), title=title[:255])
        _index(run).add_child(instance=page)
        page.save_revision().publish()
        run.keep(Kind.AUTHOR, source_id, page, source_fp="", local_fp="", row=row)
        run.report.count(Kind.AUTHOR, "placeholder")
        run.report.note(
            notes.DEGRADED,
            Kind.AUTHOR,
            who,
            _("A post names an author the source does not have: a placeholder author was made."),
        )
    run.authors[cache_key] = page.pk
    return page.pk


def account_for(run: Run, user_id: str, email: str = "", name: str = "") -> int | None:
    """The reader account of a WordPress user (made on first need), or None for guests."""
    key = compact_id(user_id)
    if not key or key == 0:
        return None
    if key in run.accounts:
        return run.accounts[key]
    row = run.imported(Kind.USER, user_id)
    user_model = get_user_model()
    if row is not None and user_model.objects.filter(pk=row.object_id).exists():
        run.accounts[key] = int(row.object_id)
        return run.accounts[key]
    known = run.people.get(key)
    address = (known[0] if known else "") or clean_email(email)
    if not address:
        run.accounts[key] = None
        return None
    user = user_model.objects.filter(email__iexact=address).order_by("pk").first()
    created = user is None
    if created:
        first, last = (known[1], known[2]) if known else ("", "")
        if not (first or last) and name:
            first = _plain(name, 150)
        user = user_model(
            username=unique_username(address), email=address, first_name=first, last_name=last
        )
        password = hashers.django_password(known[4]) if known else None
        if password:
            user.password = password
            run.report.count("user password", "from wordpress")
        else:
            user.set_unusable_password()
            run.report.count("user password", "none")
            run.report.note(
                notes.DEGRADED,
                Kind.USER,
                user_id,
                _(
                    "No WordPress password this site can check: the account has no password "
                    "until its reader sets one with the link of the login page."
                ),
            )
        user.save()
        run.report.count(Kind.USER, Decision.CREATE)
    else:
        run.report.count(Kind.USER, "matched")
    run.keep(Kind.USER, user_id, user, source_fp="", row=row)
    author_page = run.authors.get(key)
    if author_page and not AuthorPage.objects.filter(user=user).exists():
        AuthorPage.objects.filter(pk=author_page, user__isnull=True).update(user=user)
    run.accounts[key] = user.pk
    return user.pk
