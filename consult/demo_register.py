"""The demo cooperative's ethics register: three AI projects from its proposals, each at another
step. The request pre-sorting passed its bias test and has a signed favourable opinion (the
board's part of the demo, consult/demo_board.py, deploys it once the assembly approves it); the
volunteer matching fails its test (people in the marsh villages are proposed a match less
often) and the gate refuses to deploy it; the meeting transcription is in review with a test
whose smallest group is too small for a verdict.

Everything goes through the services (entries, tests, reviews, moves through the gate), so the
demo's register leaves the audit trail real use would. The predictions are invented, drawn with
a fixed seed, and stated as such in each entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from ethics_register import Signer, review
from ethics_register.bias import bias_test
from ethics_register.predictions import predictions_from_arrays

from .models import Member, Proposal
from .services import bias_tests, register, reviews

SEED = 2026
INVENTED = ("Prédictions de démonstration, inventées et tirées au hasard avec une graine fixe : "
            "elles montrent comment lire un test, pas un vrai modèle.")

PRE_SORTING = {
    "name": "Pré-tri des demandes entrantes",
    "description": "Suggère pour chaque demande reçue à l'accueil (téléphone, courriel) si elle "
                   "est urgente, pour que la coordinatrice la traite en premier. La décision "
                   "reste humaine.",
    "model_version": "0.3", "kind": "machine_learning", "supplier": "Développé en interne",
    "licence": "AGPL-3.0", "intended_use": "Classer les demandes entrantes en « urgente » ou "
    "« à traiter dans la semaine » pour ordonner la file d'attente de l'accueil.",
    "output_users": "La coordinatrice de l'accueil, qui voit la suggestion et décide.",
    "people_affected": "Les personnes qui appellent ou écrivent à la coopérative.",
    "uses_to_avoid": "Refuser une aide ; juger de l'éligibilité d'une personne.",
    "legal_basis": "Intérêt légitime de la coopérative (organisation de l'accueil).",
    "alternatives": "Tri manuel seul (la situation actuelle, trop lente en période de canicule).",
    "ai_act_tier": "limited",
    "ai_act_reason": "Aide à l'organisation interne, sans décision automatique sur l'accès à "
                     "un service : la coordinatrice relit chaque suggestion.",
    "risks": "Une demande urgente classée à tort « dans la semaine » (probable, grave) : "
             "relecture de toute la file chaque matin.",
    "datasets": "Deux ans de demandes anonymisées et leur urgence notée par l'accueil.",
    "personal_data": "pseudonymised",
    "protected_attributes": "Tranche d'âge, utilisée seulement pour tester les biais : les "
                            "personnes âgées ne doivent pas être moins bien servies.",
    "output_checks": "La coordinatrice relit chaque suggestion avant de planifier.",
    "contest": "Toute personne peut demander à l'accueil pourquoi sa demande a été traitée "
               "plus tard ; la coordinatrice répond sous une semaine.",
    "switch_off": "Un interrupteur dans l'outil d'accueil revient au tri manuel.",
    "performance": "Exactitude 0,90 sur les données de démonstration. " + INVENTED,
    "energy_kwh": "0.4", "co2e_kg": "0.02",
    "footprint_method": "Estimé d'après le temps de calcul de l'entraînement (un cœur, 2 h).",
    "owner": "Pôle accueil", "contacts": "accueil@fil-solidaire.example",
}

MATCHING = {
    "name": "Appariement bénévoles – personnes isolées",
    "description": "Propose pour chaque personne isolée les bénévoles les plus proches en "
                   "intérêts et en distance ; l'équipe choisit et présente les personnes.",
    "model_version": "0.1", "kind": "machine_learning", "supplier": "Développé en interne",
    "licence": "AGPL-3.0", "intended_use": "Suggérer des appariements à l'équipe bénévolat.",
    "output_users": "L'équipe bénévolat, qui choisit parmi les suggestions.",
    "people_affected": "Les personnes isolées accompagnées et les bénévoles.",
    "uses_to_avoid": "Écarter une personne de l'accompagnement ; noter les bénévoles.",
    "ai_act_tier": "limited",
    "ai_act_reason": "Suggestion soumise à une décision humaine, sans effet juridique.",
    "risks": "Moins de propositions pour les personnes des villages du marais, plus loin des "
             "bénévoles (probable, grave) : test de biais par commune.",
    "personal_data": "pseudonymised",
    "protected_attributes": "Commune de résidence, pour vérifier que l'éloignement ne prive "
                            "personne d'appariement.",
    "output_checks": "L'équipe bénévolat valide chaque appariement en réunion.",
    "contest": "Une personne sans proposition peut le signaler à l'accueil.",
    "switch_off": "Revenir aux appariements faits à la main par l'équipe.",
    "performance": INVENTED,
    "owner": "Équipe bénévolat",
}

TRANSCRIPTION = {
    "name": "Transcription locale des réunions de coordination",
    "description": "Transcrit sur un ordinateur de la coopérative, sans service en ligne, "
                   "l'enregistrement des réunions de coordination, puis en propose les points à "
                   "retenir.",
    "kind": "generative", "supplier": "Modèle ouvert exécuté sur place",
    "intended_use": "Préparer le compte rendu des réunions, relu par la secrétaire de séance.",
    "ai_act_tier": "limited",
    "ai_act_reason": "Contenu généré : les comptes rendus disent qu'ils ont été préparés par "
                     "une machine (obligation de transparence).",
    "personal_data": "identified",
    "protected_attributes": "Langue maternelle des participants, pour vérifier que les points "
                            "de chacun sont aussi bien retenus.",
    "output_checks": "La secrétaire de séance relit et corrige chaque compte rendu.",
    "contest": "Chaque participant peut faire corriger le compte rendu avant sa diffusion.",
    "switch_off": "Ne plus enregistrer les réunions.",
    "performance": INVENTED,
    "owner": "Coordination",
}

NOTES = {
    "human_agency": "Une personne relit chaque suggestion et décide.",
    "robustness": "Testé sur deux ans de données ; retour au tri manuel prévu.",
    "privacy": "Données pseudonymisées, gardées sur le serveur de la coopérative.",
    "transparency": "Les personnes sont informées à l'accueil et sur le site.",
    "fairness": "Test de biais par tranche d'âge, dans les seuils.",
    "wellbeing": "Calcul léger, sur le serveur existant.",
    "accountability": "Le pôle accueil répond du système ; revue annuelle par le comité.",
}


@dataclass(frozen=True)
class DemoRegister:
    approved: int  # ready for the gate once the assembly approves it
    refused: int
    in_review: int
    refusals: list[str]  # why the gate refused the matching


def _pre_sorting(rng: np.random.Generator, n: int = 3000):
    age = rng.choice(["moins de 60 ans", "60 à 79 ans", "80 ans et plus"], n, p=[.3, .4, .3])
    urgent = rng.random(n) < 0.35
    right = rng.random(n) < 0.9
    return urgent, np.where(right, urgent, ~urgent), {"tranche d'âge": age}


def _matching(rng: np.random.Generator, n: int = 2400):
    commune = rng.choice(["Saint-Nazaire", "Montoir-de-Bretagne", "Saint-Joachim"], n,
                         p=[.5, .3, .2])
    suitable = rng.random(n) < 0.6
    # farther from the volunteers, the marsh village is proposed a match less often
    chance = np.where(suitable, np.where(commune == "Saint-Joachim", 0.45, 0.85), 0.1)
    return suitable, rng.random(n) < chance, {"commune": commune}


def _transcription(rng: np.random.Generator, n: int = 900):
    language = rng.choice(["français", "breton", "arabe"], n, p=[.92, .05, .03])
    kept = rng.random(n) < 0.5
    right = rng.random(n) < 0.88
    return kept, np.where(right, kept, ~kept), {"langue maternelle": language}


def _test(session, ethics, entry_id, data, signer, name):
    labels, predicted, sensitive = data
    result = bias_test(predictions_from_arrays(labels, predicted, sensitive=sensitive),
                       n_boot=200, seed=SEED, extra_parameters={"source": "démonstration"})
    return bias_tests.record_result(session, ethics, entry_id, result, signer, file_name=name)


def _review(session, first, second, entry_id, opinion, signer, conditions=""):
    record = reviews.record_review(session, first, entry_id, reviews.ReviewInput(
        answers={name: "met" for name, _ in review.REQUIREMENTS}, notes=NOTES,
        opinion=opinion, conditions=conditions), signer)
    reviews.sign_review(session, second, record.id, signer)


def load_demo_register(session: Session, signer: Signer, ethics_emails: tuple[str, str],
                       reason_of=lambda refusal: refusal.text) -> DemoRegister:
    """Register the demo's AI projects; two committee members review and sign."""
    first, second = (session.exec(select(Member).where(Member.email == e)).one()
                     for e in ethics_emails)
    proposals = {p.title: p.id for p in session.exec(select(Proposal))}
    rng = np.random.default_rng(SEED)

    def create(document, proposal_title):
        return register.create_entry(session, first, document, signer,
                                     proposal_id=proposals.get(proposal_title))

    def move(row, *steps):
        for status, reason in steps:
            register.change_status(session, first, row.id, status, reason, signer)

    review_steps = (("in_review", "Dossier complet, transmis au comité."),)
    sorting = create(PRE_SORTING, "Assistant de pré-tri des demandes entrantes")
    move(sorting, *review_steps)
    _test(session, first, sorting.id, _pre_sorting(rng), signer, "pre-tri-demo.csv")
    _review(session, first, second, sorting.id, "favourable", signer)
    # Deployed by the board's part of the demo, once the assembly approves the project.
    move(sorting, ("approved", "Avis favorable signé en séance du comité."))

    matching = create(MATCHING, "Suggestion d'appariements entre bénévoles et personnes isolées")
    move(matching, *review_steps)
    _test(session, first, matching.id, _matching(rng), signer, "appariement-demo.csv")
    _review(session, first, second, matching.id, "favourable_with_conditions", signer,
            conditions="Corriger l'écart entre communes avant toute mise en service.")
    move(matching, ("approved", "Avis favorable sous conditions."))
    refusals = [reason_of(r) for r in register.deployment_refusals(session, matching)]

    transcription = create(TRANSCRIPTION, "Transcription locale des réunions de coordination")
    move(transcription, *review_steps)
    _test(session, first, transcription.id, _transcription(rng), signer, "transcription-demo.csv")
    return DemoRegister(approved=1, refused=1, in_review=1, refusals=refusals)
