"""The ethics committee's bias-test forms: the prediction file and its columns, a waiver, the
entry's thresholds. The services validate what the file says; these forms check the shape."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FileField,
    HiddenField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ethics_register.bias import MIN_COUNT, N_BOOT


class DecimalCommaField(DecimalField):
    """A number written the French way (0,8) or the English way (0.8)."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist])


# Draws a web request may ask for: enough for stable 95 % intervals, bounded in time.
MAX_WEB_BOOT = 2000


class BiasTestForm(FlaskForm):
    file = FileField(_l("Fichier des prédictions"), validators=[InputRequired()],
                     description=_l("CSV ou XLSX : une ligne par personne, une colonne pour le "
                                    "résultat réel, une pour la prédiction (ou le score), et "
                                    "une par attribut sensible."))
    label = StringField(_l("Colonne du résultat réel"), validators=[InputRequired(),
                                                                    Length(max=200)])
    prediction = StringField(_l("Colonne de la prédiction (0/1, oui/non)"),
                             validators=[Optional(), Length(max=200)],
                             description=_l("Ou bien un score et un seuil, ci-dessous."))
    score = StringField(_l("Colonne du score"), validators=[Optional(), Length(max=200)])
    threshold = StringField(_l("Seuil du score (prédit positif à partir de ce score)"),
                            validators=[Optional(), Length(max=40)])
    sensitive = StringField(_l("Colonnes des attributs sensibles"),
                            validators=[InputRequired(), Length(max=1000)],
                            description=_l("Séparées par des virgules ; leur croisement est "
                                           "testé aussi."))
    reference = StringField(_l("Groupes de référence (facultatif)"),
                            validators=[Optional(), Length(max=1000)],
                            description=_l("GROUPE ou COLONNE=GROUPE, séparés par des virgules. "
                                           "Par défaut, le groupe le plus nombreux de chaque "
                                           "attribut."))
    positive = StringField(_l("Valeur positive (facultatif)"),
                           validators=[Optional(), Length(max=100)],
                           description=_l("Par défaut : 1, true, yes, oui, vrai."))
    n_boot = IntegerField(_l("Tirages du bootstrap"), default=N_BOOT,
                          validators=[InputRequired(), NumberRange(0, MAX_WEB_BOOT)],
                          description=_l("Pour les intervalles à 95 % (0 : aucun)."))
    seed = IntegerField(_l("Graine"), default=0, validators=[InputRequired(),
                                                             NumberRange(0, 2**32 - 1)])
    submit = SubmitField(_l("Calculer et enregistrer le test"))


class WaiverForm(FlaskForm):
    metric = HiddenField(validators=[InputRequired(), Length(max=300)])
    reason = TextAreaField(_l("Raison de la dérogation"),
                           validators=[InputRequired(), Length(max=4000)])
    submit = SubmitField(_l("Signer la dérogation"))


class ThresholdsForm(FlaskForm):
    ratio_min = DecimalCommaField(_l("Rapport minimal"), places=None, default=0.8,
                             validators=[InputRequired(), NumberRange(0.01, 1)])
    ratio_max = DecimalCommaField(_l("Rapport maximal"), places=None, default=1.25,
                             validators=[InputRequired(), NumberRange(1, 100)])
    max_difference = DecimalCommaField(_l("Écart maximal (en valeur absolue)"), places=None,
                                  default=0.10, validators=[InputRequired(), NumberRange(0, 1)])
    min_count = IntegerField(_l("Effectif minimal pour un verdict"), default=MIN_COUNT,
                             validators=[InputRequired(), NumberRange(1, 100_000)])
    reason = TextAreaField(_l("Raison de ces seuils"),
                           validators=[InputRequired(), Length(max=4000)])
    submit = SubmitField(_l("Approuver ces seuils"))


def split_list(text: str | None) -> tuple[str, ...]:
    """ "a, b ,c" → ("a", "b", "c"); empty parts left out."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())
