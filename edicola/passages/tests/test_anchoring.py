"""The re-anchoring algorithm over edit scenarios: after each edit the passage must land on the
same words, or be reported as gone (None) when it was rewritten beyond recognition."""

import pytest

from edicola.passages.anchoring import Selector, describe, locate, normalise

UNITS = [
    "Dopo settimane di indiscrezioni, Lumio ha confermato la data di arrivo in Italia del suo "
    "nuovo modello di punta.",
    "La presentazione si è svolta ieri sera a Milano davanti a rivenditori, operatori "
    "telefonici e stampa.",
    "QUANTO COSTA E QUANDO ARRIVA",
    "La versione con 128 GB di memoria costerà 549 euro, quella da 256 GB 629 euro.",
    "I preordini si aprono oggi sul sito di Lumio e presso le principali catene.",
    "Le tre colorazioni si chiamano Notte, Nebbia e Terracotta.",
]
PASSAGE = "costerà 549 euro"


def text_of(units) -> str:
    return "\n".join(normalise(unit) for unit in units if normalise(unit))


def anchor(units, passage: str = PASSAGE, occurrence: int = 0) -> Selector:
    text = text_of(units)
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(passage, start + 1)
    return describe(text, start, start + len(passage))


def relocated(units, selector: Selector) -> str | None:
    text = text_of(units)
    match = locate(text, selector)
    return None if match is None else text[match.start : match.end]


def edited(index: int, old: str, new: str, units=UNITS) -> list[str]:
    copy = list(units)
    assert old in copy[index]
    copy[index] = copy[index].replace(old, new)
    return copy


# Each scenario: (name, edited units, expected passage text or None).
SCENARIOS = [
    ("unchanged", UNITS, PASSAGE),
    ("paragraph inserted at the top", ["Aggiornamento: prezzi confermati."] + UNITS, PASSAGE),
    (
        "three paragraphs inserted before",
        UNITS[:2] + ["Uno.", "Due, tre.", "Quattro cinque sei."] + UNITS[2:],
        PASSAGE,
    ),
    ("paragraph inserted after", UNITS + ["Una riga finale."], PASSAGE),
    ("paragraph before removed", UNITS[1:], PASSAGE),
    ("typo fixed elsewhere", edited(0, "indiscrezioni", "indiscrezioni e voci"), PASSAGE),
    ("word changed right after", edited(3, "quella da 256 GB", "quella con 256 GB"), PASSAGE),
    ("word changed right before", edited(3, "di memoria", "della memoria"), PASSAGE),
    ("blocks reordered", [UNITS[3], UNITS[0], UNITS[5], UNITS[1], UNITS[2], UNITS[4]], PASSAGE),
    ("block moved to the end", UNITS[:3] + UNITS[4:] + [UNITS[3]], PASSAGE),
    ("whitespace doubled inside", edited(3, "costerà 549", "costerà   549"), PASSAGE),
    ("line break inside the passage", edited(3, "costerà 549", "costerà\n549"), PASSAGE),
    ("non-breaking space", edited(3, "549 euro", "549\u00a0euro"), PASSAGE),
    ("leading and trailing spaces", ["  " + unit + "  " for unit in UNITS], PASSAGE),
    (
        "typo inside the passage",
        edited(3, "costerà 549 euro", "costerà 594 euro"),
        "costerà 594 euro",
    ),
    ("accent changed", edited(3, "costerà 549 euro", "costera 549 euro"), "costera 549 euro"),
    (
        "one word added inside",
        edited(3, "costerà 549 euro", "costerà solo 549 euro"),
        "costerà solo 549 euro",
    ),
    (
        "passage deleted",
        edited(3, "La versione con 128 GB di memoria costerà 549 euro, ", ""),
        None,
    ),
    (
        "passage rewritten",
        edited(3, "costerà 549 euro", "avrà un prezzo ancora da definire"),
        None,
    ),
    ("whole unit removed", UNITS[:3] + UNITS[4:], None),
    ("whole article replaced", ["Un articolo completamente diverso sulle auto elettriche."], None),
    ("case changed", edited(3, "costerà 549 euro", "Costerà 549 Euro"), "Costerà 549 Euro"),
]


