"""`palabre register …`: the ethics committee's register from the command line."""

import hashlib
import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ethics_register.bias import MAX_BOOT, METRICS, MIN_COUNT, N_BOOT, Thresholds, bias_test
from ethics_register.predictions import predictions_from_table
from ethics_register.problems import InvalidPredictions

from .cli_nlp import CliError, format_failure

# The committee's file is read on its own machine: the web upload's limits do not apply.
MAX_ROWS = 2_000_000
MAX_BYTES = 1024 * 1024 * 1024

NAMES = {
    "selection_rate": "taux de sélection",
    "true_positive_rate": "taux de vrais positifs",
    "false_positive_rate": "taux de faux positifs",
    "false_negative_rate": "taux de faux négatifs",
    "precision": "précision",
    "accuracy": "exactitude",
}
VERDICTS = {"pass": "dans les seuils", "fail": "hors des seuils",
            "not_enough_data": "trop peu de données"}


@click.group("register")
def register_group() -> None:
    """The ethics committee's register (a bias test of a file needs no database)."""


@register_group.command("bias-test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--label", required=True, help="Column of the true outcomes (binary).")
@click.option("--prediction", help="Column of the model's predictions (binary).")
@click.option("--score", help="Column of the model's scores, predicted positive from --threshold.")
@click.option("--threshold", help="Score from which a prediction is positive (score ≥ "
              "threshold); in [0, 1] when the scores are.")
@click.option("--sensitive", multiple=True, required=True,
              help="Column of a sensitive attribute; repeat for several (their intersection "
              "is tested too).")
@click.option("--reference", multiple=True,
              help="Reference group, as GROUP or COLUMN=GROUP; repeatable. Default: each "
              "attribute's largest group.")
@click.option("--positive", help="The value that means positive in --label and --prediction "
              "(default: 1, true, yes, oui, vrai).")
@click.option("--bootstrap", "n_boot", default=N_BOOT, show_default=True,
              type=click.IntRange(0, MAX_BOOT), help="Bootstrap draws for the 95 % intervals "
              "(0: none).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--min-count", type=click.IntRange(min=1),
              help=f"Smallest denominator for a verdict; below it, not_enough_data (default: "
              f"the entry's approved minimum with --model, else {MIN_COUNT}).")
