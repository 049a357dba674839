"""Builders for discussion tests: an article to comment on, readers, comments in any state.

Sites, categories, authors and articles come from edicola.news.tests.factories.
"""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from edicola.comments import markup
from edicola.comments.models import Comment, Discussion
from edicola.comments.readers import ClientInfo
from edicola.news.tests.factories import make_article, make_author, make_category, make_site

_counter = itertools.count(1)


def make_commentable_article(title: str = "Un nuovo telefono", **fields):
    """A published article on a fresh site, with one author (returned as article.test_author)."""
    home = make_site()
    category = make_category(home)
    author = make_author(home)
    article = make_article(category, title, authors=[author], **fields)
    article.test_author = author
    return article


def make_user(email: str | None = None, *, staff: bool = False, confirmed: bool = True, **fields):
    """A reader's account; its address is proven (the confirmation link was opened) unless
    `confirmed` is false, as right after signing up. `staff=True` makes a moderator the way an
    administrator does in Wagtail: a group with the comments moderation permission (is_staff
    stays False)."""
    number = next(_counter)
    email = email or f"lettore{number}@example.org"
    user = get_user_model().objects.create_user(
        username=fields.pop("username", f"lettore{number}"),
        email=email,
        password="password-di-prova",
        **fields,
    )
    if confirmed:
        confirm_email(user)
    if staff:
        user.groups.add(moderators_group())
    return user


def confirm_email(user) -> None:
    """Record that the account proved its address, as the mailed link does."""
    from edicola.accounts.models import EmailConfirmation

    EmailConfirmation.objects.update_or_create(
        user=user, defaults={"email": user.email.strip().lower(), "confirmed_at": timezone.now()}
    )


def moderators_group() -> Group:
    """A Wagtail group whose only permission is moderating comments."""
    group, created = Group.objects.get_or_create(name="Moderatori")
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="comments", codename="change_comment")
        )
    return group


def guest(ip: str = "203.0.113.7", reader: str | None = None) -> ClientInfo:
    """A guest reader with their own cookie id (a fresh one unless given)."""
    return ClientInfo(ip=ip, reader_id=reader or f"g:ospite{next(_counter)}")


def member(user, ip: str = "198.51.100.20") -> ClientInfo:
    return ClientInfo(ip=ip, user=user, reader_id=f"u:{user.pk}")


def make_comment(
    article,
    body: str = "Bel pezzo, grazie.",
    *,
    parent: Comment | None = None,
    status: str = Comment.Status.APPROVED,
    name: str = "Marta",
    email: str | None = None,
    created_at=None,
    count: bool = True,
    **fields,
) -> Comment:
    """A comment stored directly (no rules run), with the discussion counters kept right when
    `count` is true. Use services.submit_comment to test the rules themselves."""
    number = next(_counter)
    comment = Comment(
        article=article,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author_name=name,
        author_email=email if email is not None else f"marta{number}@example.org",
        body=body,
        body_html=markup.render(body),
        status=status,
        created_at=created_at or timezone.now(),
        ip_network=fields.pop("ip_network", "192.0.2.0/24"),
        reader_id=fields.pop("reader_id", f"g:autore{number}"),
        **fields,
    )
    comment.save()
    if count:
        discussion, _ = Discussion.objects.get_or_create(article_id=article.pk)
        if status == Comment.Status.APPROVED:
            discussion.comment_count += 1
            discussion.last_comment_at = comment.created_at
        discussion.save()
    return comment


def relax_limits(settings) -> None:
    """Lift the comment/vote/report rate limits (for tests that post many times)."""
    settings.COMMENTS = {
        **settings.COMMENTS,
        "RATE_COMMENTS": ["10000/60"],
        "RATE_VOTES": ["10000/1"],
        "RATE_REPORTS": ["10000/60"],
    }


def set_comments(settings, **values) -> None:
    """Change some COMMENTS settings for one test: set_comments(settings, MODERATION="none")."""
    settings.COMMENTS = {**settings.COMMENTS, **values}


# Hostile inputs for text, name and website fields: each must come out inert.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    "<p onclick=alert(1)>x</p>",
    "<span class=spoiler onclick=alert(1)>x</span>",
    "<a href=https://ok.example onclick=alert(1)>x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    '[x](https://ok.example" onmouseover="alert(1))',
    "![x](javascript:alert(1))",
    '![x](https://x.example/x.png" onerror="alert(1))',
    "<javascript:alert(1)>",
    "[x]: javascript:alert(1)\n\n[x]",
    "`<script>alert(1)</script>`",
    "> <script>alert(1)</script>",
    "||<img src=x onerror=alert(1)>||",
    ">! <svg onload=alert(1)>",
    "**<script>**alert(1)**</script>**",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<<script>script>alert(1)<</script>/script>",
    "\u202e<script>alert(1)</script>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
]
