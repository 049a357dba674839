"""`edicola seed_demo --comments N` (edicola/comments/demo.py): the shape of the demo discussion,
counters that match it, and a second run that does not double it."""

import io
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum

from edicola.comments import demo, threads
from edicola.comments.models import Comment, Discussion, Vote
from edicola.news.demo import REFERENCE_ARTICLE_SLUG
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference():
    home = make_site()
    article = make_article(make_category(home), "Lumio X3: prezzo", slug=REFERENCE_ARTICLE_SLUG)
    return home, article


def demo_comments(article):
    return Comment.objects.filter(article=article, author_email__endswith=f"@{demo.DEMO_DOMAIN}")


def test_discussion_has_the_promised_shape(reference):
    _, article = reference
    assert demo.seed_comments(120) == 120
    comments = {c.pk: c for c in demo_comments(article)}
    assert len(comments) == 120
    deepest = settings.COMMENTS["MAX_DEPTH"] - 1
    assert max(c.depth for c in comments.values()) == deepest
    for comment in comments.values():
        if comment.parent_id is None:
            assert comment.depth == 0 and comment.thread_id == comment.pk
        else:
            parent = comments[comment.parent_id]
            assert comment.depth == parent.depth + 1 and comment.thread_id == parent.thread_id
            assert parent.status != Comment.Status.PENDING, "nobody replies to a held comment"
            assert parent.created_at < comment.created_at
    statuses = Counter(c.status for c in comments.values())
    assert statuses[Comment.Status.PENDING] >= 2 and statuses[Comment.Status.REMOVED] >= 2
    [pinned] = [c for c in comments.values() if c.is_pinned]
    assert pinned.parent_id is None and pinned.badge == Comment.Badge.STAFF
    assert len({c.author_name for c in comments.values()}) >= 15
    assert all(c.body and c.body_html.startswith("<") for c in comments.values())
    assert any("<strong>" in c.body_html for c in comments.values())


def test_votes_and_counters_match_the_rows(reference):
    _, article = reference
    demo.seed_comments(80)
    assert Vote.objects.filter(comment__article=article).count() > 40
    for comment in demo_comments(article):
        values = Counter(comment.votes.values_list("value", flat=True))
        assert (comment.upvotes, comment.downvotes) == (values[1], values[-1])
        assert comment.score == comment.upvotes - comment.downvotes
        assert not comment.votes.filter(voter=comment.reader_id).exists(), "no self-votes"
    discussion = Discussion.objects.get(article=article)
    approved = Comment.objects.filter(article=article, status=Comment.Status.APPROVED)
    assert discussion.comment_count == approved.count()
    assert discussion.last_comment_at == approved.order_by("-created_at")[0].created_at
    assert demo_comments(article).aggregate(total=Sum("upvotes"))["total"] > 0


def test_same_n_again_adds_nothing_and_a_larger_n_adds_the_difference(reference):
    _, article = reference
    demo.seed_comments(50)
    first = list(demo_comments(article).order_by("pk").values_list("pk", "body"))
    assert demo.seed_comments(50) == 0
    assert demo.seed_comments(30) == 0
    assert list(demo_comments(article).order_by("pk").values_list("pk", "body")) == first
    assert demo.seed_comments(70) == 20
    assert demo_comments(article).count() == 70
    assert Discussion.objects.get(article=article).comment_count == (
        Comment.objects.filter(article=article, status=Comment.Status.APPROVED).count()
    )


def test_thread_page_reads_the_seeded_discussion(reference):
    _, article = reference
    demo.seed_comments(60)
    page = threads.thread_page(article, show_all=True)
    assert page.comment_count == Discussion.objects.get(article=article).comment_count
    assert page.threads[0].comment.is_pinned


def test_seed_demo_command_takes_the_comments_option(reference):
    home, article = reference
    from edicola.news import demo as news_demo

    out = io.StringIO()
    with mock.patch.object(news_demo, "seed", return_value=news_demo.SeedReport(home, Counter())):
        call_command("seed_demo", "--no-warm", "--comments", "25", stdout=out)
        call_command("seed_demo", "--no-warm", "--comments", "25", stdout=out)
    assert "Demo comments: 25 added" in out.getvalue()
    assert "Demo comments: 0 added" in out.getvalue()
    assert demo_comments(article).count() == 25


def test_seeded_comments_follow_their_article_and_never_repeat_a_text(reference):
    _, article = reference
    demo.seed_comments(300)
    demo.seed_comments(1500)  # a second run adding to the discussion keeps both promises
    comments = list(demo_comments(article))
    assert len(comments) == 1500
    early = [c.pk for c in comments if c.created_at < article.date_published]
    assert early == [], "no comment is dated before its article"
    texts = Counter(" ".join(c.body.split()) for c in comments)
    assert [text for text, count in texts.items() if count > 1] == []


def test_seeded_comments_on_an_article_published_minutes_ago_come_after_it():
    home = make_site()
    article = make_article(
        make_category(home),
        "Lumio X3: appena uscito",
        slug=REFERENCE_ARTICLE_SLUG,
        published_ago=timedelta(minutes=10),
    )
    demo.seed_comments(200)
    first = demo_comments(article).order_by("created_at").first()
    assert first.created_at > article.date_published
