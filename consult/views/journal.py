"""The audit log's public page: its latest signed checkpoint and its public key, for anyone to
keep; proof files for the ethics committee."""

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user

from ..access import COMMITTEE
from ..db import get_session
from ..services import audit_log
from . import role_required

bp = Blueprint("journal", __name__, url_prefix="/journal")


def _signer():
    return audit_log.signer_for(current_app.config)


@bp.get("")
def index():
    page = audit_log.journal_page(get_session(), _signer())
    return render_template("journal/index.html", page=page)


@bp.get("/checkpoint.txt")
def checkpoint():
    latest = audit_log.latest_checkpoint(get_session())
    if latest is None:
        return Response("", status=404, mimetype="text/plain")
    return Response(latest.note, mimetype="text/plain",
                    headers={"Content-Disposition": "attachment; filename=checkpoint.txt"})


@bp.get("/key.pub")
def key():
    return Response(_signer().verifier().key() + "\n", mimetype="text/plain",
                    headers={"Content-Disposition": "attachment; filename=palabre.pub"})


@bp.get("/preuves/<int:index>.json")
@role_required(COMMITTEE)
def proof(index: int):
    document = audit_log.proof_for(get_session(), current_user, _signer(), index)
    return Response(audit_log.dumps(document), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=preuve-{index}.json"})
