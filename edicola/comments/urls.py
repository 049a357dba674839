"""The discussion's routes, included from edicola/urls.py: the reader endpoints (HTML forms that
work with JavaScript off), subscriptions, commenters' privacy, and the JSON API.

The moderation queue's routes are registered in the Wagtail admin by wagtail_hooks.py.
"""

from django.urls import path, re_path

from edicola.core import converters  # noqa: F401 (registers <id:...>)

from .views import api, discussion, privacy, subscriptions

app_name = "comments"
urlpatterns = [
    path("articolo/<id:article_id>/", discussion.post_comment, name="post"),
    path("articolo/<id:article_id>/stato/", discussion.reader_state, name="state"),
    path("articolo/<id:article_id>/novita/", discussion.live, name="live"),
    path("articolo/<id:article_id>/discussione/", discussion.thread_fragment, name="fragment"),
    path("articolo/<id:article_id>/ordine/", discussion.set_sort, name="sort"),
    path("<id:pk>/modifica/", discussion.edit_comment, name="edit"),
    path("<id:pk>/elimina/", discussion.delete_comment, name="delete"),
    path("<id:pk>/voto/", discussion.vote, name="vote"),
    path("<id:pk>/segnala/", discussion.report, name="report"),
]

# /commenti/iscrizioni/
subscription_patterns = (
    [
        path("articolo/<id:article_id>/", subscriptions.subscribe, name="subscribe"),
        path("conferma/<str:token>/", subscriptions.confirm, name="confirm"),
        path("gestisci/<str:token>/", subscriptions.manage, name="manage"),
        path("annulla/<str:token>/", subscriptions.unsubscribe, name="unsubscribe"),
        path("mie/", subscriptions.mine, name="mine"),
    ],
    "subscriptions",
)

# /commenti/privacy/
privacy_patterns = (
    [
        path("", privacy.request_link, name="request"),
        path("<str:token>/", privacy.manage, name="manage"),
        path("<str:token>/export.json", privacy.export, name="export"),
        path("<str:token>/erase/", privacy.erase, name="erase"),
    ],
    "comments_privacy",
)

# /api/commenti/ (names without a namespace, as the OpenAPI document links them)
api_patterns = [
    path("openapi.json", api.schema, name="comments-api-schema"),
    path("articoli/<id:article_id>/", api.article_comments, name="comments-api-article"),
    path("<id:comment_id>/", api.comment_detail, name="comments-api-comment"),
    path("<id:comment_id>/voto/", api.comment_vote, name="comments-api-vote"),
    path("<id:comment_id>/segnalazione/", api.comment_report, name="comments-api-report"),
    # last: everything else under the API (newlines in the path too) answers its JSON 404
    re_path(r"^(?P<unmatched>[\s\S]*)\Z", api.not_found, name="comments-api-not-found"),
]
