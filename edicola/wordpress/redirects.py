"""Old addresses of the WordPress site → ours, answered with 301 at request time.

Called by `middleware.LegacyRedirectMiddleware`: `resolve_query` answers the query-string
shapes (?p=, ?page_id=, ?attachment_id=, ?cat=, ?tag=, ?author=, ?feed=, ?paged=, ?s= and
wpDiscuz's subscription links), `resolve_path` the paths that got a 404 here (permalinks,
/category/…/, /tag/…/, /author/…/, feeds, /page/N/, /comment-page-N/, /amp/, uploads with
their -WxH and -scaled copies). Each returns an `Answer`, or None when the address is not an
old-site shape. Targets are looked up at request time, so a page moved or renamed here keeps
its old links working; something that is not live answers 404. The addresses themselves are
stored at import by `oldurls`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from .models import ImportedObject, LegacyPath, LegacySite
from .oldurls import bare_key, encode_key, key_forms, relative_to_home, structure_pattern

Kind = ImportedObject.Kind
POST_KINDS = (Kind.POST, Kind.PAGE, Kind.ATTACHMENT)
COMMENTS_ANCHOR = "#commenti"
# Query keys of WordPress and wpDiscuz links; any other query string costs nothing here.
QUERY_KEYS = frozenset(
    {"p", "page_id", "attachment_id", "cat", "tag", "author", "feed", "paged", "s", "cpage"}
)
WPDISCUZ_KEYS = frozenset({"wpdiscuzSubscribeID", "wpdiscuzConfirmID"})
HOME_PATHS = ("/", "/index.php")
# WordPress's image size names: a resized copy is answered with the nearest of these.
IMAGE_SIDES = (150, 300, 768, 1024, 1536, 2048)
_SUFFIXES = (
    ("feed", re.compile(r"/(?:wp-)?feed(?:/(?:rss|rss2|atom|rdf))?$")),
    ("page", re.compile(r"/page/(\d{1,6})$")),
    ("comments", re.compile(r"/comment-page-\d{1,6}$")),
    ("plain", re.compile(r"/(?:amp|embed|trackback)$")),
)
_SIZED = re.compile(r"^(?P<stem>.+?)(?:-(?P<w>\d{1,5})x(?P<h>\d{1,5}))?(?P<ext>\.\w{1,5})$")
_SCALED = re.compile(r"-(?:scaled|rotated)$")
_NUMBER = re.compile(r"[0-9]{1,20}")
_ACTIVATION_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")


@dataclass(frozen=True)
class Answer:
    """What to send the reader: a 301 to `url` (`private`: it carries a token, so it is never
    stored), or a `gone` message, or neither: our 404."""

    url: str = ""
    gone: str = ""
    private: bool = False

    @property
    def not_found(self) -> bool:
        return not self.url and not self.gone


NOT_FOUND = Answer()


@dataclass(frozen=True)
class Wanted:
    """Which address of the object the old link asked for."""

    feed: bool = False
    page: int | None = None
    comments: bool = False
    size: tuple[int, int] | None = None


def _page_url(page) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return page.get_url() or ""


def _with_page(url: str, page: int | None) -> str:
    return f"{url}?{urlencode({'page': page})}" if url and page and page > 1 else url


def _image_url(image, size: tuple[int, int] | None) -> str:
    if size is not None:
        side = max(size)
        sides = [s for s in IMAGE_SIDES if s >= side]
        if sides and side < max(image.width, image.height):
            crop = "fill" if size[0] == size[1] else "max"  # square: a cropped thumbnail
            spec = f"{crop}-{sides[0]}x{sides[0]}"
            try:
                return image.get_rendition(spec).url
            except Exception:  # a missing or broken file: the original is the next best thing
                pass
    return image.file.url


def url_for(target, wanted: Wanted = Wanted()) -> str:
    """The current address of one of our objects, in the shape the old link asked for
    ("" when it has none readers may reach)."""
    from taggit.models import Tag
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page

    from edicola.news.models import AuthorPage, CategoryPage, HomePage

    if target is None:
        return ""
    if isinstance(target, Page):
        page = target.specific
        if not page.live or page.expired:
            return ""
        url = _page_url(page)
        if not url:
            return ""
        if isinstance(page, HomePage):
            return reverse("feed") if wanted.feed else url
        if isinstance(page, CategoryPage):
            if wanted.feed:
                return reverse("feed-category", kwargs={"slug": page.slug})
            return _with_page(url, wanted.page)
        if isinstance(page, AuthorPage):
            if wanted.feed:
                return reverse("feed-author", kwargs={"slug": page.slug})
            return _with_page(url, wanted.page)
        return url + COMMENTS_ANCHOR if wanted.comments or wanted.feed else url
    if isinstance(target, Tag):
        with translation.override(settings.LANGUAGE_CODE):
            url = reverse("tag", kwargs={"slug": target.slug})
        return _with_page(url, wanted.page)
    if isinstance(target, get_image_model()):
        return _image_url(target, wanted.size)
    if isinstance(target, get_document_model()):
        return target.url
    return ""


def _answer(imported: ImportedObject | None, wanted: Wanted = Wanted()) -> Answer:
    if imported is None:
        return NOT_FOUND
    url = url_for(imported.target, wanted)
    return Answer(url=url) if url else NOT_FOUND


def _by_source_id(kinds, source_id: str) -> ImportedObject | None:
    rows = list(ImportedObject.objects.filter(kind__in=kinds, source_id=source_id)[:5])
    rows.sort(key=lambda row: list(kinds).index(row.kind))
    return rows[0] if rows else None


def _number(value: str) -> str:
    """A WordPress id from a query string, or "" (hostile or malformed input)."""
    value = value.strip()
    return value.lstrip("0") or "0" if _NUMBER.fullmatch(value) else ""


def _count(value: str) -> int | None:
    value = _number(value)
    return int(value) if value and len(value) < 7 else None


def wants_query(path: str, query: dict) -> bool:
    """Whether a request must be looked at before anything else answers it (cheap)."""
    if not WPDISCUZ_KEYS.isdisjoint(query):
        return not path.startswith(("/admin/", "/django-admin/"))
    return path in HOME_PATHS and not QUERY_KEYS.isdisjoint(query)


def resolve_query(path: str, query) -> Answer | None:
    """A WordPress query-string address → its answer; None when the query says nothing
    WordPress would have understood. `query` is the request's QueryDict."""
    if not WPDISCUZ_KEYS.isdisjoint(query):
        return _subscription_answer(query)
    wanted = Wanted(
        feed=bool(query.get("feed")),
        page=_count(query.get("paged", "")),
        comments=bool(query.get("cpage")),
    )
    for name, kinds in (
        ("p", POST_KINDS),
        ("page_id", (Kind.PAGE, Kind.POST, Kind.ATTACHMENT)),
        ("attachment_id", (Kind.ATTACHMENT, Kind.POST, Kind.PAGE)),
        ("cat", (Kind.CATEGORY,)),
        ("author", (Kind.AUTHOR,)),
    ):
        if name in query:
            value = query.get(name, "")
            source_id = _number(value.split(",")[0]) if name == "cat" else _number(value)
            return _answer(_by_source_id(kinds, source_id) if source_id else None, wanted)
    if "tag" in query:
        return _tag_answer(query.get("tag", "").split(",")[0].split("+")[0], wanted)
    if "s" in query:
        terms = query.get("s", "").strip()[:200]
        with translation.override(settings.LANGUAGE_CODE):
            url = reverse("search")
        return Answer(url=f"{url}?{urlencode({'q': terms})}" if terms else url)
    if wanted.feed:
        return Answer(url=reverse("feed"))
    if "paged" in query:
        return Answer(url="/")
    return None


