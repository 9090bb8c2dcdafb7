"""Find personal data in French free text and replace it by placeholders.

Contributions are redacted before they are analysed or shown to other members. Two kinds of
detector work together:

- patterns for data with a shape: e-mail addresses, French phone numbers, IBANs (checked with
  the ISO 13616 mod-97 key) and French postal addresses;
- person names: spaCy's named-entity recogniser (label ``PER``) plus rules that help recall on
  French text: a title (``Mme``, ``M.``, ``docteur``…) followed by a capitalised word, and a first
  name common in France, with the capitalised surname that follows it.

Where spans overlap they are merged into one, whose kind comes from the pattern when there is one
(a name inside an e-mail address is part of the address), otherwise from the longer span.

This module is plain Python: no Flask, no database. The spaCy model is loaded once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

PLACEHOLDERS = {
    "email": "[e-mail]",
    "phone": "[téléphone]",
    "iban": "[IBAN]",
    "address": "[adresse]",
    "person": "[personne]",
}
MODEL = "fr_core_news_md"


@dataclass(frozen=True)
class Span:
    """One piece of personal data: character offsets into the original text, and its kind."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Redaction:
    """A redacted text and the spans of the original text that were replaced."""

    text: str
    spans: tuple[Span, ...]


# --- Word lists ---------------------------------------------------------------------------------
# Written from general knowledge of French usage. The first names were broadened after the
# evaluation set's second batch showed gaps (docs/redaction.md tells how that skews its figures).

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

# Components of the French pipelines that named-entity recognition does not need.
PIPES_NOT_NEEDED = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]


# --- Data with a shape --------------------------------------------------------------------------

# Writers use no-break spaces (U+00A0, U+202F) as readily as plain ones inside numbers.
_SPACE = "[ \u00a0\u202f]"
_UPPER = "A-ZÀ-ÖØ-ÞŒ"

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+"
    rf"(?:@|{_SPACE}?[\[(]{_SPACE}?(?:at|arobase){_SPACE}?[\])]{_SPACE}?)"
    r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

# A French number: 0 and nine digits, or +33 / 0033 (with an optional "(0)") and nine digits,
# in pairs that may be joined or separated. Not inside a longer run of digits (SIRET, amounts),
# and never the short service numbers (15, 112, 3919), which have fewer digits.
_PAIR_SEP = rf"(?:{_SPACE}|[.\-/])?"
PHONE = re.compile(
    r"(?<![\w+])(?<!\d[ .\-])"
    rf"(?:(?:\(\+33\)|(?:\+|00)33){_SPACE}?(?:\(0\){_SPACE}?)?|0)[1-9](?:{_PAIR_SEP}\d{{2}}){{4}}"
    rf"(?!\d)(?!{_PAIR_SEP}\d)"
)
# Other countries: a "+" and a country code, then 8 to 15 digits in all (the E.164 maximum).
FOREIGN_PHONE = re.compile(
    rf"(?<![\w+])\+(?!33)\d{{1,3}}(?:{_SPACE}?\(0\))?(?:{_PAIR_SEP}\d{{1,4}}){{2,6}}(?!\d)"
)

_GROUP_SEP = rf"(?:{_SPACE}|-)?"
IBAN_CANDIDATE = re.compile(
    rf"(?<![A-Za-z0-9])[A-Za-z]{{2}}\d{{2}}(?:{_GROUP_SEP}[A-Za-z0-9]{{4}}){{2,7}}"
    rf"(?:{_GROUP_SEP}[A-Za-z0-9]{{1,3}})?(?![A-Za-z0-9])"
)
# The French layout: bank (5 digits), branch (5), account (11 letters or digits), RIB key (2).
FRENCH_IBAN = re.compile(r"FR\d{2}\d{10}[A-Z0-9]{11}\d{2}")