@click.option("--model", "model_id", type=click.IntRange(min=1),
              help="The register entry tested (its id): the test uses the thresholds the "
              "committee approved for it and is stored for its current version, with an audit "
              "event and a signed checkpoint.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@with_appcontext
def bias_test_command(file, label, prediction, score, threshold, sensitive, reference, positive,
                      n_boot, seed, min_count, model_id, as_json):
    """Bias test of a model's predictions in FILE (CSV or XLSX): metrics by group, intervals,
    differences and ratios to a reference group, and indicative verdicts."""
    if (prediction is None) == (score is None) or (score is None) != (threshold is None):
        raise click.UsageError("Donnez --prediction, ou --score avec --threshold / give "
                               "--prediction, or --score with --threshold.")
    from consult.formats.errors import FormatError
    from consult.formats.tables import read_table

    data = file.read_bytes()
    try:
        table = read_table(data, file.name, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
    except FormatError as error:
        raise format_failure(error) from error
    thresholds = Thresholds()
    if model_id is not None:
        thresholds, approved_min = _entry_thresholds(model_id)
        min_count = min_count or approved_min
    try:
        predictions = predictions_from_table(
            table.columns, table.rows, table.line_numbers, label=label, prediction=prediction,
            score=score, threshold=threshold, sensitive=sensitive, positive=positive,
            file_sha256=hashlib.sha256(data).hexdigest())
        result = bias_test(predictions, reference=list(reference) or None, n_boot=n_boot,
                           seed=seed, min_count=min_count or MIN_COUNT, thresholds=thresholds,
                           extra_parameters={"model": model_id, "file": file.name})
    except InvalidPredictions as error:
        raise CliError(" ".join(p.text for p in error.problems)) from error
    stored = _store(model_id, result, file.name) if model_id is not None else None
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        echo_bias_test(result)
        if stored is not None:
            click.echo(f"Test n° {stored.id} enregistré pour l'entrée {model_id}, version "
                       f"{stored.version} / stored.")


def _entry_thresholds(entry_id: int):
    from .db import get_session
    from .services import Refusal
    from .services.bias_tests import thresholds_of
    from .services.register import get_entry

    try:
        get_entry(get_session(), entry_id)
    except Refusal as error:
        raise CliError(f"{error.problem.text()} (--model {entry_id})") from error
    return thresholds_of(get_session(), entry_id)


def _store(entry_id: int, result, file_name: str):
    from flask import current_app

    from .db import get_session
    from .services.audit_log import signer_for
    from .services.bias_tests import record_result

    return record_result(get_session(), None, entry_id, result, signer_for(current_app.config),
                         file_name=file_name)


def echo_bias_test(result) -> None:
    """The result as a French table: per attribute, per group, each metric and its verdict."""
    parameters = result.parameters
    thresholds = parameters["thresholds"]
    click.echo(f"Test de biais · {_int(result.rows)} lignes · {_int(result.positives)} "
               f"positifs · fichier {parameters.get('file') or '—'} "
               f"(SHA-256 {(result.file_sha256 or result.dataset_sha256)[:16]}…)")
    click.echo(f"Seuils indicatifs, pas un test juridique : {_num(thresholds['ratio_min'], 2)} "
               f"≤ rapport ≤ {_num(thresholds['ratio_max'], 2)} et |écart| ≤ "
               f"{_num(thresholds['max_difference'], 2)} ; verdict à partir de "
               f"{parameters['min_count']} cas au dénominateur ; intervalles à "
               f"{parameters['confidence'] * 100:g} % sur {parameters['n_boot']} tirages, graine "
               f"{parameters['seed']}.")
    if parameters.get("model"):
        click.echo(f"Modèle : {parameters['model']}")
    for attribute in result.attributes:
        click.echo("")
        click.echo(f"« {attribute.name} » · référence : {attribute.reference}")
        for group in attribute.groups:
            counts = group.counts
            mark = " (référence)" if group.is_reference else ""
            click.echo(f"  {group.name}{mark} · n = {_int(counts['members'])} · VP "
                       f"{_int(counts['tp'])} · FP {_int(counts['fp'])} · FN "
                       f"{_int(counts['fn'])} · VN {_int(counts['tn'])}")
            for name in METRICS:
                click.echo("    " + _metric_line(name, group.metrics[name]))
    summary = result.to_json()["summary"]
    click.echo("")
    click.echo("Verdicts : " + ", ".join(f"{summary[v]} {VERDICTS[v]}" for v in VERDICTS) + ".")


def _metric_line(name: str, metric) -> str:
    interval = (f"[{_num(metric.interval[0])} ; {_num(metric.interval[1])}]"
                if metric.interval else "")
    value, denominator = _num(metric.value), _int(metric.denominator)
    line = f"{NAMES[name]:<24} {value:>6} {interval:<17} sur {denominator}"
    if metric.verdict is None:
        return line
    ratio = _num(metric.ratio, 2) if metric.ratio is not None else "—"
    difference = ("—" if metric.difference is None else
                  f"{metric.difference:+.3f}".replace(".", ","))
    return f"{line:<62} écart {difference:>6} · rapport {ratio:>4} · {VERDICTS[metric.verdict]}"


def _num(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _int(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # a narrow no-break space between thousands


@register_group.command("digest")
@click.option("--send", is_flag=True, help="Mail it to the ethics committee now (as the "
              "Monday job does), rather than only print it.")
@with_appcontext
def digest_command(send: bool) -> None:
    """The ethics committee's weekly digest: stale or missing bias tests, tests soon stale,
    entries waiting for an opinion."""
    from flask import current_app

    from . import jobs
    from .db import get_session
    from .services import register_digest

    config = current_app.config
    digest = register_digest.weekly_digest(get_session(),
                                           retest_days=config["PALABRE_RETEST_DAYS"])
    if digest.empty:
        click.echo("Rien à signaler : aucun test périmé, aucune entrée en attente d'avis / "
                   "nothing to report.")
        return
    base = (config["PALABRE_BASE_URL"] or "").rstrip("/")
    _subject, body = register_digest.digest_mail(digest, f"{base}/registre",
                                                 retest_days=config["PALABRE_RETEST_DAYS"])
    click.echo(body)
    if send:
        if not config["PALABRE_MAIL_SERVER"]:
            raise CliError("Aucun serveur de courrier configuré (PALABRE_MAIL_SERVER) / no "
                           "mail server configured.")
        sent = jobs.send_register_digest(get_session())
        click.echo(f"Envoyé à {sent} membre(s) du comité / sent.")