def _tag_answer(slug: str, wanted: Wanted) -> Answer:
    from taggit.models import Tag

    slug = slug.strip().lower()
    if not slug or len(slug) > 100 or "\x00" in slug:
        return NOT_FOUND
    keys = [
        bare_key(site.home_path + encode_key(f"/{site.tag_base}/{slug}"))
        for site in LegacySite.objects.all()[:20]
    ]
    forms = [form for key in keys if key != "/" for form in key_forms(key)]
    row = LegacyPath.objects.filter(path__in=forms).select_related("imported").first()
    if row is not None:
        answer = _answer(row.imported, wanted)
        if not answer.not_found:
            return answer
    tag = Tag.objects.filter(slug=slug).first()
    return Answer(url=url_for(tag, wanted)) if tag else NOT_FOUND


def _subscription_answer(query) -> Answer:
    """wpDiscuz's links: /wpdiscuzsubscription/unsubscribe/?wpdiscuzSubscribeID=N&key=K (and,
    in older versions, the post's permalink with those keys), and the confirmation link with
    wpdiscuzConfirmID and wpdiscuzConfirmKey. N is the wc_comments_subscription row, K its
    activation_key: the importer keeps them as source_id and legacy_key."""
    confirm = "wpdiscuzConfirmID" in query
    row_id = _number(query.get("wpdiscuzConfirmID" if confirm else "wpdiscuzSubscribeID", ""))
    key = query.get("wpdiscuzConfirmKey" if confirm else "key", "").strip()
    if not row_id or not _ACTIVATION_KEY.fullmatch(key):
        return NOT_FOUND
    imported = ImportedObject.objects.filter(
        kind=Kind.SUBSCRIPTION, source_id=row_id, legacy_key=key
    ).first()
    if imported is None:
        return NOT_FOUND
    from edicola.comments import subscriptions
    from edicola.comments.models import Subscriber, Subscription

    target = imported.target
    if isinstance(target, Subscription):
        subscriber = target.subscriber
        if confirm:
            with translation.override(subscriber.language or settings.LANGUAGE_CODE):
                token = subscriptions.confirm_token(target)
                url = reverse("subscriptions:confirm", args=[token])
            return Answer(url=url, private=True)
        token = subscriptions.unsubscribe_token(subscriber, target.pk)
        return Answer(url=subscriptions.unsubscribe_url(subscriber, token), private=True)
    if isinstance(target, Subscriber):
        return Answer(url=subscriptions.manage_url(target), private=True)
    return Answer(gone=translation.gettext("This subscription had already been removed."))


