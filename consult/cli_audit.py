"""`palabre audit …`: the tamper-evident log from the command line.

``verify`` recomputes the whole history and names the first event that does not hold;
``verify-proof`` checks a proof file offline with the public key alone (no database needed);
``checkpoint`` signs the log now; ``public-key`` prints the key members keep; ``proof`` writes an
event's proof file; ``consistency`` prints the proof that an older log is a prefix of a newer.
"""

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ethics_register import CheckpointError, ProofError, Verifier, check_proof
from ethics_register.history import BUNDLE_FORMAT

from .cli_nlp import CliError


@click.group("audit")
def audit_group() -> None:
    """Journal d'audit infalsifiable / the tamper-evident audit log."""


def _signer():
    from .services.audit_log import signer_for

    return signer_for(current_app.config)


@audit_group.command("verify")
@click.option("--checkpoint", "kept", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="A signed checkpoint you kept, to check history against.")
@with_appcontext
def verify(kept: Path | None) -> None:
    """Recompute the whole log; name the first event altered, deleted, inserted or reordered."""
    from .db import get_session
    from .services.audit_log import verify_log

    verifier = _signer().verifier()
    try:
        result = verify_log(get_session(), verifier, kept.read_text() if kept else None)
    except CheckpointError as error:
        raise CliError(
            f"Point de contrôle invalide / invalid checkpoint ({kept}): {error}") from error
    report = result.report
    lines = problems_of(result)
    if lines:
        click.echo("\n".join(["ÉCHEC / FAILED", *lines]), err=True)
        sys.exit(1)
    click.echo(f"OK : {report.size} événements / events, racine / root {report.root.hex()}")
    click.echo(f"{report.checkpoints_checked} points de contrôle signés vérifiés / signed "
               f"checkpoints verified; {report.unsigned} événement(s) / event(s) after the "
               f"latest one.")
    if result.kept is not None:
        click.echo(f"Votre point de contrôle ({result.kept.size} événements) est cohérent / "
                   "your checkpoint is consistent with the log.")


@audit_group.command("checkpoint")
@with_appcontext
def checkpoint() -> None:
    """Sign a checkpoint of the log now and print it."""
    from .db import get_session
    from .services.audit_log import checkpoint_now

    click.echo(checkpoint_now(get_session(), _signer(), "manual").note, nl=False)


@audit_group.command("public-key")
@with_appcontext
def public_key() -> None:
    """Print the log's public key (signed-note verifier key)."""
    click.echo(_signer().verifier().key())


@audit_group.command("proof")
@click.argument("index", type=int)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: print).")
@with_appcontext
def proof(index: int, out: Path | None) -> None:
    """Write the self-contained proof file of event INDEX."""
    from .db import get_session
    from .services import NotFound
    from .services.audit_log import dumps, proof_file

    try:
        document = dumps(proof_file(get_session(), _signer(), index))
    except NotFound as error:
        raise CliError(str(error)) from error
    if out is None:
        click.echo(document, nl=False)
    else:
        out.write_text(document, encoding="utf-8")
        click.echo(f"Preuve écrite / proof written: {out}")


@audit_group.command("consistency")
@click.argument("old_size", type=int)
@click.argument("new_size", type=int)
@with_appcontext
def consistency(old_size: int, new_size: int) -> None:
    """Print the proof that the log of OLD_SIZE events is a prefix of the log of NEW_SIZE."""
    from .db import get_session
    from .services.audit_log import consistency as prove

    try:
        hashes = prove(get_session(), old_size, new_size)
    except ProofError as error:
        raise CliError(f"Preuve impossible / no such proof: {error}") from error
    click.echo(json.dumps({"old_size": old_size, "new_size": new_size, "proof": hashes}))


@audit_group.command("verify-proof")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key", required=True,
              help="The log's public key, or a file holding it (from its public page).")
def verify_proof(file: Path, key: str) -> None:
    """Check a proof file offline, with the log's public key alone."""
    text = Path(key).read_text().strip() if Path(key).is_file() else key
    try:
        verifier = Verifier.from_key(text)
        document = json.loads(file.read_text(encoding="utf-8"))
        # One proof file, or a bundle of them (a decision's traceability page gives one).
        proofs = (document.get("proofs") if isinstance(document, dict)
                  and document.get("format") == BUNDLE_FORMAT else [document])
        if not isinstance(proofs, list) or not proofs:
            raise ProofError("the bundle holds no proof")
        checked = []
        for number, proof in enumerate(proofs, 1):
            try:
                checked.append(check_proof(proof, verifier))
            except (CheckpointError, ProofError) as error:
                raise ProofError(f"proof {number} of {len(proofs)}: {error}") from error
    except (CheckpointError, ProofError, ValueError) as error:
        click.echo(f"ÉCHEC / FAILED: {error}", err=True)
        sys.exit(1)
    for signed, event in checked:
        click.echo(f"OK : l'événement {event['index']} ({event['type']}, {event['occurred_at']}) "
                   f"est dans le journal « {signed.origin} » de {signed.size} événements signé "
                   f"par cette clé / the event is in the log signed by this key.")


def problems_of(result) -> list[str]:
    """What a verification of the log found wrong, one line each (none when it holds): for
    `palabre audit verify` and for `palabre restore`."""
    from .services.audit_log import problem_text

    lines = []
    if result.forged:
        lines.append("Points de contrôle à la signature invalide / checkpoints with an invalid "
                     f"signature: {', '.join(map(str, result.forged))}")
    if result.report.problem is not None:
        lines.append("Historique modifié / history was changed: "
                     f"{problem_text(result.report.problem)}")
    elif not result.state_matches:
        lines.append("L'état enregistré du journal ne correspond pas aux événements / the "
                     "log's stored state does not match its events")
    return lines
