"""The CSV export of a Polis conversation, read and written.

Polis (pol.is) exports a conversation as a folder of CSV files, UTF-8, comma
separated:

- comments.csv: timestamp, datetime, comment-id, author-id, agrees, disagrees,
  moderated (1 accepted, 0 not yet moderated, -1 rejected), comment-body;
- votes.csv: timestamp, datetime, comment-id, voter-id, vote (1 agree,
  -1 disagree, 0 pass). It is a log: a participant who changed their mind has
  several rows for the same comment, and the latest one counts;
- participants-votes.csv: one row per participant (participant, group-id,
  n-comments, n-votes, n-agree, n-disagree) then one column per comment id
  holding that participant's latest vote, blank if they never voted;
- summary.csv: key,value rows (topic, voters, comments, conversation-description…).

`timestamp` is in milliseconds since 1970-01-01 UTC. `datetime` repeats it as
text in the Polis server's time zone, so it is written for people and never read.
"""

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from consult.rules import N_, Problem

from .errors import FormatError, ProblemLog, fail
from .tables import Record, decode_text, detect_separator, iter_records

MAX_ROWS = 1_000_000  # per file
Getter = Callable[[str], str]  # a row's cell by column name, "" when missing

COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
# What reading needs, by name: Polis's exports have changed layout over the years (recent ones
# write comments.csv without `datetime` but with is-meta, is-seed, group-informed-consensus, and
# add `xid` to participants-votes.csv); other columns are read when present, or left aside.
COMMENT_COLUMNS_NEEDED = ("comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS_NEEDED = ("comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)  # then one column per comment id
VOTE_VALUES = (-1, 0, 1)  # disagree, pass, agree
MODERATION_VALUES = (-1, 0, 1)  # rejected, not yet moderated, accepted

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OLDEST = datetime.min.replace(tzinfo=UTC)  # a vote without a time counts as the oldest
# English names, as Java's Date.toString writes them, whatever the server's locale.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class PolisComment:
    """A statement submitted to the conversation; `created_at` is UTC."""

    comment_id: int
    author_id: int
    body: str
    moderated: int  # 1 accepted, 0 not yet moderated, -1 rejected
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class PolisVote:
    """One vote event: 1 agree, -1 disagree, 0 pass; `created_at` is UTC."""

    voter_id: int
    comment_id: int
    vote: int
    created_at: datetime | None


@dataclass(frozen=True)
class PolisExport:
    """A whole conversation as Polis exports it.

    `votes_are_events` is False when the votes were read from
    participants-votes.csv: then each is a participant's latest vote, without
    its time, and the earlier votes are unknown.
    """

    comments: tuple[PolisComment, ...]
    votes: tuple[PolisVote, ...]
    topic: str = ""
    description: str = ""
    votes_are_events: bool = True


def read_polis_export(folder: Path, *, max_rows: int = MAX_ROWS) -> PolisExport:
    """Read a Polis export folder; raise FormatError naming the file and line to fix.

    comments.csv is required. The votes come from votes.csv (every event,
    with its time) or, when it is missing, from participants-votes.csv (the
    latest votes only). summary.csv, optional, gives the topic and description.
    """
    folder = Path(folder)
    if not (folder / "comments.csv").is_file():
        raise fail(N_("Le dossier ne contient pas comments.csv : ce n'est pas un export Polis."))
    comments = _read_comments(folder / "comments.csv", max_rows)
    known = {comment.comment_id for comment in comments}
    if (folder / "votes.csv").is_file():
        votes, events = _read_votes(folder / "votes.csv", known, max_rows), True
    elif (folder / "participants-votes.csv").is_file():
        votes, events = (
            _read_participants(folder / "participants-votes.csv", known, max_rows),
            False,
        )
    else:
        raise fail(
            N_(
                "Le dossier ne contient ni votes.csv ni participants-votes.csv : les votes "
                "de l'export Polis manquent."
            )
        )
    summary = _read_summary(folder / "summary.csv") if (folder / "summary.csv").is_file() else {}
    return PolisExport(
        comments=comments,
        votes=votes,
        topic=summary.get("topic", ""),
        description=summary.get("conversation-description", ""),
        votes_are_events=events,
    )


def latest_votes(votes: Iterable[PolisVote]) -> dict[tuple[int, int], int]:
    """(voter_id, comment_id) → the vote that counts: the latest by time, then by order.

    A vote without a time counts as older than any vote with one.
    """
    latest: dict[tuple[int, int], tuple[datetime, int]] = {}
    for vote in votes:
        key = (vote.voter_id, vote.comment_id)
        when = vote.created_at or OLDEST
        if key not in latest or when >= latest[key][0]:  # on a tie, the later row wins
            latest[key] = (when, vote.vote)
    return {key: value for key, (_when, value) in latest.items()}


