"""Reader endpoints of passages (mounted at passaggi/, Italian at the root, English under /en/)."""

from django.urls import path

from . import views

app_name = "passages"
urlpatterns = [
    path("articolo/<int:article_id>/", views.post_comment, name="post"),
    path("articolo/<int:article_id>/errore/", views.report_error, name="report"),
    path("articolo/<int:article_id>/modulo/", views.form_fragment, name="form"),
    path("articolo/<int:article_id>/mappa/", views.passage_map, name="map"),
]
