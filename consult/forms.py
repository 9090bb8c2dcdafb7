"""Web forms (Flask-WTF: every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .rules import PASSWORD_MIN_LENGTH, ROLES

ROLE_LABELS = {
    "member": _l("Membre"),
    "facilitator": _l("Animation"),
    "ethics": _l("Comité d'éthique"),
    "board": _l("Conseil"),
    "admin": _l("Administration"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[InputRequired(), Length(max=1000)])
    submit = SubmitField(_l("Se connecter"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[InputRequired(), Length(min=PASSWORD_MIN_LENGTH, max=1000)],
        description=_l("Au moins %(min)s caractères. Une phrase facile à retenir convient bien.",
                       min=PASSWORD_MIN_LENGTH),
    )
    confirmation = PasswordField(
        _l("Confirmez le mot de passe"), validators=[InputRequired(), Length(max=1000)]
    )
    submit = SubmitField(_l("Enregistrer le mot de passe"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Recevoir un lien"))


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _college_choices(colleges, empty_label):
    return options([("", empty_label)] + [(str(c.id), c.name) for c in colleges])


class InviteForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Nom affiché"), validators=[InputRequired(), Length(max=120)])
    college_id = SelectField(_l("Collège"), validators=[Optional()])
    roles = MultiCheckboxField(_l("Rôles"), default=["member"])
    submit = SubmitField(_l("Inviter"))

    def fill_choices(self, colleges):
        self.college_id.choices = _college_choices(colleges, _l("— Aucun collège —"))
        self.roles.choices = options((role, ROLE_LABELS[role]) for role in ROLES)


class MemberEditForm(FlaskForm):
    display_name = StringField(_l("Nom affiché"), validators=[InputRequired(), Length(max=120)])
    college_id = SelectField(_l("Collège"), validators=[Optional()])
    roles = MultiCheckboxField(_l("Rôles"))
    submit = SubmitField(_l("Enregistrer"))

    fill_choices = InviteForm.fill_choices


class MemberFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Rechercher (nom ou e-mail)"), validators=[Optional(), Length(max=100)])
    college = SelectField(_l("Collège"), validators=[Optional()])
    role = SelectField(_l("Rôle"), validators=[Optional()])
    status = SelectField(
        _l("État"),
        choices=options([("", _l("Tous")), ("active", _l("Actifs")),
                         ("inactive", _l("Désactivés"))]),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Filtrer"))

    def fill_choices(self, colleges):
        self.college.choices = _college_choices(colleges, _l("Tous les collèges"))
        self.role.choices = options(
            [("", _l("Tous les rôles"))] + [(role, ROLE_LABELS[role]) for role in ROLES]
        )


class ConfirmForm(FlaskForm):
    """A button-only form for actions (deactivate, renew an invitation, sign out)."""

    submit = SubmitField(_l("Confirmer"))


class CollegeForm(FlaskForm):
    name = StringField(_l("Nom du collège"), validators=[InputRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    vote_weight = IntegerField(
        _l("Poids de vote (%)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description=_l("Part des voix du collège en assemblée, en pour cent (de 10 à 50 pour cent en SCIC)."),
    )
    submit = SubmitField(_l("Enregistrer"))


class CooperativeForm(FlaskForm):
    name = StringField(_l("Nom de la coopérative"), validators=[InputRequired(), Length(max=200)])
    purpose = TextAreaField(_l("Objet"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Enregistrer"))
