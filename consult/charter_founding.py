"""The founding AI charter a SCIC would adopt, and the demo's amendment of it: the cooperative's
own words, stored as written (in French) when the charter is seeded, not interface text to
translate. Each principle is (title, text, rationale). Pure data.
"""

FOUNDING_SUMMARY = ("Charte fondatrice de l'usage de l'intelligence artificielle, adoptée à la "
                    "création de la coopérative.")

FOUNDING_PRINCIPLES = (
    ("Intérêt collectif",
     "Nous n'utilisons l'intelligence artificielle que lorsqu'elle sert l'objet social de la "
     "coopérative et l'intérêt de ses membres, des personnes accompagnées et de nos partenaires, "
     "et non la seule réduction des coûts. Chaque projet d'IA dit, avant d'être lancé, à qui il "
     "profite et ce qu'il change pour les personnes accompagnées comme pour le travail des "
     "salariés et des bénévoles.",
     "Une SCIC poursuit un intérêt collectif qui dépasse celui de ses associés. Un outil qui "
     "ferait gagner du temps en dégradant l'accueil des personnes, ou qui reporterait la charge "
     "sur les bénévoles, irait contre cet objet même s'il était rentable."),
    ("Transparence",
     "Tout système d'IA utilisé par la coopérative est inscrit au registre de l'IA, avec ce "
     "qu'il fait, les données qu'il lit, ses limites connues et la personne qui en répond. Toute "
     "personne en contact avec l'un de nos systèmes d'IA en est informée en mots simples, et "
     "peut demander comment une décision la concernant a été préparée.",
     "On ne peut ni débattre ni contester ce que l'on ne voit pas. Le registre public et la "
     "fiche modèle de chaque système permettent aux membres et aux personnes accompagnées de "
     "savoir où l'IA intervient, et au comité d'éthique d'en rendre compte."),
    ("Non-discrimination",
     "Avant tout déploiement, puis à intervalles réguliers, nous vérifions qu'un système ne "
     "traite pas différemment les personnes selon leur collège, leur âge, leur sexe, leur lieu "
     "de vie ou tout autre critère protégé que les données permettent d'examiner. Un écart hors "
     "des seuils bloque le déploiement, sauf dérogation motivée et signée par le comité "
     "d'éthique.",
     "Les modèles apprennent des données du passé, et donc de ses inégalités. Dans une "
     "coopérative qui accompagne des publics fragiles, un tri automatique qui défavorise un "
     "groupe ferait des dégâts silencieux : mieux vaut le mesurer que le supposer absent."),
    ("Contrôle humain",
     "Aucune décision qui touche une personne — une aide, une orientation, l'accès à un "
     "service, l'évaluation d'un travail — n'est prise par une machine seule. Une personne "
     "identifiée relit ce que propose le système, peut l'écarter sans avoir à s'en justifier "
     "auprès de l'outil, et reste responsable de la décision.",
     "L'IA peut préparer, trier, suggérer ; elle ne connaît ni le contexte ni les personnes. "
     "Garder la main humaine, c'est aussi garder quelqu'un à qui s'adresser pour contester, ce "
     "que le règlement européen sur l'IA exige pour les usages à risque."),
    ("Respect de la vie privée",
     "Nous ne confions à un système d'IA que les données nécessaires à son usage, "
     "pseudonymisées dès que possible, conservées pour une durée limitée, jamais revendues ni "
     "réutilisées pour entraîner le modèle d'un tiers. Les données personnelles restent "
     "hébergées dans l'Union européenne, et chacun peut y exercer ses droits d'accès, de "
     "rectification et d'effacement.",
     "La confiance des membres et des personnes accompagnées est le premier capital de la "
     "coopérative. Le RGPD fixe un minimum ; une coopérative qui recueille la parole de ses "
     "membres doit aller plus loin et ne rien collecter « au cas où »."),
    ("Sobriété",
     "Nous choisissons l'outil le plus simple qui répond au besoin : une règle claire ou un "
     "modèle léger plutôt qu'un grand modèle lorsqu'ils suffisent. La consommation d'énergie de "
     "chaque système est mesurée ou estimée, inscrite au registre, et pèse dans la décision de "
     "le déployer ou de le garder.",
     "L'IA a un coût écologique et financier réel, qui grandit avec la taille des modèles. Une "
     "coopérative engagée dans la transition ne peut ignorer ce coût, ni dépendre sans nécessité "
     "de quelques grands fournisseurs."),
    ("Co-construction",
     "Tout projet d'IA qui change la vie des membres ou des personnes accompagnées leur est "
     "soumis en consultation avant d'être décidé, et chaque collège y a voix. La charte "
     "elle-même ne change que par un amendement soumis aux membres, puis adopté par une motion "
     "du conseil ou de l'assemblée générale.",
     "La gouvernance partagée est la raison d'être d'une SCIC : salariés, bénéficiaires, "
     "bénévoles, partenaires et collectivités décident ensemble. Les choix techniques ne font "
     "pas exception, et celles et ceux qui vivront avec un outil savent souvent le mieux ce "
     "qu'il doit faire, et ne pas faire."),
)

DEMO_SUMMARY = ("Sobriété : mesurer l'énergie de chaque système sur un usage réel avant son "
                "déploiement, et fixer un plafond annuel par système.")

DEMO_SOBRIETY = (
    "Sobriété",
    "Nous choisissons l'outil le plus simple qui répond au besoin : une règle claire ou un "
    "modèle léger plutôt qu'un grand modèle lorsqu'ils suffisent. Avant tout déploiement, la "
    "consommation d'énergie de chaque système est mesurée sur un usage réel et inscrite au "
    "registre avec son équivalent carbone ; le conseil fixe pour chaque système un plafond "
    "annuel, au-delà duquel le comité d'éthique le réexamine.",
    "L'IA a un coût écologique et financier réel, qui grandit avec la taille des modèles. Une "
    "coopérative engagée dans la transition ne peut ignorer ce coût, ni dépendre sans nécessité "
    "de quelques grands fournisseurs. Un plafond chiffré rend l'engagement vérifiable : sans "
    "chiffre, la sobriété reste une intention.",
)
