"""Demo discussion for the reference-like article: `edicola seed_demo --comments N`.

Builds N threaded comments from original Italian sentences (no two say the same thing, all dated
between the article's publication and now): varied readers, replies down to the
deepest level (COMMENTS["MAX_DEPTH"]), votes from other readers, one pinned comment from the
editorial staff, a few held for review and a few removed. Everything is decided by the comment's
position, so a run is repeatable; demo comments are recognised by their e-mail domain, and a
second run with the same N adds nothing (a larger N adds the difference).

Rows are written with bulk_create, one batch per depth level, so thousands take a few seconds;
the Discussion counters are recomputed at the end and readers' caches retired.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from edicola.core.demo import Seeded
from edicola.core.tasks import after_commit
from edicola.news.demo import REFERENCE_ARTICLE_SLUG

from . import markup
from .conf import conf
from .models import Comment, Discussion, Vote
from .signals import discussion_changed

DEMO_DOMAIN = "lettori.example"

READERS = [
    ("Marco Bellini", ""),
    ("Giulia Ferraro", "https://giuliaferraro.example"),
    ("Lorenzo", ""),
    ("Chiara De Santis", ""),
    ("Davide87", ""),
    ("Francesca Moretti", ""),
    ("Alessio R.", ""),
    ("Sara Colombo", "https://tecnosara.example"),
    ("Paolo Esposito", ""),
    ("Elena G.", ""),
    ("Tommaso Rinaldi", ""),
    ("Martina", ""),
    ("Nicola Barbieri", ""),
    ("Valentina Greco", ""),
    ("ilTecnicoDiQuartiere", "https://iltecnico.example"),
    ("Roberto Fontana", ""),
    ("Beatrice L.", ""),
    ("Stefano Marini", ""),
    ("Anna Caruso", ""),
    ("Federico_94", ""),
    ("Ilaria Gentile", ""),
    ("Matteo Lombardi", ""),
    ("Luca dal Friuli", ""),
    ("Serena Vitale", ""),
]

OPENINGS = [
    "Secondo me il prezzo è il vero punto debole.",
    "Ho provato il Lumio X3 in negozio ieri pomeriggio.",
    "Articolo chiaro, grazie per la tabella dei prezzi.",
    "Vengo da un X1 e sono ancora indeciso.",
    "Qualcuno sa se arriverà anche la versione da 512 GB?",
    "Finalmente un telefono compatto che non rinuncia alla batteria.",
    "Il design mi piace, ma quella fotocamera sporge davvero tanto.",
    "Sulla carta è ottimo, vediamo la prova completa.",
    "Per me la ricarica a 65 W è la novità più interessante.",
    "Aspetto le prime offerte prima di decidere.",
    "Sono l'unico a cui interessa ancora il jack per le cuffie?",
    "Ottima notizia la garanzia estesa a tre anni.",
    "Mio figlio lo aspetta da mesi, il regalo di Natale è già deciso.",
    "Lo uso da una settimana come telefono di lavoro.",
    "Bella prova, anche se avrei voluto più dettagli sul modem.",
    "Il confronto con la concorrenza mi ha chiarito parecchi dubbi.",
]
MIDDLES = [
    "Lo schermo è luminoso anche sotto il sole, **molto meglio** del modello precedente.",
    "In mano pesa poco e la cornice in alluminio non scivola.",
    "Il software però ha ancora qualche applicazione preinstallata di troppo.",
    "Con l'uso che ne faccio io arriverei tranquillamente a sera.",
    "La differenza con il modello base non giustifica *cento euro* in più.",
    "Il lettore di impronte sotto lo schermo è rapido e preciso.",
    "Mi sarebbe piaciuta una variante di colore meno appariscente.",
    "Gli aggiornamenti promessi per cinque anni sono un ottimo segnale.",
    "Il modem nuovo dovrebbe migliorare la ricezione in galleria.",
    "Le foto notturne nell'anteprima sembrano pulite, ma aspetto campioni veri.",
]
CLOSINGS = [
    "Voi che ne pensate?",
    "Vedremo tra qualche mese, quando il prezzo scenderà.",
    "Intanto lo metto nella lista dei desideri.",
    "Per ora resto con il mio, che funziona benissimo.",
    "Se esce in offerta lo prendo al volo.",
    "Aspetto il vostro parere dopo la prova in montagna.",
    "Tra un anno ne riparliamo.",
    "Comunque complimenti per la velocità con cui avete pubblicato.",
    "",
]
REPLIES = [
    "Concordo in pieno.",
    "Non sono d'accordo: per quello che offre il prezzo è onesto.",
    "Anche a me è successo lo stesso con il modello precedente.",
    "Hai provato a disattivare la luminosità adattiva?",
    "Dipende molto dall'uso, io lo carico una volta ogni due giorni.",
    "Grazie, informazione utile!",
    "> il prezzo è il vero punto debole\n\nAl lancio costano tutti così, poi scendono.",
    "In negozio da me non era ancora arrivato.",
    "Per le foto aspetterei la recensione completa prima di giudicare.",
    "||Spoiler: nella prova completa la batteria va oltre le sette ore di schermo.||",
    "Esatto, e la garanzia di tre anni cambia parecchio i conti.",
    "Io l'ho preordinato ieri, vi faccio sapere appena arriva.",
    "Ottima domanda, me lo chiedevo anch'io.",
    "Il servizio clienti mi ha confermato che la custodia è inclusa.",
    "Io ho notato lo stesso problema con il Wi-Fi di casa.",
    "Guarda che la versione europea ha un processore diverso.",
    "Mi hai convinto, domani passo in negozio a vederlo.",
    "Su questo punto ha ragione l'articolo, i numeri parlano chiaro.",
    "Con l'ultimo aggiornamento il difetto è sparito, almeno sul mio.",
    "Sì, ma ricordiamoci che il caricatore non è nella confezione.",
]
STAFF_NOTE = (
    "**Aggiornamento della redazione:** abbiamo aggiunto i prezzi ufficiali per tutte le "
    "versioni e la data di arrivo nei negozi. Grazie a chi ci ha segnalato l'errore nella "
    "tabella!"
)


@dataclass
class _Planned:
    """A comment to create: its position, its parent's position, what it says and who says it."""

    index: int
    parent: int | None
    depth: int
    reader: int
    body: str
    status: str
    pinned: bool = False


