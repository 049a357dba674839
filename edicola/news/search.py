"""Site search: Italian stemming, the terms of the one search query, and highlighted excerpts.

The query itself is ArticleQuerySet.matching() in models.py, on the published articles.

PostgreSQL stems with its own `italian` text-search configuration. SQLite's FTS5 has no Italian
stemmer, so there each article also indexes a pre-stemmed copy of its text (Snowball Italian,
`ArticlePage.stemmed_text`) and the query is stemmed the same way before it reaches the index.
"""

import functools
import re

import snowballstemmer
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("italian")


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """One word's stem; the pure-Python stemmer is slow and a site's words repeat, so stems are
    kept (indexing a whole imported site stems millions of words)."""
    return _stemmer.stemWord(word)


def stem_text(text: str) -> str:
    return " ".join(map(stem, words(text)))


def query_terms(query: str) -> list[str]:
    """The words of a reader's query that will be searched for, bounded in number and length."""
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS].rsplit(None, 1)[0]
    seen: list[str] = []
    for word in words(query):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]


def index_query(query: str) -> str:
    """What the search index is asked for: the query's words, stemmed here unless the database
    stems them itself (PostgreSQL); "" when nothing is left to search for."""
    terms = query_terms(query)
    if connection.vendor != "postgresql":
        terms = _stemmer.stemWords(terms)
    return " ".join(terms)


def highlight(text: str, query: str, max_chars: int = 260) -> SafeString:
    """An excerpt of `text` around the first match, with matching words in <mark>."""
    stems = set(_stemmer.stemWords(query_terms(query)))
    tokens = list(WORD.finditer(text))
    matches = [m for m in tokens if _stemmer.stemWord(m.group().casefold()) in stems]
    start = 0
    if matches:
        start = max(0, matches[0].start() - max_chars // 3)
        space = text.rfind(" ", 0, start)
        start = space + 1 if start and space != -1 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    pieces = ["…" if start else ""]
    cursor = start
    for match in matches:
        if match.start() < start or match.end() > end:
            continue
        pieces.append(escape(text[cursor : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        cursor = match.end()
    pieces.append(escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return mark_safe("".join(pieces))
