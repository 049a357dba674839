"""Site search: Italian stemming, the terms of the one search query, and highlighted excerpts.

The query itself is ArticleQuerySet.matching() in models.py, on the published articles.

Word forms: Snowball's Italian stemmer alone gives "fotocamera" and "fotocamere" different stems
(it reads "-ere" as a verb ending), so a word first loses its inflection (irregular plurals from a
small table, then the final vowel, as in Savoy's light Italian stemmer: -che/-chi, -ie, -io, ...)
and is then stemmed. bench/italian_pairs.txt measures it: 200 singular/plural pairs of our field.
Each article indexes a copy of its text stemmed this way (`ArticlePage.stemmed_text`), and the
query is stemmed the same way before it reaches the index, on every database (PostgreSQL's own
`italian` configuration then treats both sides alike).
"""

import functools
import re

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("italian")


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


# Plurals no rule can fold, mapped to their singular.
IRREGULAR_PLURALS = {
    "uomini": "uomo",
    "dita": "dito",
    "paia": "paio",
    "uova": "uovo",
    "mani": "mano",
    "ali": "ala",
    "buoi": "bue",
    "mogli": "moglie",
    "templi": "tempio",
    "centinaia": "centinaio",
    "migliaia": "migliaio",
}


def fold_inflection(word: str) -> str:
    """`word` without its number/gender ending, so singular and plural meet: "fotocamere" and
    "fotocamera" → "fotocamer", "banche" → "banc", "negozi" and "negozio" → "negoz"."""
    word = IRREGULAR_PLURALS.get(word, word)
    if len(word) < 4 or word[-1] not in "aeio":
        return word
    if word[-1] in "ei" and word[-2] == "h":
        return word[:-2]
    if word[-2] == "i" and len(word) > 4:
        return word[:-2]
    return word[:-1]


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """One (casefolded) word's stem; the pure-Python stemmer is slow and a site's words repeat,
    so stems are kept (indexing a whole imported site stems millions of words)."""
    return _stemmer.stemWord(fold_inflection(word))


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
    """What the search index is asked for: the query's words, stemmed as the index's copy was;
    "" when nothing is left to search for."""
    return " ".join(map(stem, query_terms(query)))


def highlight(text: str, query: str, max_chars: int = 260) -> SafeString:
    """An excerpt of `text` around the first match, with matching words in <mark>."""
    stems = set(map(stem, query_terms(query)))
    tokens = list(WORD.finditer(text))
    matches = [m for m in tokens if stem(m.group().casefold()) in stems]
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
