"""Background work of the WordPress import: the search and reference indexes of what it saved."""

from __future__ import annotations

from django.apps import apps
from django.tasks import task

from . import indexing


@task()
def update_indexes(model_label: str, pks: list, search: bool, references: bool) -> None:
    """Index a chunk of imported objects of one model (see edicola.wordpress.indexing)."""
    model = apps.get_model(model_label)
    indexing.update(model, pks, search=search, references=references)
