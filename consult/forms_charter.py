"""The AI charter's forms: a draft (its summary and a repeatable set of principles, offered as
N slots in one form, so that no JavaScript is needed), opening it to consultation, withdrawing
it. The service validates the principles; its problems go back to their slots."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length

from .services.charter import RATIONALE_MAX, SUMMARY_MAX, TEXT_MAX, TITLE_MAX

STATUS_LABELS = {
    "draft": _l("projet"),
    "adopted": _l("en vigueur"),
    "superseded": _l("remplacée"),
    "withdrawn": _l("retiré"),
}
CHANGE_LABELS = {
    "added": _l("ajouté"),
    "removed": _l("retiré"),
    "changed": _l("modifié"),
    "same": _l("inchangé"),
}


class PrincipleForm(Form):
    """One slot: a principle, or nothing when left blank (no CSRF of its own: the draft's)."""

    title = StringField(_l("Titre"), render_kw={"maxlength": TITLE_MAX})
    text = TextAreaField(_l("Texte"), render_kw={"rows": 4, "maxlength": TEXT_MAX})
    rationale = TextAreaField(_l("Pourquoi ce principe (facultatif)"),
                              render_kw={"rows": 3, "maxlength": RATIONALE_MAX})


class DraftForm(FlaskForm):
    summary = TextAreaField(
        _l("Résumé de l'amendement"),
        description=_l("Ce que change l'amendement, en une phrase ou deux : il ouvre la "
                       "consultation et la motion."),
        render_kw={"rows": 2, "maxlength": SUMMARY_MAX})
    principles = FieldList(FormField(PrincipleForm), min_entries=0)
    submit = SubmitField(_l("Enregistrer le projet"))


def draft_form(slots: list[dict] | None = None, summary: str = "") -> DraftForm:
    """The draft's form: on a GET, ``slots`` filled in (the principles and blank ones); on a
    POST, what was sent, slot for slot."""
    if slots is None:
        return DraftForm()
    return DraftForm(formdata=None, data={"summary": summary, "principles": slots})


def slots_of(form: DraftForm) -> list[dict]:
    """The form's slots as the service reads them: {title, text, rationale}."""
    return [{name: entry.form[name].data or "" for name in ("title", "text", "rationale")}
            for entry in form.principles]


class OpenConsultationForm(FlaskForm):
    closes_at = DateTimeLocalField(
        _l("Clôture de la consultation"), validators=[InputRequired()],
        format="%Y-%m-%dT%H:%M",
        description=_l("La consultation s'ouvre tout de suite, à tous les collèges, et se "
                       "ferme seule à cette date."))
    submit = SubmitField(_l("Ouvrir la consultation"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Raison du retrait"),
                           validators=[InputRequired(), Length(max=500)],
                           render_kw={"rows": 2, "maxlength": 500})
    submit = SubmitField(_l("Retirer le projet"))