@pytest.mark.parametrize(
    ("units", "expected"),
    [scenario[1:] for scenario in SCENARIOS],
    ids=[scenario[0] for scenario in SCENARIOS],
)
def test_passage_after_edit(units, expected):
    assert relocated(units, anchor(UNITS)) == expected


# -- More edit scenarios: the expected landing is marked with [[ ]] in the edited units --------

LIST = [
    "Le caratteristiche principali:",
    "Schermo: 6,7 pollici OLED a 120 Hz",
    "Batteria: 5.000 mAh con ricarica a 45 W",
    "Fotocamera: 50 megapixel stabilizzata",
]
QUOTE = [
    "Sul palco l’amministratore delegato ha spiegato la strategia.",
    "«Vogliamo portare la fascia alta a un prezzo accessibile a tutti», ha detto.",
    "Poi è passato alle domande del pubblico.",
]
ELISIONS = [
    "Il prezzo dell’edizione speciale sarà annunciato all’evento d’autunno.",
    "Nell’attesa, l’azienda non ha confermato altro.",
]
ACCENTS = [
    "Il pannello è più luminoso e la batteria regge un’intera giornata 🔋 di uso intenso.",
    "Il caricatore non è incluso nella confezione 📦.",
]
REPEATED = [
    f"Aggiornamento {n}: la consegna è prevista entro la fine del mese per gli ordini "
    f"del giorno {n}."
    for n in range(1, 13)
]
LONG = (
    "La presentazione si è svolta ieri sera a Milano davanti a rivenditori, operatori "
    "telefonici e stampa"
)


def marked(units) -> tuple[list[str], tuple[int, int] | None]:
    """The units without the [[ ]] marker, and the marked span in their text (None if absent)."""
    clean = [unit.replace("[[", "").replace("]]", "") for unit in units]
    joined = text_of(units)
    if "[[" not in joined:
        return clean, None
    start = joined.index("[[")
    end = joined.index("]]") - 2
    return clean, (start, end)


