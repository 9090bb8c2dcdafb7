"""`palabre report`: a consultation's synthesis written to a file from the command line.

The format follows the file's extension (.pdf, .html, .json, .csv). By default the synthesis is
the draft of the latest analysis with its corrections; ``--run`` takes another done analysis,
``--published`` the latest published version (or ``--version N``). The bytes are those the
site hands over for the same choice.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from .cli_nlp import CliError

FORMATS = ("pdf", "html", "json", "csv")


@click.command("report")
@click.argument("consultation_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write: synthese.pdf, .html, .json or .csv.")
@click.option("--run", "run_id", type=int, help="A done analysis (default: the latest).")
@click.option("--published", is_flag=True, help="The latest published version.")
@click.option("--version", "version", type=int, help="A published version, by number.")
@with_appcontext
def report(consultation_id: int, out: Path, run_id: int | None, published: bool,
           version: int | None) -> None:
    """Écrire la synthèse d'une consultation / write a consultation's synthesis to a file."""
    from .db import get_session
    from .services import NotFound, ServiceError, synthesis
    from .views.synthesis import synthesis_file

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise CliError("Extension inconnue / unknown extension: "
                       f"{out.suffix or '(aucune)'} — .pdf, .html, .json ou .csv")
    session = get_session()
    with current_app.test_request_context("/"):
        try:
            if published or version is not None:
                view = synthesis.published_view(session, consultation_id, version)
            else:
                view = synthesis.draft(session, None, consultation_id, run_id,
                                       zone=ZoneInfo(current_app.config["PALABRE_TIMEZONE"]))
        except (NotFound, ServiceError) as error:
            raise CliError(str(error)) from error
        body, _name = synthesis_file(view, fmt)
    out.write_bytes(body)
    what = f"version {view.version}" if view.version else "brouillon / draft"
    click.echo(f"{out} : synthèse de la consultation {consultation_id} ({what}), "
               f"{len(body)} octets / bytes")
