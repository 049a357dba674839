"""Re-anchoring figures for issue 5: 500 passage comments on a 5,000-word article, after an edit.

Run by `bench/run passages` (or alone: `SECRET_KEY=x .venv/bin/python bench/passages.py`).
In-process and without a database: the article body is a real StreamField value (paragraphs,
headings, quotes), the anchors are unsaved PassageAnchor rows, and the figure is what
edicola.passages.services.reanchor_article() spends outside its two queries: reading the new
body's text (passages.text.article_text) plus edicola.passages.services.reanchor() over the 500
anchors. The edit: three paragraphs inserted at the top, two blocks swapped, one word changed
in every tenth paragraph (some passages then need the fuzzy match), one paragraph deleted
(its passages become "modified"). Also prints passages.js and its gzipped size.
"""

import gzip
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_MS = 100
JS_TARGET = 6 * 1024
WORDS = (
    "telefono prezzo batteria schermo memoria rete modello azienda negozi lancio versione "
    "fotocamera sensore luminoso giornata ricarica offerta listino mercato consegne colori "
    "presentazione Milano Italia rivenditori operatori stampa prova recensione processore "
    "software aggiornamento garanzia acquisto sconto euro tariffa".split()
)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edicola.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def make_body(rng: random.Random, words: int = 5000) -> list[tuple[str, object]]:
    body, count, number = [], 0, 0
    while count < words:
        number += 1
        if number % 9 == 0:
            body.append(("heading", {"text": f"SEZIONE {number}", "level": "h2"}))
        elif number % 13 == 0:
            body.append(("quote", {"quote": sentence(rng), "attribution": "Portavoce"}))
        else:
            text = f"Paragrafo {number}: " + " ".join(sentence(rng) for _ in range(4))
            count += len(text.split())
            body.append(("paragraph", f"<p>{text}</p>"))
    return body


def stream(raw):
    from edicola.news.blocks import ArticleBodyBlock

    block = ArticleBodyBlock()
    return block.to_python([{"type": kind, "value": value} for kind, value in raw])


def edit(rng: random.Random, raw):
    edited = [("paragraph", f"<p>Aggiornamento {n}: {sentence(rng)}</p>") for n in range(3)]
    edited += list(raw)
    edited[10], edited[20] = edited[20], edited[10]
    for index in range(3, len(edited), 10):
        kind, value = edited[index]
        if kind == "paragraph":
            words = value.split(" ")
            words[len(words) // 2] = "modificato"
            edited[index] = (kind, " ".join(words))
    del edited[30]
    return edited


def make_anchors(rng: random.Random, text: str, count: int = 500):
    from edicola.passages import anchoring
    from edicola.passages.models import PassageAnchor

    units, offset, spans = text.split("\n"), 0, []
    for unit in units:
        spans.append((offset, unit))
        offset += len(unit) + 1
    anchors = []
    for number in range(count):
        start, unit = rng.choice(spans)
        words = unit.split(" ")
        first = rng.randrange(0, max(1, len(words) - 3))
        size = rng.randint(2, 12)
        prefix_len = len(" ".join(words[:first])) + (1 if first else 0)
        exact = " ".join(words[first : first + size])
        begin = start + prefix_len
        selector = anchoring.describe(text, begin, begin + len(exact))
        anchors.append(
            PassageAnchor(
                comment_id=number + 1,
                kind=PassageAnchor.Kind.SELECTION,
                quote=exact,
                exact=selector.exact,
                prefix=selector.prefix,
                suffix=selector.suffix,
                start=begin,
                end=begin + len(exact),
            )
        )
    return anchors


def main() -> int:
    setup_django()
    from edicola.passages import services
    from edicola.passages.text import article_text

    rng = random.Random(5)
    raw = make_body(rng)
    original = article_text(stream(raw))
    words = len(original.text.split())
    edited_stream = stream(edit(rng, raw))
    timings, result = [], None
    for _ in range(7):
        anchors = make_anchors(random.Random(7), original.text)
        started = time.perf_counter()
        text = article_text(edited_stream)
        changed = services.reanchor(anchors, text, None)
        timings.append((time.perf_counter() - started) * 1000)
        result = (len(anchors), len(changed), sum(a.state == "modified" for a in anchors))
    fuzzy = sum(
        1 for anchor in anchors if anchor.state == "anchored" and anchor.exact != anchor.quote
    )
    median = statistics.median(timings)
    print(f"passages: article of {words:,} words, {len(original.units)} units")
    print(
        f"passages: re-anchored {result[0]} anchors after the edit: {result[1]} moved, "
        f"{fuzzy} by fuzzy match, {result[2]} marked modified"
    )
    print(
        f"passages: re-anchoring time median {median:.1f} ms, best {min(timings):.1f} ms, "
        f"worst {max(timings):.1f} ms (target ≤ {TARGET_MS} ms) "
        f"{'OK' if median <= TARGET_MS else 'MISSED'}"
    )
    script = (ROOT / "edicola/passages/static/passages/passages.js").read_bytes()
    packed = len(gzip.compress(script, 9))
    print(
        f"passages: passages.js {len(script):,} bytes, {packed:,} gzipped "
        f"(target ≤ {JS_TARGET:,}) {'OK' if packed <= JS_TARGET else 'MISSED'}"
    )
    return 0 if median <= TARGET_MS and packed <= JS_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
