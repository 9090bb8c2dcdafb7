"""Facilitators move contributions in and out: import with preview, export downloads."""

import io
import json
import re
import secrets
import tempfile
import zipfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from werkzeug.utils import secure_filename

from ..access import FACILITATION
from ..db import get_session
from ..forms import ConfirmForm, ExportForm, ImportForm
from ..rules import SETTLED
from ..services import ServiceError, exports, imports
from ..services import consultations as consultation_service
from ..services.imports import uploads
from . import flash_error, role_required

bp = Blueprint("transfer", __name__, url_prefix="/facilitate")


@bp.before_request
@role_required(FACILITATION)
def only_facilitators():
    """Imports and exports are for the facilitation team (and administrators)."""


def _uploads() -> Path:
    return uploads.uploads_folder(current_app.instance_path)


def _targets():
    return [
        c
        for c in consultation_service.list_all(get_session(), current_user)
        if c.status not in SETTLED
    ]


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Step 1: upload. The files wait in the instance folder for the preview and the commit."""
    form = ImportForm()
    form.fill_choices(_targets())
    if form.validate_on_submit():
        files = [f for f in form.files.data if f and f.filename]
        names = [secure_filename(f.filename) or "fichier" for f in files]
        if not files or not all(imports.accepts(n) for n in names):
            flash(gettext("Formats acceptés : CSV, TSV, XLSX ou JSON."), "error")
            return render_template("facilitate/import.html", form=form), 422
        if not form.consultation_id.data and not (form.title.data or "").strip():
            flash(
                gettext(
                    "Choisissez une consultation ou donnez un titre pour en créer une nouvelle."
                ),
                "error",
            )
            return render_template("facilitate/import.html", form=form), 422
        uploads.forget_old_uploads(current_app.instance_path)
        token = secrets.token_hex(16)
        folder = _uploads() / token
        try:
            (folder / "files").mkdir(parents=True)
            for upload, name in zip(files, names, strict=True):
                upload.save(folder / "files" / name)
            (folder / "meta.json").write_text(
                json.dumps(
                    {
                        "owner": current_user.ref,
                        "names": names,
                        "consultation_id": int(form.consultation_id.data)
                        if form.consultation_id.data
                        else None,
                        "title": (form.title.data or "").strip(),
                    }
                )
            )
        except OSError:
            uploads.discard(folder)  # a file cut short by a full disk is never previewed
            raise  # the error page says the disk is full (consult/views/__init__.py)
        return redirect(url_for("transfer.preview", token=token))
    status = 422 if request.method == "POST" else 200
    return render_template("facilitate/import.html", form=form), status


def _pending(token: str) -> tuple[Path, dict]:
    if not re.fullmatch(r"[0-9a-f]{32}", token):
        abort(404)
    folder = _uploads() / token
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        abort(404)
    meta = json.loads(meta_path.read_text())
    if meta["owner"] != current_user.ref:
        abort(403)
    return folder, meta


def _run(folder: Path, meta: dict, mapping: dict, dry_run: bool) -> imports.ImportReport:
    return imports.import_source(
        get_session(),
        current_user,
        folder / "files",
        target=imports.Target(meta["consultation_id"], meta["title"] or None),
        key=current_app.config["PALABRE_PSEUDONYM_KEY"],
        mapping=mapping,
        dry_run=dry_run,
        limits=imports.ImportLimits.from_settings(current_app.config),
        cache=folder / "read",
    )


def _mapping() -> dict:
    source = request.form if request.method == "POST" else request.args
    return {name: source.get(name) or None for name in imports.FIELDS if name in source}


@bp.get("/import/<token>")
def preview(token: str):
    """Step 2: the dry run: the rows that would come in and every problem, by line."""
    folder, meta = _pending(token)
    try:
        report = _run(folder, meta, _mapping(), dry_run=True)
    except imports.ImportRefused as error:
        report = imports.ImportReport(source="refused", problems=error.problems)
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("transfer.import_file"))
    return render_template(
        "facilitate/import_preview.html",
        report=report,
        token=token,
        meta=meta,
        fields=imports.FIELDS,
        action_form=ConfirmForm(),
    )


@bp.post("/import/<token>")
def commit(token: str):
    """Step 3: all or nothing."""
    folder, meta = _pending(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = _run(folder, meta, _mapping(), dry_run=False)
    except (imports.ImportRefused, ServiceError) as error:
        flash_error(error)
        return redirect(url_for("transfer.preview", token=token, **_mapping()))
    if not report.committed:
        flash(gettext("Rien n'a été importé : corrigez les erreurs signalées."), "error")
        return redirect(url_for("transfer.preview", token=token, **_mapping()))
    uploads.discard(folder)
    flash(
        gettext(
            "Import terminé : %(contributions)s contributions, %(votes)s votes, "
            "%(participants)s participants.",
            contributions=report.contributions,
            votes=report.votes,
            participants=report.participants,
        ),
        "success",
    )
    return redirect(url_for("facilitate.consultation", consultation_id=report.consultation_id))


@bp.post("/import/<token>/cancel")
def cancel(token: str):
    """Give up an import: the files sent are deleted at once."""
    folder, _meta = _pending(token)
    if ConfirmForm().validate_on_submit():
        uploads.discard(folder)
        flash(gettext("Import annulé : les fichiers envoyés sont effacés."), "success")
        return redirect(url_for("transfer.import_file"))
    return redirect(url_for("transfer.preview", token=token))


@bp.route("/consultations/<int:consultation_id>/export", methods=["GET", "POST"])
def export(consultation_id: int):
    db = get_session()
    consultation = consultation_service.get_consultation(db, consultation_id)
    form = ExportForm()
    form.fill_choices()
    if form.validate_on_submit():
        original = bool(form.original.data)
        stem = f"consultation-{consultation.id}"
        if form.format.data in ("contributions.csv", "votes.csv"):
            contributions, votes = exports.export_csv(
                db, current_user, consultation.id, original=original, wording=_wording()
            )
            body = contributions if form.format.data == "contributions.csv" else votes
            return _download(body, f"{stem}-{form.format.data}", "text/csv; charset=utf-8")
        if form.format.data == "json":
            return _download(
                exports.export_json(db, current_user, consultation.id, original=original),
                f"{stem}.json",
                "application/json",
            )
        with tempfile.TemporaryDirectory() as tmp:
            exports.export_polis(
                db, current_user, consultation.id, Path(tmp) / "polis", original=original
            )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted((Path(tmp) / "polis").iterdir()):
                    archive.write(path, f"{stem}-polis/{path.name}")
        return _download(buffer.getvalue(), f"{stem}-polis.zip", "application/zip")
    return render_template("facilitate/export.html", form=form, consultation=consultation)


def _wording() -> exports.CsvWording:
    """The CSV's headers and values in the page's language, its times in the cooperative's."""
    french = exports.FRENCH

    def translated(words):
        return {key: gettext(word) for key, word in words.items()}

    return exports.CsvWording(
        headers=translated(french.headers), stances=translated(french.stances),
        votes=translated(french.votes), yes=gettext(french.yes), no=gettext(french.no),
        time_zone=current_app.config["PALABRE_TIMEZONE"],
    )


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
