"""Palabre's settings, kept as data.

Each setting has a name, a default and a help text. The same table feeds the
application, the production checks and the settings table in docs/admin.md
(`palabre settings --markdown` prints it; a test keeps the docs in step).
Every setting is read from the environment variable of the same name.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _int(value: str | int) -> int:
    return int(value)


def _str(value: Any) -> str:
    return "" if value is None else str(value)


ENVIRONMENTS = ("development", "production")


def _environment(value: str) -> str:
    """Exactly `development` or `production`: "Production" or "prod" would silently run in
    development mode, without the production checks."""
    if value not in ENVIRONMENTS:
        raise ValueError("development ou production / development or production")
    return value


def _empty_college(value: str) -> str:
    if value not in ("redistribute", "fail"):
        raise ValueError("redistribute ou fail / redistribute or fail")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its environment name, default value and what it does."""

    name: str
    default: Any
    help: str
    cast: Callable[[Any], Any] = _str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PALABRE_INSTANCE_PATH",
        "",
        "Folder for this installation's own files: the SQLite database, the generated secret "
        "key, the SQLite job queue, the demo password. Empty: `instance/` in the checkout.",
    ),
    Setting(
        "PALABRE_ENV",
        "development",
        "`development` or `production`, exactly (anything else is refused). In production "
        "Palabre refuses to start on an insecure configuration and names the setting to fix.",
        _environment,
    ),
    Setting(
        "PALABRE_DATABASE_URL",
        "",
        "SQLAlchemy database URL. Empty: a SQLite file `instance/palabre.sqlite3`. "
        "Production: `postgresql+psycopg://user:password@host/dbname`.",
    ),
    Setting(
        "PALABRE_SECRET_KEY",
        "",
        "Key that signs sessions and CSRF tokens. Empty: generated once and kept in "
        "`instance/secret_key`. Production: at least 32 characters.",
        secret=True,
    ),
    Setting(
        "PALABRE_PSEUDONYM_KEY",
        "",
        "Key from which each member's pseudonym in a consultation is derived (HMAC-SHA-256). "
        "Empty: generated once and kept in `instance/pseudonym_key`. Never change it once "
        "consultations have started: members would lose the link to their contributions.",
        secret=True,
    ),
    Setting(
        "PALABRE_BASE_URL",
        "",
        "Public address of the site, used in the links of invitations and password resets. "
        "Empty (development only): the address the administrator's browser used, whatever "
        "port `palabre serve` listens on. Production: must be set, starting with `https://`.",
    ),
    Setting(
        "PALABRE_LOG_ORIGIN",
        "",
        "Name of the audit log: the first line of its signed checkpoints and the name of its "
        "Ed25519 key (no space, no `+`). Empty: the host of `PALABRE_BASE_URL` followed by "
        "`/palabre`, or `palabre.localhost` without one. Read when the key is created in "
        "`instance/audit_log.key`; the key keeps its name afterwards.",
    ),
    Setting(
        "PALABRE_REDIS_URL",
        "",
        "Redis URL (e.g. `redis://127.0.0.1:6379/0`). When set, the login rate limiter and the "
        "job queue use Redis; otherwise memory and a SQLite file in `instance/`.",
    ),
    Setting(
        "PALABRE_JOBS_IMMEDIATE",
        False,
        "Run background jobs (e-mails, analyses) at once, in the process that asks for them, "
        "instead of queueing them for `palabre worker` (Huey's immediate mode). For tests and "
        "debugging: a page then waits for the analysis it started.",
        _bool,
    ),
    Setting(
        "PALABRE_LOGIN_RATE_LIMIT",
        "5 per minute; 30 per hour",
        "Failed sign-in attempts allowed per client address (Flask-Limiter notation); "
        "successful ones do not count, so members sharing an office connection are not locked "
        "out. Also the limit of password-reset requests.",
    ),
    Setting(
        "PALABRE_LOGIN_ACCOUNT_RATE_LIMIT",
        "5 per minute; 20 per hour",
        "Failed sign-in attempts allowed per account, from any address (Flask-Limiter "
        "notation).",
    ),
    Setting(
        "PALABRE_TRUSTED_PROXIES",
        "",
        "Addresses of the reverse proxies in front of Palabre, separated by commas (e.g. "
        "`127.0.0.1`). Only a request coming from one of them has its `X-Forwarded-For`, "
        "`X-Forwarded-Proto` and `X-Forwarded-Host` believed (werkzeug's ProxyFix), so that "
        "limits count each client's own address. Empty: no proxy is trusted.",
    ),
    Setting(
        "PALABRE_MAIL_SERVER",
        "",
        "SMTP server. Empty: no e-mail is sent; invitation and reset links are shown to the "
        "administrator instead.",
    ),
    Setting("PALABRE_MAIL_PORT", 587, "SMTP port.", _int),
    Setting("PALABRE_MAIL_USERNAME", "", "SMTP user name (empty: no authentication)."),
    Setting("PALABRE_MAIL_PASSWORD", "", "SMTP password.", secret=True),
    Setting("PALABRE_MAIL_USE_TLS", True, "Use STARTTLS with the SMTP server.", _bool),
    Setting(
        "PALABRE_MAIL_SENDER",
        "palabre@localhost",
        "Sender address of the e-mails Palabre sends.",
    ),
    Setting(
        "PALABRE_DEFAULT_LANGUAGE",
        "fr",
        "Interface language for visitors who have not chosen one: `fr` or `en`.",
    ),
    Setting(
        "PALABRE_TIMEZONE",
        "Europe/Paris",
        "Time zone in which dates are shown and typed (IANA name).",
    ),
    Setting(
        "PALABRE_MAX_UPLOAD_MB",
        10,
        "Largest accepted request body, in megabytes (imports included).",
        _int,
    ),
    Setting(
        "PALABRE_MAX_IMPORT_ROWS",
        100_000,
        "Largest number of rows accepted in one import.",
        _int,
    ),
    Setting(
        "PALABRE_AUTO_HIDE_REPORTS",
        3,
        "A contribution reported by this many members is hidden until a facilitator reviews "
        "it (0: never hide automatically).",
        _int,
    ),
    Setting(
        "PALABRE_ANALYSIS_STALE_MINUTES",
        5,
        "An analysis whose worker gave no sign of life for this many minutes (it writes one "
        "every 30 seconds) is marked failed, and a new one can be started. A worker that "
        "stopped on this machine is noticed at once.",
        _int,
    ),
    Setting(
        "PALABRE_RETENTION_MONTHS",
        36,
        "How long contributions are kept after a consultation closes, in months; stated in "
        "the consent notice members accept.",
        _int,
    ),
    Setting(
        "PALABRE_INVITATION_HOURS",
        168,
        "Validity of an invitation link, in hours.",
        _int,
    ),
    Setting(
        "PALABRE_PASSWORD_RESET_HOURS",
        2,
        "Validity of a password-reset link, in hours.",
        _int,
    ),
    Setting(
        "PALABRE_MAX_PROXIES",
        2,
        "Proxies (pouvoirs) a member may hold for one general-assembly motion, as the "
        "statutes say.",
        _int,
    ),
    Setting(
        "PALABRE_EMPTY_COLLEGE",
        "redistribute",
        "What a college-weighted vote does with a college where nobody expressed a vote, as "
        "the statutes say: `redistribute` its weight among the other colleges, or `fail` the "
        "motion.",
        _empty_college,
    ),
    Setting(
        "PALABRE_RETEST_DAYS",
        180,
        "Age, in days, past which a model's bias test is stale: the deployment gate refuses "
        "it and the weekly digest names the model.",
        _int,
    ),
    Setting(
        "PALABRE_SESSION_HOURS",
        12,
        "How long a sign-in lasts without activity, in hours.",
        _int,
    ),
)

SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}
LANGUAGES = ("fr", "en")


class ConfigurationError(RuntimeError):
    """Raised when Palabre must not start with the configuration it was given."""


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return every setting's value: default, then environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = setting.default
        if setting.name in environ:
            raw = environ[setting.name]
        if setting.name in overrides:
            raw = overrides[setting.name]
        try:
            values[setting.name] = setting.cast(raw)
        except (TypeError, ValueError) as error:
            raise ConfigurationError(
                f"{setting.name}: valeur invalide {raw!r} / invalid value ({error})"
            ) from error
    return values


def instance_secret_key(instance_path: str | Path, name: str = "secret_key") -> str:
    """Read the key kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created readable by its owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def production_problems(values: Mapping[str, Any]) -> list[str]:
    """Name each setting that makes a production configuration insecure."""
    problems = []
    if len(values.get("PALABRE_SECRET_KEY") or "") < 32:
        problems.append(
            "PALABRE_SECRET_KEY : définissez une clé d'au moins 32 caractères "
            "/ set a key of at least 32 characters"
        )
    if not str(values.get("PALABRE_BASE_URL", "")).startswith("https://"):
        problems.append(
            "PALABRE_BASE_URL : le site doit être servi en https:// "
            "/ the site must be served over https://"
        )
    if values.get("PALABRE_MAIL_SERVER") and not values.get("PALABRE_MAIL_USE_TLS"):
        problems.append(
            "PALABRE_MAIL_USE_TLS : activez TLS pour envoyer des e-mails "
            "/ enable TLS to send e-mail"
        )
    if values.get("PALABRE_DEFAULT_LANGUAGE") not in LANGUAGES:
        problems.append("PALABRE_DEFAULT_LANGUAGE : fr ou en / fr or en")
    return problems


def settings_markdown() -> str:
    """The settings table as Markdown, for docs/admin.md."""
    lines = ["| Setting | Default | What it does |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = "" if setting.default in ("", None) else f"`{setting.default}`"
        lines.append(f"| `{setting.name}` | {default} | {setting.help} |")
    return "\n".join(lines)
