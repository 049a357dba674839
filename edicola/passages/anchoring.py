"""Finding a quoted passage again in an article's text: the re-anchoring algorithm.

Pure functions over strings; no database, no Django. The text is the article's anchorable text
as built by passages.text (units joined by "\\n", whitespace collapsed), and a passage is kept
as a W3C Web Annotation TextQuoteSelector (exact + prefix + suffix) plus a TextPositionSelector
(start, end) used only as a hint.

`locate()` tries, in order:
1. every exact occurrence of the quote, scored by how well the text around it matches the
   stored prefix and suffix and, for ties, by the distance from the position hint;
2. a fuzzy match for small changes inside the passage: candidates come from the context
   (prefix end ... suffix start) and from short seeds of the quote, and are checked with
   difflib's matching blocks; the best one is kept if similar enough.
When neither works the passage was rewritten beyond recognition (or deleted): None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

# The characters JavaScript's \s matches, so the browser and the server collapse the same runs.
WHITESPACE = re.compile(
    "[\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+"
)
UNIT_SEPARATOR = "\n"
CONTEXT_CHARS = 48
MAX_EXACT_HITS = 500
MAX_SEEDS = 8
MAX_FUZZY_CANDIDATES = 6
MIN_SIMILARITY = 0.75
MIN_SIMILARITY_IN_CONTEXT = 0.6


def normalise(text: str) -> str:
    """Whitespace runs collapsed to one space, ends trimmed."""
    return WHITESPACE.sub(" ", text or "").strip()


@dataclass(frozen=True)
class Selector:
    """Where a passage is: its words, what surrounds them, and (as a hint) its offsets."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    # 1.0 for an exact quote with matching context; lower for fuzzy matches.
    score: float
    exact: bool

    def selector(self, text: str) -> Selector:
        """The selector describing this match in `text`, for the next re-anchoring."""
        return describe(text, self.start, self.end)


def describe(text: str, start: int, end: int) -> Selector:
    """The selector of text[start:end], with CONTEXT_CHARS of prefix and suffix."""
    return Selector(
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        start=start,
    )


