"""The old-URL map, built at import: every address of the WordPress site an object had.

Called by the import passes: `remember_site(site_info)` once per import (permalink structure,
category and tag bases, the path the site lived under), then `remember(imported, urls)` with
every old URL of an object (its link, the links of its old slugs, an attachment's file URL), and
`remember_term` / `remember_author` for archive addresses, which no record carries. Old
addresses are stored as keys (`normalise`): percent-decoded, lower case, without the trailing
slash, so that the variants browsers and old links produce meet one indexed row. A site whose
export gives no permalink structure gets one inferred from its post links. `redirects` answers
these addresses at request time; `has_imports` tells it whether there is anything to answer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from edicola.core import pagecache

from .models import ImportedObject, LegacyPath, LegacySite
from .records import Author, SiteInfo, Term

Kind = ImportedObject.Kind
MAX_KEY = 800  # LegacyPath.path
PATH_SAFE = "/-._~!$&'()*+,;=:@"  # RFC 3986 path characters, kept as they are
FLAG_KEY = "wordpress:has-imports"
FLAG_SECONDS = 300
_TOKEN = re.compile(r"%([a-z_]+)%")
_TOKEN_PATTERNS = {
    "year": r"(?P<year>\d{4})",
    "monthnum": r"\d{1,2}",
    "day": r"\d{1,2}",
    "hour": r"\d{1,2}",
    "minute": r"\d{1,2}",
    "second": r"\d{1,2}",
    "post_id": r"(?P<post_id>\d{1,20})",
    "postname": r"(?P<postname>[^/]+)",
    "category": r".+?",
    "author": r"[^/]+",
}


def encode_key(path: str) -> str:
    """A decoded path → its key: lower case, single slashes, percent-encoded as WordPress
    prints it (lower-case hex), the trailing slash as given; "" when it cannot be one."""
    path = re.sub(r"/{2,}", "/", path).lower()
    key = quote(path, safe=PATH_SAFE, errors="replace").lower()
    return key if key.startswith("/") and len(key) <= MAX_KEY else ""


def bare_key(key: str) -> str:
    return key.rstrip("/") or "/"


def key_forms(key: str) -> list[str]:
    """A key without its trailing slash → the keys an old link may have been stored under."""
    return [key] if key == "/" else [key, key + "/"]


def normalise(url: str) -> str:
    """An absolute or relative old URL → the path LegacyPath stores ("" if none)."""
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return ""
    path = parts.path or ("/" if parts.netloc else "")
    if not path.startswith("/"):
        return ""
    return encode_key(unquote(path, errors="replace"))


def source_key(base_url: str) -> str:
    """SiteInfo.base_url → the import's source key: scheme and host, lower case."""
    parts = urlsplit(base_url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def _flag_key() -> str:
    # Keyed by the page-cache generation, which an import bumps by publishing: web processes
    # with their own in-process cache notice a new import at once, not after FLAG_SECONDS.
    return f"{FLAG_KEY}:{pagecache.generation()}"


def _mark_imported() -> None:
    cache.set(_flag_key(), True, FLAG_SECONDS)


def has_imports() -> bool:
    """Whether this site imported anything: without that, old-site shapes cost no query."""
    key = _flag_key()
    flag = cache.get(key)
    if flag is None:
        flag = ImportedObject.objects.exists()
        cache.set(key, flag, FLAG_SECONDS)
    return flag


def remember_site(site: SiteInfo) -> LegacySite:
    """Store how the old site built its addresses. A structure the source does not know (an
    export file carries none) is left to be inferred from the items' links by `remember`."""
    base = urlsplit(site.base_url.strip())
    values = {
        "home_path": bare_key(encode_key(unquote(base.path) or "/")).rstrip("/"),
        "category_base": site.category_base.strip("/") or "category",
        "tag_base": site.tag_base.strip("/") or "tag",
        "updated_at": timezone.now(),
    }
    if site.permalink_structure:
        values["permalink_structure"] = site.permalink_structure.strip()
        values["structure_inferred"] = False
    row, _created = LegacySite.objects.update_or_create(
        source=source_key(site.base_url), defaults=values
    )
    _mark_imported()
    return row


def _site_for(source: str) -> LegacySite | None:
    site = LegacySite.objects.filter(source=source).first()
    if site is None:
        sites = list(LegacySite.objects.all()[:2])
        site = sites[0] if len(sites) == 1 else None
    return site


def remember(imported: ImportedObject, urls: Iterable[str]) -> int:
    """Record old addresses of `imported`; returns how many were new. Idempotent.

    An address another object held moves to this one. For a post, the slug its link ends in
    is recorded too, so the post is found under the permalink structure whatever the date or
    category in an old link (WordPress answers those as well); the structure itself is
    inferred from these links when the source did not say it.
    """
    keys, raw = [], {}
    for url in urls:
        key = normalise(url)
        if key and key != "/" and key not in raw:
            keys.append(key)
            raw[key] = str(url)
    if not keys:
        return 0
    derived = []
    if imported.kind == Kind.POST:
        site = _site_for(imported.source)
        if site is not None:
            for key in keys:
                _learn_structure(site, bare_key(key), raw[key])
                slug = _post_slug(site, bare_key(key))
                if slug:
                    derived.append(f"{site.home_path}/{slug}/")
    elif imported.kind == Kind.AUTHOR:
        # WordPress's author archives use the nicename, which may differ from the login.
        for key in keys:
            head, _slash, name = bare_key(key).rpartition("/")
            if head.endswith("/author") and (nicename := author_slug(unquote(name))):
                derived.append(encode_key(f"{unquote(head)}/{nicename}/"))
    with transaction.atomic():
        existing = dict(
            LegacyPath.objects.filter(path__in=keys + derived).values_list("path", "imported_id")
        )
        moved = [key for key in keys if key in existing and existing[key] != imported.pk]
        if moved:
            LegacyPath.objects.filter(path__in=moved).update(imported=imported)
        new = [key for key in dict.fromkeys(keys + derived) if key and key not in existing]
        LegacyPath.objects.bulk_create(
            [LegacyPath(path=key, imported=imported) for key in new], ignore_conflicts=True
        )
    _mark_imported()
    return len([key for key in keys if key not in existing])


def remember_term(imported: ImportedObject, term: Term) -> int:
    """Record a category's or tag's archive address under the old site's base."""
    site = _site_for(imported.source)
    home = site.home_path if site else ""
    if term.taxonomy == "category":
        base = site.category_base if site else "category"
    elif term.taxonomy == "post_tag":
        base = site.tag_base if site else "tag"
    else:
        return 0
    return remember(imported, [f"{home}/{base}/{term.slug}/"])


def author_slug(login: str) -> str:
    """WordPress's user_nicename for a login: lower case, dots and spaces as dashes."""
    slug = re.sub(r"[.\s]+", "-", login.strip().lower())
    slug = re.sub(r"[^\w-]", "", slug)
    return re.sub(r"-{2,}", "-", slug).strip("-")


def remember_author(imported: ImportedObject, author: Author) -> int:
    """Record an author's archive address (/author/<nicename>/)."""
    site = _site_for(imported.source)
    home = site.home_path if site else ""
    slug = author_slug(author.login)
    return remember(imported, [f"{home}/author/{slug}/"]) if slug else 0


@functools.lru_cache(maxsize=32)
def structure_pattern(structure: str) -> re.Pattern | None:
    structure = structure.strip().lower().rstrip("/")
    if "%" not in structure or len(structure) > 200:
        return None
    parts, position = [], 0
    for match in _TOKEN.finditer(structure):
        parts.append(re.escape(structure[position : match.start()]))
        parts.append(_TOKEN_PATTERNS.get(match.group(1), r"[^/]+"))
        position = match.end()
    parts.append(re.escape(structure[position:]))
    try:
        return re.compile("".join(parts))
    except re.error:
        return None


def _infer(rel: str, trailing_slash: bool) -> str:
    """One post link's path (relative to the home) → the structure it was built from."""
    segments = rel.strip("/").split("/")
    tokens: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if "%year%" not in tokens and re.fullmatch(r"(19|20)\d\d", segment):
            tokens.append("%year%")
        elif tokens[-1:] == ["%year%"] and re.fullmatch(r"0[1-9]|1[0-2]", segment):
            tokens.append("%monthnum%")
        elif tokens[-1:] == ["%monthnum%"] and re.fullmatch(r"0[1-9]|[12]\d|3[01]", segment):
            tokens.append("%day%")
        elif last:
            tokens.append("%post_id%" if segment.isdigit() else "%postname%")
        else:
            tokens.append(segment)
    return "/" + "/".join(tokens) + ("/" if trailing_slash else "")


def _merge(previous: str, current: str) -> str:
    """Two inferred structures → one: literal segments that differ are the category."""
    old, new = previous.strip("/").split("/"), current.strip("/").split("/")
    if len(old) != len(new):
        return previous
    merged = [a if a == b or "%" in a + b else "%category%" for a, b in zip(old, new, strict=True)]
    return "/" + "/".join(merged) + ("/" if previous.endswith("/") else "")


def _learn_structure(site: LegacySite, key: str, url: str) -> None:
    if site.permalink_structure and not site.structure_inferred:
        return
    rel = relative_to_home(site, key)
    if rel is None or rel == "/" or rel.startswith("/wp-content/"):
        return
    inferred = _infer(rel, urlsplit(url).path.endswith("/"))
    if "%postname%" not in inferred and "%post_id%" not in inferred:
        return
    structure = _merge(site.permalink_structure, inferred) if site.permalink_structure else inferred
    if structure != site.permalink_structure:
        site.permalink_structure, site.structure_inferred = structure, True
        LegacySite.objects.filter(pk=site.pk).update(
            permalink_structure=structure, structure_inferred=True
        )


def relative_to_home(site: LegacySite, key: str) -> str | None:
    home = site.home_path
    if not home:
        return key
    if key == home or key.startswith(home + "/"):
        return key[len(home) :] or "/"
    return None


def _post_slug(site: LegacySite, key: str) -> str:
    """The %postname% of a post's address under the site's structure ("" if none)."""
    rel = relative_to_home(site, key)
    pattern = structure_pattern(site.permalink_structure)
    if rel is None or pattern is None:
        return ""
    match = pattern.fullmatch(rel)
    return (match.groupdict().get("postname") or "") if match else ""
