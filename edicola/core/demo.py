"""Demo seeding: a registry the apps fill so `edicola seed_demo` asks rather than names them.

An app with demo content registers `register_seeder(name, function, order=50)` in its
AppConfig.ready(); `function(**options)` receives the command's options, creates only what is
missing (seeding runs on every `make run`) and returns a `Seeded`: counts of what it created, by
kind, and lines to print. `edicola seed_demo` builds the site itself, then runs the seeders in
ascending order.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Seeded:
    created: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Seeder:
    name: str
    function: Callable[..., Seeded]
    order: int = 50


_SEEDERS: dict[str, Seeder] = {}


def register_seeder(name: str, function: Callable[..., Seeded], *, order: int = 50) -> None:
    _SEEDERS[name] = Seeder(name, function, order)


def seeders() -> list[Seeder]:
    return sorted(_SEEDERS.values(), key=lambda seeder: seeder.order)
