"""`palabre nlp …`: theme analysis of any table of texts, or of a consultation."""

import csv
import io
import json
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import ScriptInfo

from nlp.themes import AUTO_QUALITY_LIMIT, LANGUAGES, MODES


class CliError(click.ClickException):
    """A refusal a command prints on one line, in French and English, exiting with status 2."""

    exit_code = 2


class StageProgress:
    """A one-line progress report on stderr, redrawn as the long stages advance."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.last = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        line = f"\r{stage:<14} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self.last:
            self.stream.write(line)
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
            self.last = line


def format_failure(error) -> CliError:
    """A file-format error as one CLI message listing every problem."""
    return CliError("; ".join(
        p.text() for p in error.problems))


def read_texts(path: Path, text_column: str) -> tuple[list[str], list[dict]]:
    """The texts of a CSV/TSV/XLSX/JSON file and its rows, in file order."""
    from .formats.errors import FormatError
    from .formats.tables import read_table

    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CliError(f"JSON illisible / unreadable JSON: {error}") from error
        rows = document.get("rows", document.get("contributions")) if isinstance(
            document, dict) else document
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise CliError("Le JSON doit être une liste d'objets "
                                       "/ the JSON must be a list of objects.")
        rows = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
        columns = list(dict.fromkeys(k for row in rows for k in row))
    else:
        try:
            table = read_table(data, path.name, max_rows=1_000_000,
                               max_bytes=1024 * 1024 * 1024)
        except FormatError as error:
            raise format_failure(error) from error
        rows, columns = [dict(r) for r in table.rows], list(table.columns)
    if text_column not in columns:
        raise CliError(
            f"Colonne « {text_column} » introuvable / column not found. "
            f"Colonnes / columns: {', '.join(columns) or '—'}")
    return [row.get(text_column, "") for row in rows], rows


def write_result(result, rows: list[dict], out: Path) -> None:
    """JSON: themes and per-row assignment; CSV: one row per input row, in input order."""
    document = result.to_json()
    labels = {theme.id: theme.label for theme in result.themes}
    if out.suffix.lower() == ".csv":
        buffer = io.StringIO()
        columns = list(dict.fromkeys(k for row in rows for k in row))
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["row", "theme_id", "theme_label", "strength", *columns])
        for index, (row, assignment) in enumerate(zip(rows, result.assignments, strict=True)):
            writer.writerow([index + 1, assignment.theme_id, labels.get(assignment.theme_id, ""),
                             f"{assignment.strength:.4f}", *[row.get(c, "") for c in columns]])
        out.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        out.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str),
                       encoding="utf-8")


def echo_themes(result, texts: list[str]) -> None:
    n = len(result.assignments)
    aside = result.set_aside
    click.echo(f"{len(result.themes)} thèmes · {n} verbatims · mode {result.mode} "
               f"({result.embedder})")
    click.echo(f"Mis de côté : {aside['too_short']} trop courts, {aside['outlier']} hors thème "
               f"({result.outlier_share:.0%}), {aside['duplicate']} doublons (rangés avec leur "
               "premier exemplaire)")
    to_check = sum(1 for theme in result.themes if theme.to_check)
    if to_check:
        click.echo(f"{to_check} thème(s) à vérifier : peu cohérents, la machine est incertaine")
    if result.message:
        click.echo(f"Remarque / note: {result.message_text or result.message}")
    for theme in result.themes:
        click.echo("")
        cohesion = "" if theme.cohesion is None else f" · cohésion {theme.cohesion:.2f}"
        flag = " · À VÉRIFIER" if theme.to_check else ""
        click.echo(f"[{theme.id}] {theme.label}  ({theme.size}{cohesion}){flag}")
        click.echo("    mots-clés : " + ", ".join(theme.keywords))
        for index in theme.representatives[:3]:
            text = " ".join(texts[index].split())
            click.echo("    « " + (text[:140] + "…" if len(text) > 140 else text) + " »")


def language_line(result, texts: list[str], lang: str | None) -> str:
    """"Langue détectée : anglais", "Langue : français (indiquée)"…"""
    from nlp.themes import NAMES, choose_language

    language = getattr(result, "language", None)
    detected = getattr(result, "language_detected", None)
    if language is None or detected is None:  # the analysis's own choice, made the same way
        choice = choose_language(texts, lang)
        language, detected = choice.language, choice.detected
    name = NAMES[language][0]
    if detected:
        return f"Langue détectée : {name}"
    if lang is not None:
        return f"Langue : {name} (indiquée)"
    return f"Langue : {name} (par défaut : trop peu de mots pour la reconnaître)"


@click.group("nlp")
def nlp_group() -> None:
    """Text analysis (no database needed for files)."""


@nlp_group.command("themes")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--text-column", default="text", show_default=True)
@click.option("--lang", default=None, type=click.Choice(LANGUAGES),
              help="Language of the texts: fr or en; detected from the texts when not given "
              "(files only).")
@click.option("--mode", default="auto", show_default=True, type=click.Choice(MODES),
              help=f"auto: quality up to {AUTO_QUALITY_LIMIT:,} verbatims, fast above; the result "
              "says which ran.")
@click.option("--themes", "n_themes", type=click.IntRange(min=1), help="Merge to N themes.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write result.json or result.csv.")
@click.option("--consultation", "consultation_id", type=int,
              help="Analyse a consultation of the database and store the run.")
@click.pass_context
def themes_command(ctx, file, text_column, lang, mode, n_themes, seed, out, consultation_id):
    """Group verbatims into themes: from FILE (CSV, TSV, XLSX, JSON) or --consultation ID."""
    if (file is None) == (consultation_id is None):
        raise click.UsageError("Donnez FILE ou --consultation ID / give FILE or --consultation ID.")
    if consultation_id is not None:
        _themes_of_consultation(ctx, consultation_id, mode, n_themes, seed, out)
        return
    from nlp.themes import find_themes

    texts, rows = read_texts(file, text_column)
    result = find_themes(texts, mode=mode, n_themes=n_themes, seed=seed,
                         progress=StageProgress(), lang=lang)
    click.echo(language_line(result, texts, lang))
    echo_themes(result, texts)
    if out:
        write_result(result, rows, out)
        click.echo(f"\n→ {out}")


def _themes_of_consultation(ctx, consultation_id, mode, n_themes, seed, out):
    from .db import get_session
    from .services import Refusal
    from .services.analysis import analyse_now

    info = ctx.ensure_object(ScriptInfo)
    app = info.load_app()
    with app.app_context():
        db = get_session()
        try:
            run = analyse_now(db, None, consultation_id, mode=mode, n_themes=n_themes, seed=seed,
                              progress=StageProgress(), stale_after=timedelta(
                                  minutes=app.config["PALABRE_ANALYSIS_STALE_MINUTES"]))
        except Refusal as error:
            raise CliError(str(error)) from error
        if run.status == "failed":
            raise CliError(f"L'analyse {run.id} a échoué / analysis {run.id} "
                                       f"failed: {run.error}")
        if run.status == "cancelled":
            raise CliError(f"L'analyse {run.id} a été annulée / analysis {run.id} was "
                           "cancelled.")
        document = json.loads(run.result)
        click.echo(f"Analyse {run.id} enregistrée / analysis {run.id} stored "
                   f"({run.seconds:.1f} s, {len(json.loads(run.contribution_ids))} "
                   "contributions).")
        for theme in document.get("themes", []):
            click.echo(f"[{theme['id']}] {theme['label']}  ({theme['size']})")
        if out:
            out.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
            click.echo(f"→ {out}")


def read_polis_votes(folder: Path):
    """(export, votes oldest first, moderated-out comment ids) of a Polis export folder."""
    from .formats.errors import FormatError
    from .formats.polis import OLDEST, read_polis_export

    try:
        export = read_polis_export(folder)
    except FormatError as error:
        raise format_failure(error) from error
    votes = sorted(export.votes, key=lambda vote: vote.created_at or OLDEST)
    rejected = [c.comment_id for c in export.comments if c.moderated == -1]
    # participants-votes.csv alone has no times: then there is no history to replay.
    timed = bool(votes) and all(v.created_at is not None for v in votes)
    times = [v.created_at.timestamp() for v in votes] if timed else None
    return export, [(v.voter_id, v.comment_id, v.vote) for v in votes], rejected, times


def echo_opinion(result, texts: dict) -> None:
    """Groups, then what everyone agrees on, what divides, and what each group stands for."""
    from nlp.opinion import group_name

    def quote(comment_id) -> str:
        text = " ".join(str(texts.get(comment_id, "")).split())
        return f"#{comment_id} « {text[:120] + '…' if len(text) > 120 else text} »"

    def share(statement) -> str:
        word = "d'accord / agree" if statement.direction == "agree" else \
            "pas d'accord / disagree"
        return f"{statement.n_success}/{statement.n_trials} {word}"

    groups = result.groups
    click.echo(f"{result.n_participants} participants · {len(result.comment_ids)} commentaires "
               f"/ comments · {result.n_votes} votes · {len(groups.participant_ids)} classés "
               f"/ clustered · {groups.updates} mise(s) à jour / update(s)")
    if groups.message:
        click.echo(f"Pas de groupes / no groups: {groups.message_text}")
    else:
        sizes = ", ".join(f"{name} ({len(members)})" for name, members in
                          sorted((group_name(label), m) for label, m in groups.members().items()))
        click.echo(f"{groups.k} groupes d'opinion / opinion groups: {sizes}")
    click.echo("\nCe que la majorité approuve / majority agrees:")
    for statement in result.majority["agree"] or []:
        click.echo(f"  {quote(statement.comment_id)} — {share(statement)}")
    if not result.majority["agree"]:
        click.echo("  —")
    click.echo("Ce que la majorité rejette / majority disagrees:")
    for statement in result.majority["disagree"]:
        click.echo(f"  {quote(statement.comment_id)} — {share(statement)}")
    if not result.majority["disagree"]:
        click.echo("  —")
    if groups.message:
        return
    click.echo("\nConsensus entre groupes / group-informed consensus:")
    for comment, value in sorted(result.consensus.items(), key=lambda item: -item[1])[:5]:
        click.echo(f"  {quote(comment)} — {value:.3f}")
    click.echo("\nCe qui divise / divisive:")
    for row in result.divisive:
        by_group = ", ".join(f"{group_name(g)} {p:.0%}" for g, p in row["agree_by_group"].items())
        click.echo(f"  {quote(row['comment_id'])} — {by_group}")
    for label, statements in sorted(result.representative.items()):
        click.echo(f"\nGroupe / group {group_name(label)} :")
        for statement in statements:
            click.echo(f"  {quote(statement.comment_id)} — {share(statement)}")


@nlp_group.command("opinion")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@click.option("--window", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True,
              help="Replay Polis's updates, one for every SECONDS of votes (votes.csv has times).")
@click.option("--one-update", is_flag=True,
              help="Cluster once from all the votes instead of replaying the updates.")
def opinion_command(folder, as_json, window, one_update):
    """Opinion groups, consensus, divisive and representative comments of a Polis export.

    FOLDER holds comments.csv and votes.csv (or participants-votes.csv). Like Polis, the groups
    are updated as the votes arrive, replayed from votes.csv's times.
    """
    from nlp.opinion import analyse_opinion

    export, votes, rejected, times = read_polis_votes(folder)
    comment_ids = sorted(c.comment_id for c in export.comments)
    result = analyse_opinion(votes, comment_ids, rejected,
                             times=None if one_update else times, window=window)
    if as_json:
        document = {"topic": export.topic, **result.to_json()}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    if export.topic:
        click.echo(export.topic)
    echo_opinion(result, {c.comment_id: c.body for c in export.comments})
