"""Wagtail's search index and reference index during an import: held, then updated once.

Outside an import every save of a page, an image or a document enqueues one search-index task
and one reference-index task (a page is saved several times while it is made, and each of its
child rows enqueues one more). An import of a whole site would leave hundreds of thousands of
tasks behind. `deferred_indexing()` replaces those receivers with one that only notes what was
saved; `Saved.update()` then indexes each object once, in chunks, with the same calls the tasks
make (`backend.add_bulk`, `ReferenceIndex.create_or_update_for_object`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models.signals import post_save
from modelcluster.fields import ParentalKey

CHUNK = 500


class Saved:
    """(model, pk) of every indexed or reference-tracked object saved during the import."""

    def __init__(self):
        self.search: dict[type, set] = defaultdict(set)
        self.references: dict[type, set] = defaultdict(set)
        self._searched: set[type] = set()
        self._tracked: set[type] = set()

    def note(self, sender, instance, raw=False, **kwargs) -> None:
        if raw or instance.pk is None:
            return
        model = type(instance)
        if model in self._searched:
            self.search[model].add(instance.pk)
        if model in self._tracked:
            owner = _owner(instance)
            if owner is not None and owner.pk is not None:
                self.references[type(owner)].add(owner.pk)

    def enqueue(self, update_indexes) -> int:
        """One `update_indexes` task (edicola.wordpress.tasks, which calls `update`) per model
        and CHUNK objects, to index every noted object once; returns how many tasks. Objects
        rolled back since are simply not found by the task."""
        tasks = 0
        for kind, noted in (("search", self.search), ("references", self.references)):
            for model, pks in noted.items():
                for chunk in _chunks(pks):
                    label = model._meta.label_lower
                    update_indexes.enqueue(label, chunk, kind == "search", kind == "references")
                    tasks += 1
        self.search.clear()
        self.references.clear()
        return tasks


def update(model, pks: list, *, search: bool, references: bool) -> None:
    """Bring the search index and the reference index up to date for these objects, with the
    calls Wagtail's own per-save tasks make."""
    from modelsearch.backends import get_search_backends
    from wagtail.models import ReferenceIndex

    if search:
        objects = list(model.get_indexed_objects().filter(pk__in=pks))
        for backend in get_search_backends(with_auto_update=True):
            if objects:
                backend.add_bulk(model, objects)
    if references and ReferenceIndex.is_indexed(model):
        with transaction.atomic():
            for instance in model._default_manager.filter(pk__in=pks):
                ReferenceIndex.create_or_update_for_object(instance)


def _owner(instance):
    """The object whose references a row belongs to (a child row's parent, as Wagtail's task)."""
    while True:
        keys = [f for f in instance._meta.get_fields() if isinstance(f, ParentalKey)]
        if not keys:
            return instance
        instance = getattr(instance, keys[0].name)
        if instance is None:
            return None


def _chunks(pks: set) -> Iterator[list]:
    ordered = sorted(pks)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


@contextmanager
def deferred_indexing() -> Iterator[Saved]:
    """Hold Wagtail's per-save index receivers; yields the `Saved` that notes the objects."""
    from modelsearch import index
    from modelsearch.signal_handlers import post_save_signal_handler
    from wagtail.models import ReferenceIndex
    from wagtail.signal_handlers import disable_reference_index_auto_update

    saved = Saved()
    searched = [m for m in index.get_indexed_models() if getattr(m, "search_auto_update", True)]
    saved._searched = set(searched)
    saved._tracked = set(ReferenceIndex.tracked_models)
    for model in searched:
        post_save.disconnect(post_save_signal_handler, sender=model)
    post_save.connect(saved.note, dispatch_uid="edicola-wordpress-saved", weak=False)
    try:
        with disable_reference_index_auto_update():
            yield saved
    finally:
        post_save.disconnect(dispatch_uid="edicola-wordpress-saved")
        for model in searched:
            post_save.connect(post_save_signal_handler, sender=model)