# A street: number (3, 3 bis, 12B), optional comma, a kind of way, then its name: particles and
# one word of any case ("rue des lilas"), then only capitalised words or numbers ("rue du 8 Mai
# 1945"), so the address stops before the sentence goes on.
_PARTICLE = r"(?:(?:de|du|des|la|le|les|aux|au|d['’]|l['’])\s*)"
_CAPITAL = rf"[{_UPPER}][\w'’-]*"
_STREET = (
    rf"\b\d{{1,4}}(?:{_SPACE}?(?:bis|ter|quater|[A-D])\b)?,?{_SPACE}+"
    rf"(?:(?:de{_SPACE}+la|de{_SPACE}+l['’]|du){_SPACE}*)?(?i:{STREET_TYPES})\.?{_SPACE}+"
    rf"{_PARTICLE}*[\w][\w'’-]*(?:{_SPACE}+{_PARTICLE}*(?:{_CAPITAL}|\d+\b)){{0,5}}"
)
_POST_BOX = r"\b(?:BP|B\.P\.|CS|TSA)\s?\d{1,5}"
_LOCALITY = rf"(?i:lieu[- ]dit){_SPACE}+{_PARTICLE}?{_CAPITAL}(?:{_SPACE}+{_CAPITAL}){{0,3}}"
_CITY = (
    rf"(?:0[1-9]|[1-8]\d|9[0-8])\d{{3}}{_SPACE}+{_CAPITAL}"
    rf"(?:{_SPACE}+{_PARTICLE}*{_CAPITAL}){{0,3}}(?:{_SPACE}+Cedex(?:{_SPACE}+\d{{1,2}})?)?"
)
_TAIL = rf"(?:,?{_SPACE}+{_POST_BOX})?(?:,?{_SPACE}+{_CITY})?"
ADDRESS = re.compile(rf"(?:{_STREET}|{_POST_BOX}|{_LOCALITY}|(?<!\d[\s.,])(?<!\d){_CITY}){_TAIL}")
# Without a number, a street is an address only after a word of residence ("j'habite rue…").
UNNUMBERED_ADDRESS = re.compile(
    r"\b(?:habite|habites|habitons|habitez|habitent|vit|vis|vivent|réside|résident|demeure|"
    r"demeurent|domicilié|domiciliée|domiciliés|loge|logent|adresse)\s*:?\s+"
    r"(?:(?:au|à la|à l['’]|dans la|sur la)\s+)?"
    rf"(?P<address>(?i:{STREET_TYPES})\.?{_SPACE}+{_PARTICLE}*{_CAPITAL}"
    rf"(?:{_SPACE}+{_PARTICLE}*(?:{_CAPITAL}|\d+\b)){{0,5}}{_TAIL})"
)


def _iban_end(match: re.Match) -> int | None:
    """Where a candidate IBAN ends if it is one, else None.

    Other countries must have their exact length and pass the mod-97 check. A French IBAN that
    has the exact French layout is kept even when its check digits are wrong: a member who
    mistyped one digit of their IBAN has still written their bank details, and the layout alone
    is too specific to occur by chance in prose.
    """
    text = match.group()
    compact = re.sub(rf"{_SPACE}|-", "", text).upper()
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return None
    compact = compact[:length]
    rearranged = compact[4:] + compact[:4]
    valid = int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    if not valid and not FRENCH_IBAN.fullmatch(compact):
        return None
    seen = 0  # the candidate may run on past the IBAN's length: stop at its last character
    for offset, char in enumerate(text):
        seen += char.isalnum()
        if seen == length:
            return match.start() + offset + 1
    return None


def _pattern_spans(text: str) -> Iterator[Span]:
    for match in EMAIL.finditer(text):
        yield Span(match.start(), match.end(), "email")
    for pattern in (PHONE, FOREIGN_PHONE):
        for match in pattern.finditer(text):
            if 8 <= sum(c.isdigit() for c in match.group()) <= 15:
                yield Span(match.start(), match.end(), "phone")
    for match in IBAN_CANDIDATE.finditer(text):
        end = _iban_end(match)
        if end is not None:
            yield Span(match.start(), end, "iban")
    for match in ADDRESS.finditer(text):
        yield Span(match.start(), match.end(), "address")
    for match in UNNUMBERED_ADDRESS.finditer(text):
        yield Span(*match.span("address"), "address")


