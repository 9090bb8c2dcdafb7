"""The board's and the members' vote forms (Flask-WTF: every form carries a CSRF token), and
the labels of motions' values."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .forms import options

CHOICE_LABELS = {"pour": _l("Pour"), "contre": _l("Contre"), "abstention": _l("Abstention")}
BODY_LABELS = {"board": _l("Le conseil"), "assembly": _l("L'assemblée générale")}
METHOD_LABELS = {
    "college_weighted": _l("Pondéré par collège (statuts de SCIC)"),
    "one_member_one_vote": _l("Une personne, une voix"),
}
MAJORITY_LABELS = {
    "simple": _l("Majorité simple (plus de la moitié)"),
    "two_thirds": _l("Deux tiers"),
    "consent": _l("Consentement (adoptée sauf objection motivée)"),
}
SUBJECT_LABELS = {
    "free": _l("Texte libre"),
    "charter": _l("Version de la charte de l'IA"),
    "proposal": _l("Projet d'IA"),
    "register_entry": _l("Déploiement d'une entrée du registre"),
}
OUTCOME_LABELS = {
    "adopted": _l("Adoptée"),
    "rejected": _l("Rejetée"),
    "no_quorum": _l("Quorum non atteint"),
    "failed_empty_college": _l("Échouée : un collège sans suffrage exprimé"),
}
MOTION_STATUS_LABELS = {"open": _l("Ouverte"), "closed": _l("Close"),
                        "cancelled": _l("Annulée")}


class MotionForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[InputRequired(), Length(max=200)])
    text = TextAreaField(_l("Texte de la motion"),
                         validators=[InputRequired(), Length(max=20000)])
    subject = SelectField(_l("Objet"), default="free")
    subject_id = IntegerField(
        _l("Numéro de l'objet"), validators=[Optional(), NumberRange(min=1)],
        description=_l("Le numéro de la version de la charte, du projet ou de l'entrée du "
                       "registre (pas pour un texte libre)."))
    body = RadioField(_l("Instance qui vote"), default="board")
    method = RadioField(_l("Méthode de décompte"), default="college_weighted")
    majority = RadioField(_l("Majorité requise"), default="simple")
    quorum = DecimalField(
        _l("Quorum (pourcentage des membres de l'instance)"), default=0, places=None,
        validators=[InputRequired(), NumberRange(min=0, max=100)])
    college_quorum = DecimalField(
        _l("Quorum dans chaque collège (pourcentage de ses membres)"), default=0, places=None,
        validators=[InputRequired(), NumberRange(min=0, max=100)])
    secret = BooleanField(_l("Vote à bulletin secret"))
    opens_at = DateTimeLocalField(_l("Ouverture du vote"), format="%Y-%m-%dT%H:%M",
                                  validators=[Optional()],
                                  description=_l("Vide : tout de suite."))
    closes_at = DateTimeLocalField(_l("Clôture du vote"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired()])
    submit = SubmitField(_l("Ouvrir la motion"))

    def fill_choices(self):
        self.subject.choices = options(SUBJECT_LABELS.items())
        self.body.choices = options(BODY_LABELS.items())
        self.method.choices = options(METHOD_LABELS.items())
        self.majority.choices = options(MAJORITY_LABELS.items())
        return self


class BallotForm(FlaskForm):
    choice = RadioField(_l("Votre vote"), validators=[InputRequired()],
                        choices=options(CHOICE_LABELS.items()))
    reason = TextAreaField(_l("Motif (facultatif)"), validators=[Optional(), Length(max=2000)],
                           description=_l("Sous consentement, un vote contre motivé est une "
                                          "objection."))
    for_member = HiddenField()
    submit = SubmitField(_l("Voter"))


class ProxyForm(FlaskForm):
    holder = SelectField(_l("Donner mon pouvoir à"), validators=[InputRequired()],
                         validate_choice=False)
    submit = SubmitField(_l("Donner mon pouvoir"))


class RevokeProxyForm(FlaskForm):
    giver = HiddenField()
    submit = SubmitField(_l("Retirer le pouvoir"))


class OutcomeForm(FlaskForm):
    statement = TextAreaField(_l("Décision (relevé de la décision du conseil)"),
                              validators=[InputRequired(), Length(max=10000)])
    submit = SubmitField(_l("Enregistrer la décision"))


class CancelForm(FlaskForm):
    reason = StringField(_l("Raison de l'annulation"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Annuler la motion"))


class NonceForm(FlaskForm):
    nonce = StringField(_l("Code de votre reçu"), validators=[InputRequired(), Length(max=200)],
                        description=_l("Le code affiché quand vous avez voté."))
    submit = SubmitField(_l("Vérifier"))
