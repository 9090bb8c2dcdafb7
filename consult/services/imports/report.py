"""What an import reports: its preview, its problems, where it goes and the limits it keeps."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...rules import Problem
from .. import ServiceError

FIELDS = ("text", "stance", "college", "date", "author")  # what a table's columns can hold
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class PreviewRow:
    """One contribution as the preview lists it."""

    line: int  # in the file; 0 for another tool's export
    text: str
    stance: str | None
    college: str | None
    date: datetime | str  # as the file wrote it, or the time another tool recorded
    author: str


@dataclass
class ImportReport:
    """What an import found and did (or would do, for a dry run)."""

    source: str
    contributions: int = 0
    votes: int = 0
    participants: int = 0
    problems: list[Problem] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    mapping: dict[str, str | None] = field(default_factory=dict)
    encoding: str = ""
    separator: str | None = None
    consultation_id: int | None = None
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Target:
    """Where the import goes: an existing consultation, or a new one with this title."""

    consultation_id: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class ImportLimits:
    """How much an import may read: rows of a table (ten times more for a Polis export, whose
    votes are many per comment) and bytes of a file; and the time zone of the dates a table
    writes without one (the cooperative's)."""

    max_rows: int = 100_000
    max_bytes: int = 10 * 1024 * 1024
    time_zone: str = "UTC"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "ImportLimits":
        """The limits the cooperative configured (PALABRE_MAX_IMPORT_ROWS, _MAX_UPLOAD_MB)."""
        return cls(
            max_rows=settings["PALABRE_MAX_IMPORT_ROWS"],
            max_bytes=settings["PALABRE_MAX_UPLOAD_MB"] * 1024 * 1024,
            time_zone=settings["PALABRE_TIMEZONE"],
        )

    @property
    def max_votes(self) -> int:
        return self.max_rows * 10


DEFAULT_LIMITS = ImportLimits()


class ImportRefused(ServiceError):
    """The file cannot be imported; `problems` says why, line by line."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(first.message, **first.params)
        self.problems = problems