def _common_tail(a: str, b: str) -> int:
    """Length of the common suffix of a and b."""
    count = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def _common_head(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def context_score(text: str, start: int, end: int, selector: Selector) -> float:
    """How well the text around [start, end) matches the stored prefix and suffix (0..1)."""
    parts = []
    if selector.prefix:
        before = text[max(0, start - len(selector.prefix)) : start]
        parts.append(_common_tail(before, selector.prefix) / len(selector.prefix))
    if selector.suffix:
        after = text[end : end + len(selector.suffix)]
        parts.append(_common_head(after, selector.suffix) / len(selector.suffix))
    return sum(parts) / len(parts) if parts else 0.5


def _distance(text: str, position: int, hint: int | None) -> float:
    if hint is None:
        return 0.0
    return abs(position - hint) / max(len(text), 1)


def _exact_hits(text: str, exact: str) -> list[int]:
    hits, position = [], text.find(exact)
    while position != -1 and len(hits) < MAX_EXACT_HITS:
        hits.append(position)
        position = text.find(exact, position + 1)
    return hits


def locate(text: str, selector: Selector) -> Match | None:
    """Where `selector` is in `text` now, or None if the passage cannot be recognised."""
    exact = normalise(selector.exact)
    if not exact or not text:
        return None
    if exact != selector.exact:
        selector = Selector(exact, selector.prefix, selector.suffix, selector.start)
    hits = _exact_hits(text, exact)
    if hits:
        best = max(
            hits,
            key=lambda hit: (
                context_score(text, hit, hit + len(exact), selector)
                - 0.25 * _distance(text, hit, selector.start)
            ),
        )
        score = context_score(text, best, best + len(exact), selector)
        return Match(best, best + len(exact), round(0.5 + score / 2, 3), True)
    return _fuzzy(text, selector)


# -- Fuzzy matching -------------------------------------------------------------------------------


def _unit_bounds(text: str, position: int) -> tuple[int, int]:
    start = text.rfind(UNIT_SEPARATOR, 0, position) + 1
    end = text.find(UNIT_SEPARATOR, position)
    return start, len(text) if end == -1 else end


def _candidates(text: str, selector: Selector) -> list[tuple[int, int, bool]]:
    """(start, end, from context) spans worth checking, best guesses first."""
    exact = selector.exact
    size = len(exact)
    found: dict[tuple[int, int], bool] = {}
    # The context around the passage: the end of the prefix and the start of the suffix.
    tail = selector.prefix[-16:]
    head = selector.suffix[:16]
    if len(tail) >= 6:
        for hit in _exact_hits(text, tail)[:20]:
            begin = hit + len(tail)
            stop = -1
            if len(head) >= 6:
                stop = text.find(head, begin, begin + 2 * size + 40)
            if stop == -1:
                stop = min(len(text), begin + size)
            found.setdefault((begin, stop), True)
    if len(head) >= 6:
        for hit in _exact_hits(text, head)[:20]:
            found.setdefault((max(0, hit - size), hit), True)
    # Seeds: short pieces of the quote; each occurrence votes for where the quote would start.
    if size >= 8:
        seed_size = max(4, min(16, size // 4))
        step = max(1, (size - seed_size) // max(1, MAX_SEEDS - 1))
        votes: dict[int, int] = {}
        for offset in range(0, size - seed_size + 1, step):
            seed = exact[offset : offset + seed_size]
            for hit in _exact_hits(text, seed)[:30]:
                bucket = max(0, hit - offset)
                votes[bucket] = votes.get(bucket, 0) + 1
        ranked = sorted(
            votes.items(),
            key=lambda item: (-item[1], _distance(text, item[0], selector.start)),
        )
        for begin, _votes in ranked[:MAX_FUZZY_CANDIDATES]:
            found.setdefault((begin, min(len(text), begin + size)), False)
    ordered = sorted(
        found.items(), key=lambda item: (not item[1], _distance(text, item[0][0], selector.start))
    )
    # Spans starting close to one already kept would align to the same place.
    near = max(4, size // 4)
    kept: list[tuple[int, int, bool]] = []
    for (start, end), from_context in ordered:
        if all(abs(start - other) > near for other, _end, _ctx in kept):
            kept.append((start, end, from_context))
        if len(kept) == MAX_FUZZY_CANDIDATES:
            break
    return kept


def _align(text: str, exact: str, start: int, end: int) -> tuple[int, int]:
    """Refine a rough span to where the quote's matching blocks actually fall."""
    slack = max(8, len(exact) // 4)
    window_start = max(0, start - slack)
    window = text[window_start : min(len(text), end + slack)]
    matcher = SequenceMatcher(None, exact, window, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return start, end
    first, last = blocks[0], blocks[-1]
    new_start = window_start + first.b - min(first.a, 3)
    new_end = window_start + last.b + last.size + min(len(exact) - (last.a + last.size), 3)
    return max(0, new_start), min(len(text), max(new_end, new_start + 1))


ZERO_WIDTH_JOINER = "\u200d"


def _joins_previous(char: str) -> bool:
    """Whether `char` belongs to the character before it on screen: a combining accent, a
    variation selector, an emoji skin tone, or the character after a zero-width joiner."""
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or char == ZERO_WIDTH_JOINER
    )


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) so it neither starts nor ends inside a user-perceived character."""
    while start > 0 and (_joins_previous(text[start]) or text[start - 1] == ZERO_WIDTH_JOINER):
        start -= 1
    while end < len(text) and (_joins_previous(text[end]) or text[end - 1] == ZERO_WIDTH_JOINER):
        end += 1
    return start, end


def _fuzzy(text: str, selector: Selector) -> Match | None:
    exact = selector.exact
    best: Match | None = None
    for start, end, from_context in _candidates(text, selector):
        if end <= start:
            continue
        rough = SequenceMatcher(None, exact, text[start:end], autojunk=False)
        if rough.quick_ratio() < MIN_SIMILARITY_IN_CONTEXT - 0.1:
            continue
        start, end = _align(text, exact, start, end)
        # A passage never spans units: keep the unit holding the middle of the span.
        unit_start, unit_end = _unit_bounds(text, (start + end) // 2)
        start, end = max(start, unit_start), min(end, unit_end)
        # Trim spaces the alignment may have picked up.
        while start < end and text[start] == " ":
            start += 1
        while end > start and text[end - 1] == " ":
            end -= 1
        if end <= start:
            continue
        start, end = _snap(text, start, end)
        found = text[start:end]
        matcher = SequenceMatcher(None, exact, found, autojunk=False)
        if matcher.real_quick_ratio() < MIN_SIMILARITY_IN_CONTEXT:
            continue
        similarity = matcher.ratio()
        context = context_score(text, start, end, selector)
        good_enough = similarity >= MIN_SIMILARITY or (
            similarity >= MIN_SIMILARITY_IN_CONTEXT and context >= 0.9 and from_context
        )
        if not good_enough:
            continue
        score = round(0.7 * similarity + 0.3 * context - 0.05, 3)
        if best is None or score > best.score:
            best = Match(start, end, score, False)
            if similarity >= 0.9 and context >= 0.5:
                break  # as good as fuzzy matching gets
    return best
