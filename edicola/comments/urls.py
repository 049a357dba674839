"""Reader endpoints of the discussion (HTML forms that work with JavaScript off)."""

from django.urls import path

from . import views

app_name = "comments"
urlpatterns = [
    path("articolo/<int:article_id>/", views.post_comment, name="post"),
    path("articolo/<int:article_id>/stato/", views.reader_state, name="state"),
    path("articolo/<int:article_id>/novita/", views.live, name="live"),
    path("articolo/<int:article_id>/discussione/", views.thread_fragment, name="fragment"),
    path("articolo/<int:article_id>/ordine/", views.set_sort, name="sort"),
    path("<int:pk>/modifica/", views.edit_comment, name="edit"),
    path("<int:pk>/elimina/", views.delete_comment, name="delete"),
    path("<int:pk>/voto/", views.vote, name="vote"),
    path("<int:pk>/segnala/", views.report, name="report"),
]