def _email(reader: int) -> str:
    return f"lettore{reader + 1}@{DEMO_DOMAIN}"


# Every comment says something different: the k-th opening comment and the k-th reply take the
# k-th combination of sentences of a fixed shuffle (more comments than combinations repeat).
def _combinations(*pools: list[str], name: str) -> list[tuple[str, ...]]:
    combos = list(itertools.product(*pools))
    random.Random(f"edicola-demo-{name}").shuffle(combos)
    return combos


_OPENING_TEXTS = _combinations(OPENINGS, MIDDLES, CLOSINGS, name="openings")
_REPLY_TEXTS = _combinations(REPLIES, ["", *MIDDLES], CLOSINGS, name="replies")


def _body(rng: random.Random, number: int, is_reply: bool) -> str:
    """The text of the `number`-th reply (or opening comment) of the discussion."""
    texts = _REPLY_TEXTS if is_reply else _OPENING_TEXTS
    parts = [part for part in texts[number % len(texts)] if part]
    return " ".join(parts) if rng.random() < 0.6 else "\n\n".join(parts)


def _status(index: int) -> str:
    """A few comments wait for review, a few were removed (some of those have replies)."""
    if index == 0:
        return Comment.Status.APPROVED
    if index % 29 == 13:
        return Comment.Status.PENDING
    if index % 37 == 21:
        return Comment.Status.REMOVED
    return Comment.Status.APPROVED


def _plan(start: int, count: int, known_depths: list[int]) -> list[_Planned]:
    """Comments start..count-1, given the depth of every earlier one (by position)."""
    max_depth = max(0, int(conf("MAX_DEPTH")) - 1)
    depths = list(known_depths)
    # How many openings (the pinned note aside) and replies came before, to number the texts.
    openings = sum(1 for depth in depths[1:] if depth == 0)
    replies = sum(1 for depth in depths if depth > 0)
    plan = []
    for index in range(start, count):
        rng = random.Random(f"edicola-demo-{index}")
        parent = None
        if index in (1, 2, 3, 4):  # one chain down to the deepest level, whatever N is
            parent = index - 1 if depths[index - 1] < max_depth else None
        elif index > 0 and rng.random() < 0.62:
            # Mostly answer something recent, sometimes an older thread.
            low = max(0, index - 40) if rng.random() < 0.8 else 0
            candidates = [
                i
                for i in range(low, index)
                if depths[i] < max_depth and _status(i) != Comment.Status.PENDING
            ]
            parent = rng.choice(candidates) if candidates else None
        depth = depths[parent] + 1 if parent is not None else 0
        depths.append(depth)
        if index == 0:
            body = STAFF_NOTE
        elif parent is None:
            body, openings = _body(rng, openings, is_reply=False), openings + 1
        else:
            body, replies = _body(rng, replies, is_reply=True), replies + 1
        plan.append(
            _Planned(
                index=index,
                parent=parent,
                depth=depth,
                reader=rng.randrange(len(READERS)),
                body=body,
                status=_status(index),
                pinned=index == 0,
            )
        )
    return plan


