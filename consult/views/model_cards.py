"""The model card of a register entry, as PDF and JSON: the committee's, under /registre, and
the public one of the entries the public register shows, under /ia. Thin: call the service,
render the print template, hand the file over."""

import json
import re
import unicodedata

from flask import Blueprint, Response, render_template
from flask_login import current_user

from ethics_register import entry as catalogue
from ethics_register import review

from .. import reports
from ..access import COMMITTEE
from ..db import get_session
from ..extensions import limiter
from ..forms import ENTRY_STATUS_LABELS
from ..services import model_cards
from ..typography import french
from . import attachment, public_url, role_required

bp = Blueprint("model_cards", __name__, url_prefix="/registre")
public = Blueprint("public_model_cards", __name__, url_prefix="/ia")


@bp.app_template_filter("french")
def _french(text) -> str:
    """Plain text with French typography's spaces; applied before escaping, never to HTML."""
    return french(str(text)) if text is not None else ""


def file_name(card: model_cards.ModelCard, extension: str) -> str:
    """A download name anyone's system accepts: fiche-modele-12-nom-de-l-entree.pdf."""
    plain = unicodedata.normalize("NFKD", card.name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].rstrip("-")
    return f"fiche-modele-{card.entry_id}{'-' + words if words else ''}.{extension}"


def _download(body: bytes | str, name: str, mimetype: str) -> Response:
    return attachment(body, name, mimetype)


def _proposal_url(card: model_cards.ModelCard) -> str | None:
    if card.proposal is None:
        return None
    return public_url("proposals.show", proposal_id=card.proposal.id)


def _pdf(card: model_cards.ModelCard) -> Response:
    html = render_template(
        "register/model_card.html", card=card, public=card.audience == model_cards.PUBLIC_CARD,
        status_labels=ENTRY_STATUS_LABELS, labels=catalogue.CHOICE_LABELS,
        fields=catalogue.FIELDS, requirements=dict(review.REQUIREMENTS),
        review_labels=review.LABELS, proposal_url=_proposal_url(card),
        journal_url=public_url("journal.index"))
    return _download(reports.pdf_from_html(html), file_name(card, "pdf"), "application/pdf")


def _json(card: model_cards.ModelCard) -> Response:
    document = model_cards.model_card_json(card, proposal_url=_proposal_url(card))
    return _download(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                     file_name(card, "json"), "application/json")


@bp.get("/<int:entry_id>/fiche.pdf", endpoint="pdf")
@role_required(COMMITTEE)
def committee_pdf(entry_id: int):
    return _pdf(model_cards.model_card(get_session(), current_user, entry_id))


@bp.get("/<int:entry_id>/fiche.json", endpoint="json")
@role_required(COMMITTEE)
def committee_json(entry_id: int):
    return _json(model_cards.model_card(get_session(), current_user, entry_id))


# Printing takes a fraction of a second of a processor: a visitor, who needs no account, may not
# make the server print without end.
PUBLIC_PDF_LIMIT = "20 per minute"


@public.get("/<int:entry_id>/fiche.pdf", endpoint="pdf")
@limiter.limit(PUBLIC_PDF_LIMIT)
def public_pdf(entry_id: int):
    """The public card of an entry the public register shows; for anyone."""
    return _pdf(model_cards.public_model_card(get_session(), entry_id))


@public.get("/<int:entry_id>/fiche.json", endpoint="json")
def public_json(entry_id: int):
    return _json(model_cards.public_model_card(get_session(), entry_id))