# (name, original units, passage, occurrence, edited units with [[expected]] or no marker)
LANDINGS = [
    (
        "sentence moved to another paragraph",
        UNITS,
        "Notte, Nebbia e Terracotta",
        0,
        [
            UNITS[0],
            UNITS[1] + " Le tre colorazioni si chiamano [[Notte, Nebbia e Terracotta]].",
            *UNITS[2:5],
        ],
    ),
    (
        "passage split by a new paragraph break",
        UNITS,
        "La versione con 128 GB di memoria costerà 549 euro",
        0,
        [
            *UNITS[:3],
            "[[La versione con 128 GB di memoria costerà]]",
            "549 euro, quella da 256 GB 629 euro.",
            *UNITS[4:],
        ],
    ),
    (
        "punctuation changed inside the passage",
        UNITS,
        "Notte, Nebbia e Terracotta",
        0,
        [*UNITS[:5], "Le tre colorazioni si chiamano [[Notte; Nebbia e Terracotta]]."],
    ),
    (
        "word order swapped just before",
        UNITS,
        PASSAGE,
        0,
        [
            *UNITS[:3],
            "Con 128 GB di memoria la versione base [[costerà 549 euro]], quella da 256 GB 629 "
            "euro.",
            *UNITS[4:],
        ],
    ),
    (
        "passage duplicated earlier with another context",
        UNITS,
        PASSAGE,
        0,
        [
            "In Spagna, secondo le prime voci, il modello costerà 549 euro più tasse.",
            *UNITS[:3],
            "La versione con 128 GB di memoria [[costerà 549 euro]], quella da 256 GB 629 euro.",
            *UNITS[4:],
        ],
    ),
    (
        "whole passage lower-cased",
        UNITS,
        "Notte, Nebbia e Terracotta",
        0,
        [*UNITS[:5], "Le tre colorazioni si chiamano [[notte, nebbia e terracotta]]."],
    ),
    (
        "heading inserted right before",
        UNITS,
        PASSAGE,
        0,
        [
            *UNITS[:3],
            "PREZZI UFFICIALI",
            "La versione con 128 GB di memoria [[costerà 549 euro]], quella da 256 GB 629 euro.",
            *UNITS[4:],
        ],
    ),
    (
        "paragraph right before removed",
        UNITS,
        PASSAGE,
        0,
        [
            *UNITS[:2],
            "La versione con 128 GB di memoria [[costerà 549 euro]], quella da 256 GB 629 euro.",
            *UNITS[4:],
        ],
    ),
    (
        "list item inserted above",
        LIST,
        "5.000 mAh con ricarica a 45 W",
        0,
        [
            *LIST[:2],
            "Processore: otto core a 3 GHz",
            "Batteria: [[5.000 mAh con ricarica a 45 W]]",
            LIST[3],
        ],
    ),
    (
        "list item value changed inside the passage",
        LIST,
        "5.000 mAh con ricarica a 45 W",
        0,
        [*LIST[:2], "Batteria: [[5.000 mAh con ricarica a 65 W]]", LIST[3]],
    ),
    (
        "list items reordered",
        LIST,
        "5.000 mAh con ricarica a 45 W",
        0,
        [LIST[0], LIST[3], "Batteria: [[5.000 mAh con ricarica a 45 W]]", LIST[1]],
    ),
    (
        "list item deleted",
        LIST,
        "5.000 mAh con ricarica a 45 W",
        0,
        [LIST[0], LIST[1], LIST[3]],
    ),
    (
        "quote marks changed around the passage",
        QUOTE,
        "portare la fascia alta a un prezzo accessibile",
        0,
        [
            QUOTE[0],
            "“Vogliamo [[portare la fascia alta a un prezzo accessibile]] a tutti”, ha detto.",
            QUOTE[2],
        ],
    ),
    (
        "word changed inside a quote",
        QUOTE,
        "portare la fascia alta a un prezzo accessibile",
        0,
        [
            QUOTE[0],
            "«Vogliamo [[portare la fascia alta a un prezzo abbordabile]] a tutti», ha detto.",
            QUOTE[2],
        ],
    ),
    (
        "quote rewritten",
        QUOTE,
        "portare la fascia alta a un prezzo accessibile",
        0,
        [QUOTE[0], "«Il listino resterà riservato ai clienti business», ha detto.", QUOTE[2]],
    ),
    (
        "short repeated passage, paragraphs inserted before",
        REPEATED,
        "del mese",
        7,
        [
            "Nota: le date del mese scorso non valgono più.",
            *REPEATED[:7],
            "Aggiornamento 8: la consegna è prevista entro la fine [[del mese]] per gli ordini "
            "del giorno 8.",
            *REPEATED[8:],
        ],
    ),
    (
        "short repeated passage, its paragraph moved to the top",
        REPEATED,
        "del giorno",
        4,
        [
            "Aggiornamento 5: la consegna è prevista entro la fine del mese per gli ordini "
            "[[del giorno]] 5.",
            *REPEATED[:4],
            *REPEATED[5:],
        ],
    ),
    (
        "long passage with one word changed in the middle",
        UNITS,
        LONG,
        0,
        [
            UNITS[0],
            "[[La presentazione si è svolta ieri pomeriggio a Milano davanti a rivenditori, "
            "operatori telefonici e stampa]].",
            *UNITS[2:],
        ],
    ),
    (
        "elision expanded inside the passage",
        ELISIONS,
        "prezzo dell’edizione speciale",
        0,
        [
            "Il [[prezzo della edizione speciale]] sarà annunciato all’evento d’autunno.",
            ELISIONS[1],
        ],
    ),
    (
        "typographic apostrophes made straight, paragraph inserted before",
        ELISIONS,
        "all’evento d’autunno",
        0,
        [
            "Prima riga con un’elisione.",
            "Il prezzo dell'edizione speciale sarà annunciato [[all'evento d'autunno]].",
            ELISIONS[1],
        ],
    ),
    (
        "accents rewritten as combining characters",
        ACCENTS,
        "è più luminoso",
        0,
        [
            "Il pannello [[e\u0300 piu\u0300 luminoso]] e la batteria regge un’intera giornata 🔋 "
            "di uso intenso.",
            ACCENTS[1],
        ],
    ),
    (
        "emoji changed inside the passage",
        ACCENTS,
        "giornata 🔋 di uso intenso",
        0,
        [
            "Il pannello è più luminoso e la batteria regge un’intera "
            "[[giornata ⚡ di uso intenso]].",
            ACCENTS[1],
        ],
    ),
    (
        "emoji added before the passage",
        ACCENTS,
        "non è incluso nella confezione",
        0,
        [ACCENTS[0], "🚨 Il caricatore [[non è incluso nella confezione]] 📦."],
    ),
]