def seed_comments(count: int, *, slug: str = REFERENCE_ARTICLE_SLUG) -> int:
    """Make the article's demo discussion `count` comments long; returns how many were added."""
    from edicola.news.models import ArticlePage

    article = ArticlePage.objects.get(slug=slug)
    demo = Comment.objects.filter(article=article, author_email__endswith=f"@{DEMO_DOMAIN}")
    existing = list(demo.order_by("created_at", "pk").values_list("pk", "depth", "thread_id"))
    if len(existing) >= count:
        return 0
    plan = _plan(len(existing), count, [depth for _, depth, _ in existing])
    pks = [pk for pk, _, _ in existing]
    threads = [thread for _, _, thread in existing]

    # Comments come after the article (and after the demo comments already there), up to now.
    now = timezone.now()
    last = demo.aggregate(last=Max("created_at"))["last"]
    published = article.date_published or article.first_published_at or now
    start_at = min(max(last or published, published, now - timedelta(days=30)), now)
    step = min(timedelta(minutes=7), (now - start_at) / (len(plan) + 1))
    pks += [None] * len(plan)
    threads += [None] * len(plan)

    with transaction.atomic():
        for depth in sorted({item.depth for item in plan}):
            level = [item for item in plan if item.depth == depth]
            rows = []
            for item in level:
                name, url = READERS[item.reader]
                rows.append(
                    Comment(
                        article=article,
                        parent_id=pks[item.parent] if item.parent is not None else None,
                        thread_id=threads[item.parent] if item.parent is not None else None,
                        depth=item.depth,
                        author_name="Redazione Lumio Italia" if item.pinned else name,
                        author_email=_email(item.reader),
                        author_url="" if item.pinned else url,
                        badge=Comment.Badge.STAFF if item.pinned else Comment.Badge.NONE,
                        body=item.body,
                        body_html=markup.render(item.body),
                        status=item.status,
                        is_pinned=item.pinned,
                        ip_network=f"203.0.113.{item.reader}" if not item.pinned else "",
                        reader_id=f"g:demo{item.reader}",
                        created_at=start_at + step * (item.index - plan[0].index + 1),
                    )
                )
            Comment.objects.bulk_create(rows, batch_size=500)
            for item, row in zip(level, rows, strict=True):
                pks[item.index] = row.pk
                threads[item.index] = row.thread_id or row.pk
            if depth == 0:
                Comment.objects.filter(pk__in=[row.pk for row in rows]).update(thread=F("pk"))
        _add_votes(plan, pks)
        _recount(article)
    after_commit(discussion_changed.send, sender=Discussion, article=article)
    return len(plan)


def _add_votes(plan: list[_Planned], pks: list[int]) -> None:
    votes, scores = [], {}
    for item in plan:
        if item.status != Comment.Status.APPROVED or item.pinned:
            continue
        rng = random.Random(f"edicola-demo-votes-{item.index}")
        voters = rng.sample(
            range(len(READERS)), k=min(len(READERS) - 1, rng.choice([0, 1, 2, 3, 5, 8]))
        )
        up = down = 0
        for voter in voters:
            if voter == item.reader:
                continue
            value = 1 if rng.random() < 0.78 else -1
            up, down = up + (value > 0), down + (value < 0)
            votes.append(
                Vote(
                    comment_id=pks[item.index],
                    voter=f"g:demo{voter}",
                    ip_network=f"203.0.113.{voter}",
                    value=value,
                )
            )
        scores[pks[item.index]] = (up, down)
    Vote.objects.bulk_create(votes, batch_size=1000)
    rows = list(Comment.objects.filter(pk__in=list(scores)).only("pk"))
    for row in rows:
        row.upvotes, row.downvotes = scores[row.pk]
        row.score = row.upvotes - row.downvotes
    Comment.objects.bulk_update(rows, ["upvotes", "downvotes", "score"], batch_size=500)


def _recount(article) -> Discussion:
    """The article's counters from its comments (approved ones count, like services do)."""
    approved = Comment.objects.filter(article=article, status=Comment.Status.APPROVED)
    discussion, _created = Discussion.objects.get_or_create(article=article)
    discussion.comment_count = approved.count()
    discussion.last_comment_at = approved.aggregate(last=Max("created_at"))["last"]
    discussion.version += 1
    discussion.save(update_fields=["comment_count", "last_comment_at", "version"])
    return discussion


def seed(*, comments: int = 0, **options) -> Seeded:
    """The seeder `edicola seed_demo` runs: with --comments N, a discussion N comments long."""
    if comments <= 0:
        return Seeded()
    added = seed_comments(comments)
    return Seeded(notes=[f"Demo comments: {added} added to the reference article."])
