"""Italian singular/plural pairs whose search stems meet: Snowball alone against the site's stem.

Run with `.venv/bin/python bench/search_plurals.py` (no server, no database). Reads
bench/italian_pairs.txt (200 pairs of tech and phone news, "singolare plurale" per line) and
prints the share of pairs that get the same stem, and the pairs that still miss.
Target (issue 15, point 6): ≥ 95% with `edicola.news.search.stem`.
"""

import sys
from pathlib import Path

import snowballstemmer

PAIRS = Path(__file__).with_name("italian_pairs.txt")


def load_pairs(path: Path = PAIRS) -> list[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split()) for line in lines if line.strip() and not line.startswith("#")]


def misses(pairs, stem) -> list[tuple[str, str]]:
    return [(one, many) for one, many in pairs if stem(one) != stem(many)]


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from edicola.news.search import stem

    pairs = load_pairs()
    snowball = snowballstemmer.stemmer("italian").stemWord
    for name, function in (("Snowball Italian alone", snowball), ("edicola stem", stem)):
        missed = misses(pairs, function)
        share = 1 - len(missed) / len(pairs)
        print(f"{name:24} {share:6.1%} of {len(pairs)} pairs match; misses: {missed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
