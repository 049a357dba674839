"""The discussion's routes, included from edicola/urls.py: the reader endpoints (HTML forms that
work with JavaScript off), subscriptions, commenters' privacy, and the JSON API.

The moderation queue's routes are registered in the Wagtail admin by wagtail_hooks.py.
"""

from django.urls import path

from .views import api, discussion, privacy, subscriptions

app_name = "comments"
urlpatterns = [
    path("articolo/<int:article_id>/", discussion.post_comment, name="post"),
    path("articolo/<int:article_id>/stato/", discussion.reader_state, name="state"),
    path("articolo/<int:article_id>/novita/", discussion.live, name="live"),
    path("articolo/<int:article_id>/discussione/", discussion.thread_fragment, name="fragment"),
    path("articolo/<int:article_id>/ordine/", discussion.set_sort, name="sort"),
    path("<int:pk>/modifica/", discussion.edit_comment, name="edit"),
    path("<int:pk>/elimina/", discussion.delete_comment, name="delete"),
    path("<int:pk>/voto/", discussion.vote, name="vote"),
    path("<int:pk>/segnala/", discussion.report, name="report"),
]

# /commenti/iscrizioni/
subscription_patterns = (
    [
        path("articolo/<int:article_id>/", subscriptions.subscribe, name="subscribe"),
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
    path("articoli/<int:article_id>/", api.article_comments, name="comments-api-article"),
    path("<int:comment_id>/", api.comment_detail, name="comments-api-comment"),
    path("<int:comment_id>/voto/", api.comment_vote, name="comments-api-vote"),
    path("<int:comment_id>/segnalazione/", api.comment_report, name="comments-api-report"),
]