def write_polis_export(folder: Path, export: PolisExport) -> None:
    """Write the four CSV files of a Polis export into `folder` (created if needed).

    Columns and counts follow Polis: agrees and disagrees in comments.csv count
    every vote event, participants-votes.csv and its n-* columns the latest
    votes. group-id is left blank: opinion groups are not part of the export.
    When the votes are not events (read from participants-votes.csv), there is
    no log to write, so votes.csv is left out rather than invented.
    Bodies are written as they are, without the spreadsheet-formula guard of
    `csvout`, so that the files read back identical in Polis tools.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "comments.csv", COMMENT_COLUMNS, _comment_rows(export))
    if export.votes_are_events:
        _write(folder / "votes.csv", VOTE_COLUMNS, _vote_rows(export.votes))
    comment_ids = sorted(
        {c.comment_id for c in export.comments} | {v.comment_id for v in export.votes}
    )
    _write(
        folder / "participants-votes.csv",
        (*PARTICIPANT_COLUMNS, *map(str, comment_ids)),
        _participant_rows(export, comment_ids),
    )
    _write(folder / "summary.csv", None, _summary_rows(export))


# Reading


def _read_comments(path: Path, max_rows: int) -> tuple[PolisComment, ...]:
    problems = ProblemLog()
    comments, seen = [], set()
    _header, rows = _open(path, COMMENT_COLUMNS_NEEDED, max_rows)
    for line, get in rows:
        comment_id = _integer(problems, path, line, get, "comment-id")
        author_id = _integer(problems, path, line, get, "author-id")
        moderated = _choice(problems, path, line, get, "moderated", MODERATION_VALUES)
        created_at = _timestamp(problems, path, line, get)
        if comment_id is not None and comment_id in seen:
            problems.add(
                N_("%(file)s, ligne %(line)s : le commentaire %(comment)s apparaît deux fois."),
                file=path.name,
                line=line,
                comment=comment_id,
            )
        seen.add(comment_id)
        if None not in (comment_id, author_id, moderated):
            comments.append(
                PolisComment(comment_id, author_id, get("comment-body"), moderated, created_at)
            )
    problems.raise_if_any()
    return tuple(comments)


def _read_votes(path: Path, known: set[int], max_rows: int) -> tuple[PolisVote, ...]:
    problems = ProblemLog()
    votes = []
    _header, rows = _open(path, VOTE_COLUMNS_NEEDED, max_rows)
    for line, get in rows:
        comment_id = _integer(problems, path, line, get, "comment-id")
        voter_id = _integer(problems, path, line, get, "voter-id")
        vote = _choice(problems, path, line, get, "vote", VOTE_VALUES)
        created_at = _timestamp(problems, path, line, get)
        if comment_id is not None and comment_id not in known:
            _unknown_comment(problems, path, line, comment_id)
        elif None not in (voter_id, vote):
            votes.append(PolisVote(voter_id, comment_id, vote, created_at))
    problems.raise_if_any()
    return tuple(votes)


def _read_participants(path: Path, known: set[int], max_rows: int) -> tuple[PolisVote, ...]:
    problems = ProblemLog()
    votes = []
    header, rows = _open(path, PARTICIPANT_COLUMNS[:1], max_rows)
    comment_ids = {}
    for name in header:
        if not name.lstrip("-").isdigit():
            continue  # participant, xid, group-id, n-votes…: not a comment
        if int(name) not in known:
            problems.add(
                N_(
                    "%(file)s, ligne 1 : la colonne « %(column)s » n'est pas un "
                    "commentaire de comments.csv."
                ),
                file=path.name,
                column=name,
            )
        else:
            comment_ids[name] = int(name)
    problems.raise_if_any()
    for line, get in rows:
        voter_id = _integer(problems, path, line, get, "participant")
        for name, comment_id in comment_ids.items():
            if not get(name):
                continue  # never voted on this comment
            vote = _choice(problems, path, line, get, name, VOTE_VALUES)
            if None not in (voter_id, vote):
                votes.append(PolisVote(voter_id, comment_id, vote, None))
    problems.raise_if_any()
    return tuple(votes)


def _read_summary(path: Path) -> dict[str, str]:
    """summary.csv has no header: each row is a key and its value."""
    text = _text(path)
    try:
        records = iter_records(text, detect_separator(text))
        return {cells[0]: cells[1] for _line, cells in records if len(cells) > 1}
    except FormatError as error:
        raise _in_file(path, error) from error


def _open(
    path: Path, required: tuple[str, ...], max_rows: int
) -> tuple[list[str], Iterator[tuple[int, Getter]]]:
    """The header of a Polis CSV file, and its rows as (line, cell getter)."""
    text = _text(path)
    try:
        records = iter_records(text, detect_separator(text))
        first = next(records, None)
        if first is None:
            raise fail(N_("Le fichier est vide."))
        line, header = first
        missing = [name for name in required if name not in header]
        if missing:
            raise fail(
                N_("Ligne %(line)s : il manque les colonnes %(columns)s d'un export Polis."),
                line=line,
                columns=", ".join(f"« {name} »" for name in missing),
            )
    except FormatError as error:
        raise _in_file(path, error) from error
    return header, _getters(path, header, records, max_rows)


def _getters(
    path: Path, header: list[str], records: Iterator[Record], max_rows: int
) -> Iterator[tuple[int, Getter]]:
    index = {name: position for position, name in enumerate(header)}
    try:
        for count, (line, cells) in enumerate(records, start=1):
            if count > max_rows:
                raise fail(N_("Le fichier dépasse %(max)s lignes."), max=max_rows)
            yield line, _getter(index, cells)
    except FormatError as error:
        raise _in_file(path, error) from error


def _getter(index: dict[str, int], cells: list[str]) -> Getter:
    def get(column: str) -> str:
        position = index[column]
        return cells[position] if position < len(cells) else ""

    return get


def _text(path: Path) -> str:
    try:
        return decode_text(path.read_bytes())[0]
    except FormatError as error:
        raise _in_file(path, error) from error


def _in_file(path: Path, error: FormatError) -> FormatError:
    """The same problems, preceded by the file they were found in."""
    where = Problem(N_("Dans le fichier %(file)s :"), {"file": path.name})
    return FormatError([where, *error.problems])


def _integer(problems: ProblemLog, path: Path, line: int, get: Getter, column: str) -> int | None:
    text = get(column)
    try:
        return int(text)
    except ValueError:
        problems.add(
            N_(
                "%(file)s, ligne %(line)s : « %(value)s » n'est pas un nombre entier "
                "(colonne %(column)s)."
            ),
            file=path.name,
            line=line,
            value=text,
            column=column,
        )
        return None


def _choice(
    problems: ProblemLog, path: Path, line: int, get: Getter, column: str, allowed: tuple[int, ...]
) -> int | None:
    value = _integer(problems, path, line, get, column)
    if value is not None and value not in allowed:
        problems.add(
            N_(
                "%(file)s, ligne %(line)s : %(value)s n'est pas permis dans la colonne "
                "%(column)s (valeurs possibles : %(allowed)s)."
            ),
            file=path.name,
            line=line,
            value=value,
            column=column,
            allowed=", ".join(map(str, allowed)),
        )
        return None
    return value


def _timestamp(problems: ProblemLog, path: Path, line: int, get: Getter) -> datetime | None:
    if not get("timestamp"):
        return None
    milliseconds = _integer(problems, path, line, get, "timestamp")
    return None if milliseconds is None else EPOCH + timedelta(milliseconds=milliseconds)


def _unknown_comment(problems: ProblemLog, path: Path, line: int, comment_id: int) -> None:
    problems.add(
        N_("%(file)s, ligne %(line)s : le commentaire %(comment)s n'existe pas dans comments.csv."),
        file=path.name,
        line=line,
        comment=comment_id,
    )


# Writing


def _comment_rows(export: PolisExport) -> Iterator[list]:
    agrees = Counter(v.comment_id for v in export.votes if v.vote == 1)
    disagrees = Counter(v.comment_id for v in export.votes if v.vote == -1)
    for c in export.comments:
        yield [
            *_when(c.created_at),
            c.comment_id,
            c.author_id,
            agrees[c.comment_id],
            disagrees[c.comment_id],
            c.moderated,
            c.body,
        ]


def _vote_rows(votes: Iterable[PolisVote]) -> Iterator[list]:
    for v in votes:
        yield [*_when(v.created_at), v.comment_id, v.voter_id, v.vote]


def _participant_rows(export: PolisExport, comment_ids: list[int]) -> Iterator[list]:
    latest = latest_votes(export.votes)
    authored = Counter(c.author_id for c in export.comments)
    by_voter: dict[int, dict[int, int]] = {}
    for (voter_id, comment_id), vote in latest.items():
        by_voter.setdefault(voter_id, {})[comment_id] = vote
    for voter_id in sorted(by_voter):
        votes = by_voter[voter_id]
        counts = Counter(votes.values())
        yield [
            voter_id,
            "",
            authored[voter_id],
            len(votes),
            counts[1],
            counts[-1],
            *(votes.get(comment_id, "") for comment_id in comment_ids),
        ]


def _summary_rows(export: PolisExport) -> list[list]:
    return [
        ["topic", export.topic],
        ["voters", len({v.voter_id for v in export.votes})],
        ["commenters", len({c.author_id for c in export.comments})],
        ["comments", len(export.comments)],
        ["conversation-description", export.description],
    ]


def _when(moment: datetime | None) -> tuple[int | str, str]:
    """The timestamp and datetime columns: milliseconds, and Polis's text in UTC."""
    if moment is None:
        return "", ""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    text = (
        f"{DAY_NAMES[moment.weekday()]} {MONTH_NAMES[moment.month - 1]} {moment:%d %H:%M:%S} "
        f"UTC {moment.year}"
    )
    return (moment - EPOCH) // timedelta(milliseconds=1), text


def _write(path: Path, columns: tuple[str, ...] | None, rows: Iterable[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        if columns is not None:
            writer.writerow(columns)
        writer.writerows(rows)