@pytest.mark.parametrize(
    ("original", "passage", "occurrence", "edited_units"),
    [scenario[1:] for scenario in LANDINGS],
    ids=[scenario[0] for scenario in LANDINGS],
)
def test_passage_lands_on_marked_words(original, passage, occurrence, edited_units):
    units, expected = marked(edited_units)
    match = locate(text_of(units), anchor(original, passage, occurrence))
    found = None if match is None else (match.start, match.end)
    assert found == expected, text_of(units)[slice(*found)] if found else None


def test_at_least_thirty_edit_scenarios():
    assert len(SCENARIOS) + len(LANDINGS) >= 30


def test_exact_match_reports_full_score():
    match = locate(text_of(UNITS), anchor(UNITS))
    assert match.exact and match.score == 1.0


def test_fuzzy_match_is_marked_as_such():
    units = edited(3, "costerà 549 euro", "costerà 594 euro")
    match = locate(text_of(units), anchor(UNITS))
    assert match is not None and not match.exact and match.score < 1


DUPLICATED = [
    "Il prezzo resta lo stesso per la versione base.",
    "Secondo i rivenditori il prezzo resta lo stesso anche a dicembre.",
    "Altri dettagli arriveranno la prossima settimana.",
]


def test_duplicate_phrase_second_occurrence_kept():
    selector = anchor(DUPLICATED, "il prezzo resta lo stesso", 0)
    assert "rivenditori" in selector.prefix
    units = ["Nuovo paragrafo iniziale, abbastanza lungo da spostare tutto."] + DUPLICATED
    text = text_of(units)
    match = locate(text, selector)
    assert text[match.start - 12 : match.start] == "rivenditori "


def test_duplicate_phrase_first_occurrence_kept_when_case_differs():
    selector = anchor(DUPLICATED, "prezzo resta lo stesso", 0)
    text = text_of(DUPLICATED + ["Il prezzo resta lo stesso, ripetiamo."])
    match = locate(text, selector)
    assert match.start == text.index("prezzo resta")


def test_duplicate_phrase_disambiguated_by_context_after_reorder():
    selector = anchor(DUPLICATED, "prezzo resta lo stesso", 1)
    units = [DUPLICATED[2], DUPLICATED[1], DUPLICATED[0]]
    text = text_of(units)
    match = locate(text, selector)
    assert "anche a dicembre" in text[match.end : match.end + 20]


def test_identical_duplicates_prefer_the_position_hint():
    units = ["Sì.", "Ripetuto qui.", "Sì.", "Ripetuto qui."]
    text = text_of(units)
    second = text.rindex("Ripetuto qui.")
    selector = Selector("Ripetuto qui.", start=second)
    match = locate(text, Selector("Ripetuto qui.", start=second))
    assert match.start == second
    assert locate(text, Selector(selector.exact, start=0)).start == text.index("Ripetuto")


UNICODE = [
    "Il CEO ha detto: «È il telefono più economico che abbiamo mai fatto» 📱 davanti al pubblico.",
    "Perché l’azienda ha scelto l’Italia? Per la forte domanda di modelli a 5G — spiegano.",
]