# --- Person names -------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\w'’-]+|\S")
# Punctuation after which a new sentence, clause or quotation starts.
_BREAKS = frozenset(".!?…:;«»\"“”()[]—–")
# Words that start an entity the recogniser calls a person but that are not part of the name.
_DETERMINERS = frozenset(
    "le la les l' un une des mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs "
    "ce cet cette ces".split()
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    return [_Token(offset + m.start(), offset + m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _can_be_name(word: str) -> bool:
    """A capitalised word that may belong to a name (not "IA", "Mairie", "Maire", "Mars")."""
    lower = word.lower()
    return word[:1].isupper() and lower not in NOT_NAMES and lower not in ROLES


def _is_first_name(word: str) -> bool:
    return all(part in FIRST_NAMES for part in word.lower().split("-"))


def _title_length(tokens: list[_Token], i: int) -> int:
    """How many tokens the title at position i takes ("M" and "." are two), 0 if none."""
    word = tokens[i].text
    if word in SHORT_TITLES:
        dotted = i + 1 < len(tokens) and tokens[i + 1].text == "."
        return 2 if dotted and tokens[i + 1].start == tokens[i].end else 1
    return 1 if word.lower() in LONG_TITLES else 0


def _surname_end(tokens: list[_Token], i: int) -> int:
    """Index just past the surname starting at token i ("de La Tour", "Le Goff"), or i if none."""
    j = i
    while j < len(tokens) and j - i < 4:
        word = tokens[j].text
        following = tokens[j + 1].text if j + 1 < len(tokens) else ""
        if word.lower() in SURNAME_PARTICLES and _can_be_name(following):
            j += 2
        elif _can_be_name(word):
            j += 1
        else:
            break
    return j


def _at_sentence_start(tokens: list[_Token], i: int) -> bool:
    return i == 0 or tokens[i - 1].text in _BREAKS


def _first_name_counts(tokens: list[_Token], i: int) -> bool:
    """Whether this first name is a name here, rather than the word or place it can also be."""
    word = tokens[i].text
    lower, capitalised = word.lower(), word[:1].isupper()
    has_surname = _surname_end(tokens, i + 1) > i + 1
    if lower in PLACE_OR_FEAST_NAMES:
        return capitalised and has_surname
    if "-" in word:
        return True  # "jean-paul": every part is a first name, even in lower case
    if lower in COMMON_WORD_NAMES:
        return capitalised and (has_surname or not _at_sentence_start(tokens, i))
    if lower in LOWERCASE_WORD_NAMES:
        return capitalised
    return capitalised or len(word) >= 4


def _is_shouted_surname(word: str) -> bool:
    """A surname in capitals before a first name, as forms write it ("MOREAU Sylvie")."""
    return len(word) >= 3 and word.isupper() and word.lower() not in ACRONYMS


def _rule_person_spans(text: str) -> Iterator[Span]:
    """Names announced by a title ("Mme Le Goff") or by a first name ("Marie Dupont", "Léa")."""
    tokens = _tokens(text)
    i = 0
    while i < len(tokens):
        title = _title_length(tokens, i)
        if title and _surname_end(tokens, i + title) > i + title:
            end = _surname_end(tokens, i + title)
            yield Span(tokens[i + title].start, tokens[end - 1].end, "person")
            i = end
        elif _is_first_name(tokens[i].text) and _first_name_counts(tokens, i):
            start = i - 1 if i and _is_shouted_surname(tokens[i - 1].text) else i
            end = _surname_end(tokens, i + 1)
            yield Span(tokens[start].start, tokens[end - 1].end, "person")
            i = end
        else:
            i += 1


def _names_a_place(text: str, span: Span) -> bool:
    """Whether a name found in text names a place rather than a person."""
    # Without the elided article: "l'arrêt Victor Hugo".
    before = [re.split("['’]", t.text.lower())[-1]
              for t in _tokens(text[max(0, span.start - 60) : span.start])]
    if not before:
        return False
    if before[-1] in PLACE_NOUNS or before[-1].startswith(("saint-", "sainte-")):
        return True  # "collège Jean Moulin", "San Francisco", "Saint-Martin"
    if before[-1] in PLACE_ADJECTIVES and len(before) > 1 and before[-2] in PLACE_NOUNS:
        return True  # "centre social Simone Veil"
    if before[-1] == "." and len(before) > 1 and before[-2] in {"st", "ste"}:
        return True  # "St. Louis"
    # "en Virginie": one says "en" before a region or a country, never before a person.
    return before[-1] == "en" and " " not in text[span.start : span.end]


@dataclass(frozen=True)
class _Entity:
    """A named entity from spaCy, reduced to what the rules read: offsets into the text, label."""

    start: int
    end: int
    label: str


def _is_determiner(token: _Token) -> bool:
    # "Le" and "La" capitalised may begin a surname ("Le Goff"); "Mon", "Cette" never do.
    return token.text.lower() in _DETERMINERS and token.text not in {"Le", "La"}


def _ner_spans(text: str, entities: list[_Entity]) -> Iterator[Span]:
    """Person entities, trimmed of titles, roles and determiners, false friends left out."""
    for index, entity in enumerate(entities):
        if entity.label != "PER":
            continue
        tokens = _tokens(text[entity.start : entity.end], entity.start)
        while tokens and (_title_length(tokens, 0) or _is_determiner(tokens[0])
                          or tokens[0].text.lower() in ROLES or not tokens[0].text[:1].isalnum()):
            tokens = tokens[max(1, _title_length(tokens, 0)) :]
        # Stop at punctuation that cannot be inside a name ("Marie Dupont</b>"); "." can
        # ("George W. Bush").
        inside = [t.text[:1].isalnum() or t.text == "." for t in tokens]
        tokens = tokens[: inside.index(False)] if False in inside else tokens
        while tokens and not tokens[-1].text[:1].isalnum():
            tokens.pop()
        if tokens and not _ner_false_friend(text, tokens, entities, index):
            yield Span(tokens[0].start, tokens[-1].end, "person")


def _ner_false_friend(text: str, tokens: list[_Token], entities: list[_Entity], index: int) -> bool:
    """Entities the recogniser calls persons in our texts but that are not."""
    value = text[tokens[0].start : tokens[-1].end]
    lower = value.lower()
    if len(value) < 2 or value.islower() or lower in NOT_NAMES:
        return True  # an initial alone ("J.-C."), lower-case words, "IA", "Dieu", months
    if any(c.isdigit() or c == "@" for c in value):
        return True  # numbers and pieces of e-mail addresses
    if lower.startswith(("saint-", "sainte-", "saint ", "sainte ")):
        return True  # a feast or a town: "la Saint-Martin"
    if len(tokens) > 1 or _is_first_name(value):
        return False
    if value.isupper() and lower in ACRONYMS:
        return True
    start, end = tokens[0].start, tokens[-1].end
    before, after = text[max(0, start - 10) : start].rstrip(), text[end : end + 10].lstrip()
    if after.startswith(":") and (not before or before[-1] in _BREAKS):
        return True  # a form label: "Fixe : 02 40…"
    return _listed_with_places(text, entities, index)


def _listed_with_places(text: str, entities: list[_Entity], index: int) -> bool:
    """A single word in a list of places ("Donges, Montoir et Trignac") is a place too."""
    for other in (index - 1, index + 1):
        if 0 <= other < len(entities) and entities[other].label == "LOC":
            a, b = sorted((entities[index], entities[other]), key=lambda e: e.start)
            if text[a.end : b.start].strip() in {",", "et", "ou"}:
                return True
    return False


# --- Putting spans together --------------------------------------------------------------------


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping spans; the result takes the kind of a pattern span, else the longest."""

    def strength(span: Span) -> tuple[bool, int]:
        return (span.kind != "person", span.end - span.start)

    merged: list[tuple[int, int, Span]] = []  # start, end, strongest member
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            start, end, best = merged[-1]
            merged[-1] = (start, max(end, span.end), max(best, span, key=strength))
        else:
            merged.append((span.start, span.end, span))
    return [Span(start, end, best.kind) for start, end, best in merged]


_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


def _touches_placeholder(text: str, span: Span) -> bool:
    """Whether span overlaps a placeholder already in text: redacting twice must change nothing."""
    return any(
        m.start() < span.end and span.start < m.end()
        for m in _PLACEHOLDER.finditer(text, max(0, span.start - 12), span.end + 12)
    )


def _apply(text: str, spans: list[Span]) -> str:
    pieces, position = [], 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


class Redactor:
    """Finds personal data in French text and replaces it by placeholders.

    ``nlp`` is a loaded spaCy pipeline with a ``ner`` component; by default ``fr_core_news_md``
    is loaded on first use, once, with only its entity recogniser (the other components are
    disabled while redacting if a full pipeline is passed in). ``use_ner=False`` keeps the
    patterns and name rules only (no spaCy at all), which is quicker and less thorough.
    """

    def __init__(self, nlp=None, use_ner: bool = True):
        self._nlp = nlp
        self.use_ner = use_ner

    @property
    def nlp(self):
        """The spaCy pipeline, loaded on first use."""
        if self._nlp is None:
            import spacy  # imported here so that the patterns alone never pay for spaCy

            # Only the entity recogniser is needed; it has its own token-to-vector layer.
            self._nlp = spacy.load(MODEL, exclude=PIPES_NOT_NEEDED)
        return self._nlp

    def find(self, text: str) -> list[Span]:
        """The personal data in text, merged, in order of position."""
        return list(self.redact(text).spans)

    def redact(self, text: str) -> Redaction:
        """Replace the personal data in text by placeholders."""
        return self.redact_many([text])[0]

    def redact_many(self, texts: Iterable[str], batch_size: int = 64) -> list[Redaction]:
        """Redact many texts at once; spaCy works through them in batches of batch_size."""
        texts = list(texts)
        entities = self._entities(texts, batch_size) if self.use_ner else [None] * len(texts)
        results = []
        for text, found in zip(texts, entities, strict=True):
            spans = self._spans(text, found)
            results.append(Redaction(_apply(text, spans), tuple(spans)))
        return results

    def _entities(self, texts: list[str], batch_size: int) -> list[list[_Entity]]:
        """spaCy's entities for each text; long texts go through the model in pieces."""
        nlp = self.nlp
        disabled = [name for name in nlp.pipe_names if name not in _needed_for_ner(nlp)]
        pieces = [(number, offset, piece) for number, text in enumerate(texts)
                  for offset, piece in _pieces(text)]
        docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=batch_size, disable=disabled)
        entities: list[list[_Entity]] = [[] for _ in texts]
        for (number, offset, _), doc in zip(pieces, docs, strict=True):
            entities[number] += [
                _Entity(offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents
            ]
        return entities

    def _spans(self, text: str, entities: list[_Entity] | None) -> list[Span]:
        found = list(_pattern_spans(text))
        for span in _rule_person_spans(text):
            if not _names_a_place(text, span):
                found.append(span)
        for span in _ner_spans(text, entities or []):
            if not _names_a_place(text, span):
                found.append(span)
        return _merge(span for span in found if not _touches_placeholder(text, span))


def _pieces(text: str, size: int = 20_000) -> Iterator[tuple[int, str]]:
    """(offset, piece) cutting a long text at whitespace, so the model never sees a huge text."""
    start = 0
    while len(text) - start > size:
        cut = max(text.rfind("\n", start, start + size), text.rfind(" ", start, start + size))
        cut = cut + 1 if cut > start else start + size
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


def _needed_for_ner(nlp) -> set[str]:
    """What the entity recogniser needs: itself, and a shared tok2vec if it listens to one."""
    needed = {"ner"}
    architecture = str(nlp.get_pipe_config("ner").get("model", {}).get("tok2vec", {}))
    if "Listener" in architecture:
        needed |= {"tok2vec", "transformer"}
    return needed


_shared: Redactor | None = None


def redact(text: str) -> Redaction:
    """Redact one text with a Redactor shared by the whole process (the model loads once)."""
    global _shared
    if _shared is None:
        _shared = Redactor()
    return _shared.redact(text)
