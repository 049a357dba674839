"""Builders for passage tests: an article with a question for readers, selectors, publishing an
edited body as a new revision."""

from edicola.comments.tests.factories import make_commentable_article
from edicola.passages import anchoring
from edicola.passages.services import PassageInput, current_text

PARAGRAPHS = [
    "<p>La casa ha confermato che il nuovo modello arriverà nei negozi italiani entro la fine "
    "del mese, con un prezzo più basso rispetto alla generazione precedente.</p>",
    "<p>Il <b>pannello</b> è più luminoso e la batteria regge un'intera giornata di uso "
    "intenso.</p>",
]
QUESTION = {
    "passage": "Il prezzo resterà lo stesso per tutto l'anno.",
    "question": "Lo comprereste a questo prezzo?",
    "question_id": "prezzo",
}


def article_body(paragraphs=PARAGRAPHS, question=True):
    body = [("paragraph", html) for html in paragraphs]
    body.insert(1, ("quote", {"quote": "Un telefono per tutti.", "attribution": "Il CEO"}))
    if question:
        body.append(("feedback", dict(QUESTION)))
    return body


def make_passage_article(title: str = "Il nuovo telefono costerà meno", **fields):
    fields.setdefault("body", article_body())
    return make_commentable_article(title, **fields)


def selection(article, words: str, occurrence: int = 0) -> PassageInput:
    """What the browser would send for `words` selected in the article."""
    text = current_text(article).text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    selector = anchoring.describe(text, start, start + len(words))
    return PassageInput(selector.exact, selector.prefix, selector.suffix, start)


def publish_body(article, body):
    """Publish a new revision of `article` with `body` (as an editor saving in the admin)."""
    page = type(article).objects.get(pk=article.pk).specific
    page.body = body
    revision = page.save_revision()
    revision.publish()
    return type(article).objects.get(pk=article.pk)
