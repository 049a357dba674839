"""Reader endpoints of passages (mounted at passaggi/, Italian at the root, English under /en/)."""

from django.urls import path

from edicola.core import converters  # noqa: F401 (registers <id:...>)

from . import views

app_name = "passages"
urlpatterns = [
    path("articolo/<id:article_id>/", views.post_comment, name="post"),
    path("articolo/<id:article_id>/errore/", views.report_error, name="report"),
    path("articolo/<id:article_id>/modulo/", views.form_fragment, name="form"),
    path("articolo/<id:article_id>/mappa/", views.passage_map, name="map"),
]
