"""Web forms (Flask-WTF: every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .access import ROLES
from .rules import PASSWORD_MIN_LENGTH

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
        description=_l(
            "Au moins %(min)s caractères. Une phrase facile à retenir convient bien.",
            min=PASSWORD_MIN_LENGTH,
        ),
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
        choices=options(
            [("", _l("Tous")), ("active", _l("Actifs")), ("inactive", _l("Désactivés"))]
        ),
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
        description=_l(
            "Part des voix du collège en assemblée, en pour cent (de 10 à 50 pour cent en SCIC)."
        ),
    )
    submit = SubmitField(_l("Enregistrer"))


class CooperativeForm(FlaskForm):
    name = StringField(_l("Nom de la coopérative"), validators=[InputRequired(), Length(max=200)])
    purpose = TextAreaField(_l("Objet"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Enregistrer"))


# --- Consultations -------------------------------------------------------------------

STANCE_LABELS = {
    "for": _l("Pour"),
    "mixed": _l("Mitigé"),
    "against": _l("Contre"),
    "strongly_agree": _l("Tout à fait d'accord"),
    "agree": _l("Plutôt d'accord"),
    "neutral": _l("Ni d'accord ni en désaccord"),
    "disagree": _l("Plutôt pas d'accord"),
    "strongly_disagree": _l("Pas du tout d'accord"),
}
ANONYMITY_LABELS = {
    "named": _l("Nominative : les noms sont visibles"),
    "pseudonymous": _l("Pseudonyme : les membres voient un pseudonyme, l'animation voit les noms"),
    "anonymous": _l("Anonyme : personne ne voit qui a écrit quoi, définitivement"),
}
SCALE_LABELS = {
    "none": _l("Pas de position"),
    "three": _l("Pour / mitigé / contre"),
    "five": _l("Échelle d'accord en 5 points"),
}
STATUS_LABELS = {
    "draft": _l("En préparation"),
    "scheduled": _l("Programmée"),
    "open": _l("Ouverte"),
    "closed": _l("Close"),
    "analysed": _l("Analysée"),
    "published": _l("Publiée"),
}
VOTE_LABELS = {1: _l("D'accord"), -1: _l("Pas d'accord"), 0: _l("Je passe")}


class ConsultationForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[InputRequired(), Length(max=200)])
    question = TextAreaField(_l("Question posée"), validators=[InputRequired(), Length(max=2000)])
    description = TextAreaField(
        _l("Contexte"),
        validators=[Optional(), Length(max=10000)],
        description=_l("Ce que les membres doivent savoir pour répondre."),
    )
    opens_at = DateTimeLocalField(
        _l("Ouverture (facultatif)"), validators=[Optional()], format="%Y-%m-%dT%H:%M"
    )
    closes_at = DateTimeLocalField(
        _l("Clôture (facultatif)"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("La consultation se ferme seule à cette date."),
    )
    anonymity = RadioField(_l("Anonymat"), default="pseudonymous")
    stance_scale = RadioField(_l("Position demandée"), default="three")
    colleges = MultiCheckboxField(_l("Collèges invités"))
    submit = SubmitField(_l("Enregistrer"))

    def fill_choices(self, colleges):
        self.anonymity.choices = options(ANONYMITY_LABELS.items())
        self.stance_scale.choices = options(SCALE_LABELS.items())
        self.colleges.choices = options((str(c.id), c.name) for c in colleges)


class ConsentForm(FlaskForm):
    accept = BooleanField(_l("J'ai lu cette notice et je l'accepte"), validators=[InputRequired()])
    submit = SubmitField(_l("Continuer"))


class ContributionForm(FlaskForm):
    text = TextAreaField(
        _l("Votre contribution"),
        validators=[InputRequired(), Length(max=5000)],
        description=_l("Avec vos mots, jusqu'à 5 000 caractères."),
    )
    stance = RadioField(_l("Votre position"), validators=[Optional()], validate_choice=False)
    submission_key = HiddenField()
    submit = SubmitField(_l("Envoyer"))

    def fill_choices(self, scale_values):
        self.stance.choices = options(
            [("", _l("Sans position"))] + [(v, STANCE_LABELS[v]) for v in scale_values]
        )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Raison"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Confirmer"))


class ProposalForm(FlaskForm):
    title = StringField(_l("Titre du projet"), validators=[InputRequired(), Length(max=200)])
    need = TextAreaField(
        _l("Le besoin ou le problème"),
        validators=[InputRequired(), Length(max=5000)],
        description=_l("Quelle difficulté, pour qui, aujourd'hui ?"),
    )
    benefits = TextAreaField(
        _l("Les bénéfices attendus pour l'intérêt collectif"),
        validators=[InputRequired(), Length(max=5000)],
    )
    affected = TextAreaField(
        _l("Les personnes et les collèges concernés"),
        validators=[InputRequired(), Length(max=5000)],
    )
    data_used = TextAreaField(
        _l("Les données utilisées"), validators=[InputRequired(), Length(max=5000)]
    )
    personal_data = BooleanField(_l("Le projet utiliserait des données personnelles"))
    sensitive_data = BooleanField(_l("dont des données sensibles (santé, opinions, origine…)"))
    risks = TextAreaField(
        _l("Les risques"),
        validators=[InputRequired(), Length(max=5000)],
        description=_l("Biais, vie privée, emplois, dépendance à un fournisseur…"),
    )
    environmental_cost = TextAreaField(
        _l("Le coût environnemental"), validators=[InputRequired(), Length(max=5000)]
    )
    alternatives = TextAreaField(
        _l("Les alternatives sans IA"), validators=[InputRequired(), Length(max=5000)]
    )
    submission_key = HiddenField()
    submit = SubmitField(_l("Soumettre la proposition"))


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Votre commentaire"), validators=[InputRequired(), Length(max=5000)])
    submission_key = HiddenField()
    submit = SubmitField(_l("Commenter"))


class EraseForm(FlaskForm):
    password = PasswordField(_l("Votre mot de passe"), validators=[InputRequired()])
    delete_contributions = BooleanField(
        _l("Supprimer aussi mes contributions et commentaires (sinon ils restent, anonymisés)")
    )
    confirm = BooleanField(
        _l("Je comprends que l'effacement est définitif"), validators=[InputRequired()]
    )
    submit = SubmitField(_l("Effacer mon compte"))


class ImportForm(FlaskForm):
    files = MultipleFileField(
        _l("Fichier(s)"),
        validators=[InputRequired()],
        description=_l(
            "Un fichier CSV ou XLSX, un export de commentaires Decidim (CSV ou JSON), "
            "ou, pour Polis, comments.csv et votes.csv sélectionnés ensemble."
        ),
    )
    consultation_id = SelectField(_l("Consultation"), validators=[Optional()])
    title = StringField(
        _l("Ou titre d'une nouvelle consultation"), validators=[Optional(), Length(max=200)]
    )
    submit = SubmitField(_l("Prévisualiser"))

    def fill_choices(self, consultations):
        self.consultation_id.choices = options(
            [("", _l("— Nouvelle consultation —"))] + [(str(c.id), c.title) for c in consultations]
        )


class ExportForm(FlaskForm):
    format = RadioField(_l("Format"), default="contributions.csv", choices=[])
    original = BooleanField(_l("Textes d'origine, sans masquer les données personnelles"))
    submit = SubmitField(_l("Télécharger"))

    def fill_choices(self):
        self.format.choices = options(
            [
                ("contributions.csv", _l("Contributions et positions (CSV pour tableur)")),
                ("votes.csv", _l("Votes (CSV pour tableur)")),
                ("json", _l("Contributions et votes (JSON)")),
                ("polis", _l("Format d'export de Polis (dossier zippé)")),
            ]
        )


# --- The ethics register ---------------------------------------------------------------

ENTRY_STATUS_LABELS = {
    "proposed": _l("proposée"),
    "in_review": _l("en examen"),
    "approved": _l("approuvée"),
    "deployed": _l("déployée"),
    "suspended": _l("suspendue"),
    "retired": _l("retirée"),
}


def entry_form(catalogue, choice_labels, data=None):
    """The register entry's form, built from ethics_register.entry's catalogue: one field per
    entry field, in its groups. The service validates; its problems go back to the fields."""
    from flask_babel import gettext

    class EntryForm(FlaskForm):
        pass

    for group in catalogue:
        for spec in group.fields:
            label = _l(spec.label)
            if spec.kind == "choice":
                choices = [("", "—")] + [(c, _l(choice_labels[c])) for c in spec.choices]
                field = SelectField(label, choices=options(choices), default="")
            elif spec.kind == "long":
                field = TextAreaField(label, render_kw={"rows": 3, "maxlength": spec.max_length})
            else:
                field = StringField(label, render_kw={"maxlength": spec.max_length})
            if spec.required:
                field.kwargs["description"] = gettext("Obligatoire.")
            setattr(EntryForm, spec.name, field)
    return EntryForm(data=data)


class StatusForm(FlaskForm):
    status = SelectField(_l("Nouvel état"), choices=[])
    reason = TextAreaField(_l("Raison"), validators=[InputRequired(), Length(max=500)],
                           render_kw={"rows": 2})


class RegisterFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    status = SelectField(_l("État"), choices=[], default="")
    tier = SelectField(_l("Niveau de risque"), choices=[], default="")
    stale = BooleanField(_l("Seulement les tests de biais périmés ou absents"))


def review_form(requirements, labels, answers, opinions):
    """The ALTAI review's form: an answer and notes per requirement, then the opinion."""

    class ReviewForm(FlaskForm):
        opinion = RadioField(_l("Avis du comité"), validate_choice=False, choices=options(
            (o, _l(labels[o])) for o in opinions))
        conditions = TextAreaField(_l("Conditions"), render_kw={"rows": 3},
                                   description=_l("Obligatoires pour un avis favorable sous "
                                                  "conditions."))
        dissent = TextAreaField(_l("Opinions divergentes"), render_kw={"rows": 3})

    for name, label in requirements:
        setattr(ReviewForm, f"answer_{name}", RadioField(
            _l(label), validate_choice=False, choices=options(
                (a, _l(labels[a])) for a in answers)))
        setattr(ReviewForm, f"notes_{name}", TextAreaField(
            _l("Notes : %(requirement)s", requirement=_l(label)), render_kw={"rows": 3}))
    return ReviewForm()
