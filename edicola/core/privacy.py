"""Export and erasure of personal data, organised by kind: the base class and the registry.

Each app that stores personal data describes every kind of it with a `DataKind` subclass (an
identifier, a translated name and description, an exporter and an eraser) and registers one
instance in its AppConfig.ready() under a *scope*: the way a person is found. Scope "email"
is a commenter found by e-mail address (edicola.comments.privacy builds the subject; passages
adds the errors they reported); scope "deals" is a reader found by phone number or Telegram
chat (edicola.deals.privacy). The app owning a scope builds the subject, asks `kinds(scope)`
and runs them in order; core knows no app and no model.
"""

from __future__ import annotations

from dataclasses import dataclass


class DataKind:
    """One kind of personal data: how to export it and how to erase it for one subject."""

    identifier = ""
    name = ""
    description = ""

    def export(self, subject) -> list[dict]:
        raise NotImplementedError

    def erase(self, subject) -> int:
        """Remove this kind of data; returns how many rows changed."""
        raise NotImplementedError

    def count(self, subject) -> int | None:
        """How many rows of this kind the subject has, for kinds the scope does not count on
        its own (emptiness, link fingerprints); None when the scope already counts them."""
        return None

    def forget_networks(self, before) -> int:
        """Clear network addresses stored before `before` (retention); rows changed."""
        return 0


@dataclass(frozen=True)
class _Entry:
    order: int
    kind: DataKind


_REGISTRY: dict[str, dict[str, _Entry]] = {}


def register(scope: str, kind: DataKind, *, order: int = 50) -> DataKind:
    """Add (or replace, by identifier) a kind of data in `scope`; erasure runs in `order`."""
    _REGISTRY.setdefault(scope, {})[kind.identifier] = _Entry(order, kind)
    return kind


def kinds(scope: str) -> list[DataKind]:
    """The kinds registered in `scope`, in erasure order."""
    entries = sorted(_REGISTRY.get(scope, {}).values(), key=lambda entry: entry.order)
    return [entry.kind for entry in entries]


def export_kinds(scope: str, subject, *, records: str = "records") -> dict:
    """{identifier: {"name", "description" (if any), <records>: [...]}} for every kind."""
    data = {}
    for kind in kinds(scope):
        entry = {"name": str(kind.name)}
        if kind.description:
            entry["description"] = str(kind.description)
        entry[records] = kind.export(subject)
        data[kind.identifier] = entry
    return data


def erase_kinds(scope: str, subject) -> dict[str, int]:
    """Run every eraser of `scope` in order (the caller holds the transaction)."""
    return {kind.identifier: kind.erase(subject) for kind in kinds(scope)}
