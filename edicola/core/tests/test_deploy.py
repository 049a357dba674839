"""The deployment files in deploy/ name only what exists: knobs of settings.py, our commands."""

import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def knobs() -> set[str]:
    """Every environment variable settings.py reads."""
    source = (ROOT / "edicola" / "settings.py").read_text()
    return set(re.findall(r'env(?:_bool|_list|_int|_float)?\(\s*"([A-Z0-9_]+)"', source))


def test_the_environment_example_sets_only_real_knobs():
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "edicola.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert names, "the example sets nothing"
    assert names - knobs() == set()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRUSTED_PROXIES"} <= names


def test_every_readme_knob_is_read_by_settings():
    readme = (ROOT / "README.md").read_text()
    table = re.findall(r"^\| `([A-Z0-9_]+)`", readme, re.M)
    assert set(table) - knobs() - {"PROMETHEUS_MULTIPROC_DIR"} == set()


def test_the_units_run_commands_we_have():
    commands = get_commands()
    for unit in ("edicola.service", "edicola-backup.service"):
        text = (DEPLOY / unit).read_text()
        for used in re.findall(r"\.venv/bin/edicola (\w+)", text):
            assert used in commands, f"{unit} runs edicola {used}, which does not exist"
    assert "OnCalendar=" in (DEPLOY / "edicola-backup.timer").read_text()
