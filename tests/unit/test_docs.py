"""The documentation says what the code has: every setting, every command."""

from pathlib import Path

import click

from consult.cli import cli
from consult.config import SETTINGS, settings_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_admin_doc_has_the_generated_settings_table():
    text = (DOCS / "admin.md").read_text(encoding="utf-8")
    table = text.split("<!-- settings:start -->\n")[1].split("<!-- settings:end -->")[0]
    assert table.strip() == settings_markdown().strip(), "run: palabre settings --markdown"
    for setting in SETTINGS:
        assert f"`{setting.name}`" in table


def _commands(group: click.Group, prefix: str = ""):
    for name, command in group.commands.items():
        if name in {"run", "shell", "routes", "limiter"}:  # Flask and Flask-Limiter own these
            continue
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


def test_every_cli_command_is_documented():
    text = (DOCS / "admin.md").read_text(encoding="utf-8")
    commands = list(_commands(cli))
    assert "demo load" in commands
    for command in commands:
        assert f"`palabre {command}" in text, command