def _peel(rel: str) -> tuple[str, Wanted]:
    """/x/feed/, /x/page/2/, /x/comment-page-3/, /x/amp/ → /x and what was asked of it."""
    found: dict = {}
    for _round in range(len(_SUFFIXES)):
        for name, pattern in _SUFFIXES:
            match = pattern.search(rel)
            if match and name not in found:
                found[name] = match.group(1) if name == "page" else True
                rel = rel[: match.start()] or "/"
                break
        else:
            break
    page = int(found["page"]) if "page" in found else None
    return rel, Wanted(feed="feed" in found, page=page, comments="comments" in found)


def _upload_keys(rel: str) -> tuple[list[str], tuple[int, int] | None]:
    """An uploaded file's address → the addresses of its original, and the size asked for."""
    directory, _slash, name = rel.rpartition("/")
    match = _SIZED.match(name)
    if match is None:
        return [], None
    stem, ext = match.group("stem"), match.group("ext")
    size = (int(match.group("w")), int(match.group("h"))) if match.group("w") else None
    bare = _SCALED.sub("", stem)
    names = [f"{stem}{ext}", f"{bare}{ext}", f"{bare}-scaled{ext}"]
    return [f"{directory}/{candidate}" for candidate in dict.fromkeys(names)], size


def resolve_path(path: str) -> Answer:
    """An address that found nothing here (`path` as Django decoded it) → where its object
    lives now (NOT_FOUND: the 404 stands). One query for every remembered address it may be;
    slug look-ups only for archive shapes nothing remembered."""
    key = encode_key(path)
    if not key:
        return NOT_FOUND
    key = bare_key(key)
    candidates: list[tuple[str, Wanted]] = [(key, Wanted())]
    post_ids: list[tuple[str, Wanted]] = []
    archives: list[tuple[str, str, Wanted]] = []  # (kind, decoded slug, wanted)
    for site in list(LegacySite.objects.all()[:20]) or [LegacySite()]:
        rel = relative_to_home(site, key)
        if rel is None or rel.startswith("/wpdiscuzsubscription"):
            continue
        home = site.home_path
        if rel.startswith("/wp-content/uploads/"):
            upload_keys, size = _upload_keys(rel)
            candidates += [(home + upload, Wanted(size=size)) for upload in upload_keys]
            continue
        base, wanted = _peel(rel)
        if base == "/" or (base == "/comments" and wanted.feed):
            return Answer(url=reverse("feed") if wanted.feed else "/")
        if base != rel:
            candidates.append((home + base, wanted))
        segments = base.strip("/").split("/")
        archive = {
            encode_key(f"/{site.category_base}")[1:]: "category",
            encode_key(f"/{site.tag_base}")[1:]: "tag",
            "author": "author",
        }
        kind = archive.get(segments[0]) if len(segments) > 1 else None
        if kind:
            candidates.append((f"{home}/{segments[0]}/{segments[-1]}", wanted))
            archives.append((kind, unquote(segments[-1]), wanted))
            continue
        pattern = structure_pattern(site.permalink_structure)
        match = pattern.fullmatch(base) if pattern else None
        if match:
            groups = match.groupdict()
            if groups.get("post_id"):
                post_ids.append((_number(groups["post_id"]), wanted))
            if groups.get("postname"):
                candidates.append((f"{home}/{groups['postname']}", wanted))
        elif not site.permalink_structure and not segments[-1].isdigit():
            candidates.append((f"{home}/{segments[-1]}", wanted))
        if len(segments) > 1 and segments[-1].isdigit() and len(segments[-1]) < 4:
            candidates.append((home + base.rpartition("/")[0], wanted))  # /post/2/
    forms = [form for candidate, _wanted in candidates for form in key_forms(candidate)]
    rows = {
        row.path: row
        for row in LegacyPath.objects.filter(path__in=forms).select_related("imported")
    }
    for candidate, wanted in candidates:
        for form in key_forms(candidate):
            if form in rows:
                answer = _answer(rows[form].imported, wanted)
                if not answer.not_found:
                    return answer
    for source_id, wanted in post_ids:
        answer = _answer(_by_source_id(POST_KINDS, source_id), wanted) if source_id else NOT_FOUND
        if not answer.not_found:
            return answer
    for kind, slug, wanted in archives:
        answer = _archive_by_slug(kind, slug, wanted)
        if not answer.not_found:
            return answer
    return NOT_FOUND


def _archive_by_slug(kind: str, slug: str, wanted: Wanted) -> Answer:
    """A category, tag or author archive nothing remembered: ours with the same slug."""
    from edicola.news.models import AuthorPage, CategoryPage

    if kind == "tag":
        return _tag_answer(slug, wanted)
    model = CategoryPage if kind == "category" else AuthorPage
    page = model.objects.live().public().filter(slug=slug[:255]).first()
    url = url_for(page, wanted) if page else ""
    return Answer(url=url) if url else NOT_FOUND
