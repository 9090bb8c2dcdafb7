"""The forms of the theme explorer (Flask-WTF: every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from .services.workspace import LABEL_MAX, SUMMARY_MAX


class RenameForm(FlaskForm):
    label = StringField(_l("Nom du thème"), validators=[InputRequired(), Length(max=LABEL_MAX)])
    submit = SubmitField(_l("Renommer"))


class SummaryForm(FlaskForm):
    text = TextAreaField(_l("Résumé du thème"), validators=[Length(max=SUMMARY_MAX)],
                         description=_l("Ce que disent ses verbatims, en quelques phrases : il "
                                        "figure dans la synthèse."))
    submit = SubmitField(_l("Enregistrer le résumé"))


class MergeForm(FlaskForm):
    other = SelectField(_l("Thème à réunir avec celui-ci"), coerce=int,
                        validators=[InputRequired()])
    submit = SubmitField(_l("Réunir"))


class MoveForm(FlaskForm):
    contribution = HiddenField()
    destination = SelectField(_l("Déplacer vers"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Déplacer"))
