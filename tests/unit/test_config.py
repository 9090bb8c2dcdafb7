from pathlib import Path

import pytest

from consult.config import (
    SETTINGS,
    ConfigurationError,
    instance_secret_key,
    load_settings,
    production_problems,
    settings_markdown,
)


def test_defaults_come_from_the_table():
    values = load_settings(environ={})
    assert values == {s.name: s.cast(s.default) for s in SETTINGS}
    assert values["PALABRE_DEFAULT_LANGUAGE"] == "fr"


def test_environment_then_overrides_win():
    values = load_settings(
        environ={"PALABRE_MAX_UPLOAD_MB": "3", "PALABRE_MAIL_USE_TLS": "false"},
        overrides={"PALABRE_MAX_UPLOAD_MB": 7},
    )
    assert values["PALABRE_MAX_UPLOAD_MB"] == 7
    assert values["PALABRE_MAIL_USE_TLS"] is False


def test_a_bad_value_names_its_setting():
    with pytest.raises(ConfigurationError, match="PALABRE_MAIL_PORT"):
        load_settings(environ={"PALABRE_MAIL_PORT": "vingt-cinq"})


@pytest.mark.parametrize("value", ["Production", "prod", "PRODUCTION", " production", "dev", ""])
def test_the_environment_is_exactly_development_or_production(value):
    with pytest.raises(ConfigurationError, match="PALABRE_ENV"):
        load_settings(environ={"PALABRE_ENV": value})
    assert load_settings(environ={"PALABRE_ENV": "production"})["PALABRE_ENV"] == "production"


def test_secret_key_is_generated_once_and_private(tmp_path: Path):
    first = instance_secret_key(tmp_path)
    assert len(first) >= 32
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_problems_name_the_setting_to_fix():
    values = load_settings(environ={}, overrides={"PALABRE_SECRET_KEY": "short"})
    problems = "\n".join(production_problems(values))
    assert "PALABRE_SECRET_KEY" in problems
    assert "PALABRE_BASE_URL" in problems
    secure = load_settings(
        environ={},
        overrides={"PALABRE_SECRET_KEY": "k" * 40, "PALABRE_BASE_URL": "https://coop.example"},
    )
    assert production_problems(secure) == []


def test_every_setting_is_in_the_markdown_table():
    table = settings_markdown()
    for setting in SETTINGS:
        assert f"`{setting.name}`" in table