def test_unicode_passage_with_emoji_after_insert():
    selector = anchor(UNICODE, "«È il telefono più economico che abbiamo mai fatto» 📱")
    units = ["Premessa con l’apostrofo tipografico e un’altra emoji 🎉."] + UNICODE
    assert relocated(units, selector) == "«È il telefono più economico che abbiamo mai fatto» 📱"


def test_typographic_apostrophe_changed_in_passage():
    selector = anchor(UNICODE, "Perché l’azienda ha scelto l’Italia?")
    units = [UNICODE[0], UNICODE[1].replace("’", "'")]
    assert relocated(units, selector) == "Perché l'azienda ha scelto l'Italia?"


def test_unicode_passage_deleted():
    selector = anchor(UNICODE, "forte domanda di modelli a 5G")
    assert relocated([UNICODE[0]], selector) is None


def test_quote_whitespace_is_normalised_before_search():
    text = text_of(UNITS)
    match = locate(text, Selector("costerà\n  549   euro"))
    assert text[match.start : match.end] == PASSAGE


def test_empty_quote_finds_nothing():
    assert locate(text_of(UNITS), Selector("   ")) is None


def test_empty_text_finds_nothing():
    assert locate("", Selector(PASSAGE)) is None


def test_text_not_in_article_is_not_found():
    assert locate(text_of(UNITS), Selector("un prezzo che nessuno ha mai scritto qui")) is None


def test_short_passage_with_typo_found_through_context():
    selector = anchor(UNITS, "Nebbia")
    units = edited(5, "Nebbia", "Nebia")
    assert relocated(units, selector) == "Nebia"


def test_fuzzy_match_never_spans_units():
    selector = anchor(UNITS, "I preordini si aprono oggi sul sito di Lumio")
    units = edited(4, "I preordini si aprono oggi", "I preordini aprono oggi")
    found = relocated(units, selector)
    assert found is not None and "\n" not in found and found.startswith("I preordini")


def test_long_passage_with_several_small_changes():
    passage = UNITS[0]
    selector = anchor(UNITS, passage)
    units = edited(0, "Dopo settimane", "Dopo molte settimane")
    units = edited(0, "modello di punta", "modello top di gamma", units)
    found = relocated(units, selector)
    assert found == units[0]


def test_hostile_quote_is_just_text():
    units = UNITS + ['Il codice <script>alert("x")</script> non va eseguito.']
    selector = anchor(units, '<script>alert("x")</script>')
    assert relocated(units, selector) == '<script>alert("x")</script>'


def test_regex_characters_in_quote():
    units = ["Prezzo (IVA inclusa) [promo] *solo* oggi: 9.99$ ^_^ \\o/"]
    selector = anchor(units, "(IVA inclusa) [promo] *solo*")
    assert relocated(["Prima."] + units, selector) == "(IVA inclusa) [promo] *solo*"


def test_paragraph_split_in_two_keeps_passage():
    units = (
        [UNITS[0], UNITS[1], UNITS[2]]
        + [
            "La versione con 128 GB di memoria costerà 549 euro.",
            "Quella da 256 GB 629 euro.",
        ]
        + UNITS[4:]
    )
    assert relocated(units, anchor(UNITS)) == PASSAGE


def test_repeated_relocation_over_successive_edits():
    selector = anchor(UNITS)
    units = ["Nuovo attacco."] + UNITS
    text = text_of(units)
    selector = locate(text, selector).selector(text)
    units = edited(4, "costerà 549 euro", "costerà 499 euro", units)
    text = text_of(units)
    match = locate(text, selector)
    assert text[match.start : match.end] == "costerà 499 euro"
    units = units[2:]
    text = text_of(units)
    match = locate(
        text,
        match.selector(
            text_of(edited(4, "costerà 549 euro", "costerà 499 euro", ["Nuovo attacco."] + UNITS))
        ),
    )
    assert text[match.start : match.end] == "costerà 499 euro"


def test_many_duplicates_are_bounded():
    units = ["bla " * 5000]
    match = locate(text_of(units), Selector("bla bla", start=40))
    assert match is not None and match.exact
