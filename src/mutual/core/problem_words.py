"""What a refusal says to people, in French and English: the one source the service and
the page share (the page reads it as ``/app/words.json``, so no code is spelt twice).

``messages.PROBLEM_TITLES`` names every problem type; ``PROBLEM_TEXTS`` says more for the
refusals a person meets, with the problem's ``facts`` in their place. A text is chosen by
``code``, or by ``code/variant`` when the facts carry a ``variant``. In a text, ``{name}``
is the fact ``name``: an amount written in the facts' ``unit`` (a duration for ``TIME``
and ``PLEDGE``, euros for ``EUR``, a number of items otherwise), and
``{name:one|other}`` picks the plural form of the language for that number, ``#``
standing for it. ``FIELD_NAMES`` names in words the parts of a request a problem points
at, by the last name of its ``field`` path (``postings[0].amount`` is ``amount``).
"""

from __future__ import annotations

import re
from typing import Any, Final

from mutual.core.messages import LANGUAGES, PROBLEM_TITLES
from mutual.core.timebank import (
    CATEGORIES,
    USUAL_EXCHANGE_MINUTES,
    USUAL_LIMIT_MINUTES,
    USUAL_PLEDGE_MINUTES,
)

Words = dict[str, str]

PROBLEM_TEXTS: Final[dict[str, Words]] = {
    "not_authenticated": {
        "fr": "Votre session a expiré : reconnectez-vous.",
        "en": "Your session has expired: sign in again.",
    },
    "csrf_token_invalid": {
        "fr": "Votre session a expiré : reconnectez-vous.",
        "en": "Your session has expired: sign in again.",
    },
    "sign_in_failed": {
        "fr": "Identifiant ou mot de passe incorrect.",
        "en": "Wrong login or password.",
    },
    "too_many_requests": {
        "fr": "Trop d’essais : réessayez plus tard.",
        "en": "Too many attempts: try again later.",
    },
    "replay_not_yours": {
        "fr": "Cette opération a déjà été envoyée par quelqu’un d’autre.",
        "en": "This was already sent by someone else.",
    },
    "exceeds_balance_min": {
        "fr": "Ce mouvement ferait passer le solde ({balance}) sous sa limite basse "
        "({bound}) : il manque {gap}.",
        "en": "This would take the balance ({balance}) below its lower limit ({bound}): "
        "{gap} short.",
    },
    "exceeds_balance_max": {
        "fr": "Ce mouvement ferait passer le solde ({balance}) au-dessus de sa limite haute "
        "({bound}) : {gap} de trop.",
        "en": "This would take the balance ({balance}) above its upper limit ({bound}): "
        "{gap} too many.",
    },
    "bounds_exclude_balance/min": {
        "fr": "Le solde ({balance}) est déjà sous cette limite basse ({bound}), de {gap} : "
        "choisissez une limite qui l’inclut.",
        "en": "The balance ({balance}) is already below this lower limit ({bound}), by "
        "{gap}: choose a limit that includes it.",
    },
    "bounds_exclude_balance/max": {
        "fr": "Le solde ({balance}) est déjà au-dessus de cette limite haute ({bound}), de "
        "{gap} : choisissez une limite qui l’inclut.",
        "en": "The balance ({balance}) is already above this upper limit ({bound}), by "
        "{gap}: choose a limit that includes it.",
    },
    "loan_limit_reached/none": {
        "fr": "Au plus {limit:# objet|# objets} en prêt à la fois par personne : "
        "{asked:# objet demandé, c’est trop|# objets demandés, c’est trop}.",
        "en": "At most {limit:# item|# items} on loan at once per person: "
        "{asked:# item asked is too many|# items asked are too many}.",
    },
    "loan_limit_reached/some": {
        "fr": "Cette personne a déjà {held:# objet|# objets} en prêt, au plus {limit} à la "
        "fois : elle peut encore en emprunter {left}.",
        "en": "This person already holds {held:# item|# items} on loan, at most {limit} at "
        "once: they may borrow {left} more.",
    },
    "loan_limit_reached/full": {
        "fr": "Cette personne a déjà {held:# objet|# objets} en prêt, le plus permis à la "
        "fois : un retour d’abord.",
        "en": "This person already holds {held:# item|# items} on loan, the most allowed at "
        "once: a return first.",
    },
    "loan_not_overdue": {
        "fr": "Ce prêt n’est pas en retard : un rappel s’envoie une fois la date de retour passée.",
        "en": "This loan is not overdue: a reminder is sent once its return date has passed.",
    },
    "not_borrowed": {
        "fr": "Ce prêt n’a que {out:# objet dehors|# objets dehors}.",
        "en": "This loan has only {out:# item|# items} out.",
    },
    "implausible_amount": {
        "fr": "{amount} : c’est plus que le plus permis ici ({most}). Vérifiez le montant.",
        "en": "{amount} is more than the most allowed here ({most}). Check the amount.",
    },
    "quarter_ended": {"fr": "Ce trimestre est terminé.", "en": "This quarter has ended."},
    "key_custody": {
        "fr": "Seule une clé de ce membre peut enregistrer, remplacer ou révoquer ses clés ; "
        "un appareil perdu passe par une récupération demandée à un coordinateur.",
        "en": "Only a key of this member can register, replace or revoke their keys; a lost "
        "device goes through a recovery asked of a coordinator.",
    },
    "recovery_not_pending": {
        "fr": "Aucune récupération de clé en attente sous cet identifiant.",
        "en": "No pending key recovery under this id.",
    },
    "recovery_not_due": {
        "fr": "La récupération attend encore la fin de son délai.",
        "en": "The recovery is still waiting for its delay to end.",
    },
    "invitation_invalid": {
        "fr": "Cette invitation est inconnue, déjà utilisée ou expirée : demandez-en une "
        "nouvelle à la coordination.",
        "en": "This invitation is unknown, already used or expired: ask the coordination for "
        "a new one.",
    },
    "reset_code_invalid": {
        "fr": "Ce code est erroné, déjà utilisé ou expiré pour cet identifiant : demandez-en "
        "un nouveau.",
        "en": "This code is wrong, already used or expired for this login: ask for a new one.",
    },
    "current_password_wrong": {
        "fr": "Le mot de passe actuel est erroné.",
        "en": "The current password is wrong.",
    },
    "no_consent": {
        "fr": "Cette personne n’a pas donné son accord pour que cet outil enregistre en son "
        "nom : rien n’a été enregistré. Elle peut le donner depuis son espace.",
        "en": "This person has not agreed to this tool recording in their name: nothing "
        "was recorded. They may agree from their own page.",
    },
    "offer_closed": {
        "fr": "Cette annonce est close ou a expiré : on n’y répond plus, et une annonce "
        "close ne se modifie ni ne se renouvelle. Son auteur peut renouveler celle qui a "
        "seulement expiré, ou en publier une nouvelle.",
        "en": "This offer or request is closed or has expired: it is no longer answered, "
        "and a closed one is neither edited nor renewed. Its author may renew one that only "
        "expired, or post a new one.",
    },
    "not_listed": {
        "fr": "Ce choix ne figure pas (ou plus) dans les listes du territoire : rien n’a "
        "été enregistré. Choisissez-en un de la liste.",
        "en": "This choice is not (or no longer) on the territory’s lists: nothing was "
        "recorded. Choose one from the list.",
    },
    "already_listed": {
        "fr": "Ce code figure déjà dans la liste : renommez l’entrée existante.",
        "en": "This code is on the list already: rename the existing entry.",
    },
    "followup_closed": {
        "fr": "Le groupe a déjà co-évalué ce suivi : il est clos, on ne le réécrit plus. "
        "Le trimestre suivant aura son propre suivi.",
        "en": "The group has already co-evaluated this follow-up: it is closed and no longer "
        "rewritten. Next quarter has its own follow-up.",
    },
    "idea_decided": {
        "fr": "Cette idée a déjà été retenue ou écartée.",
        "en": "This idea was already taken up or declined.",
    },
    "own_offer": {
        "fr": "C’est votre propre annonce : on répond à celles des autres.",
        "en": "This is your own offer or request: one answers other people’s.",
    },
    "not_custodian": {
        "fr": "Vous ne tenez pas ce point de collecte.",
        "en": "You do not keep this collection point.",
    },
    "invalid_duration": {
        "fr": "Indiquez une durée de plus de zéro minute, par pas de 15 minutes.",
        "en": "Give a duration of more than zero minutes, in steps of 15 minutes.",
    },
    "reserved_id": {
        "fr": "Cet identifiant fait partie de ceux que le service calcule pour ses propres "
        "comptes et écritures : laissez la page ou votre outil en choisir un autre.",
        "en": "This id belongs to the ones the service derives for its own accounts and "
        "records: let the page or your tool choose another.",
    },
    "invalid_exchange": {
        "fr": "Un échange ne fait passer des heures qu’entre les comptes temps des personnes.",
        "en": "An exchange moves hours between people’s time accounts only.",
    },
    "invalid_exchange/received": {
        "fr": "Un « j’ai reçu » ne prend des heures que sur le compte temps de la personne qui "
        "l’inscrit.",
        "en": "An “I received” takes hours only from the time account of the person recording it.",
    },
    "invalid_exchange/share": {
        "fr": "Chaque part d’un échange de groupe va d’une seule personne à une autre, sous "
        "l’identifiant que le service tire du groupe.",
        "en": "Each share of a group exchange goes from one person to one other, under the id "
        "the service derives from the group.",
    },
    "invalid_commons_gift": {
        "fr": "Un don au commun fait passer des heures de votre propre compte temps vers "
        "le pot commun.",
        "en": "A gift to the commons moves hours from your own time account to the commons pot.",
    },
    "invalid_commons_payment": {
        "fr": "Un paiement du pot commun va du pot commun vers le compte temps d’une personne "
        "ou d’une association.",
        "en": "A payment from the commons pot goes from the pot to the time account of a "
        "person or an association.",
    },
    "exceeds_pot": {
        "fr": "Le pot commun contient {held}, moins que les {asked} demandées.",
        "en": "The commons pot holds {held}, less than the {asked} asked.",
    },
    "invalid_pledge": {
        "fr": "Une promesse fait passer vos propres heures promises dans votre propre part "
        "gardée par le pot, pour le trimestre indiqué.",
        "en": "A pledge moves your own promise into your own share held by the pool, for "
        "the quarter it names.",
    },
    "invalid_allocation": {
        "fr": "Une affectation donne aux projets exactement ce qu’elle prend aux heures "
        "gardées des membres pour le trimestre, sur une décision enregistrée.",
        "en": "An allocation gives projects exactly what it takes from members’ held hours "
        "for the quarter, by a recorded decision.",
    },
    "invalid_delivery": {
        "fr": "Les heures livrées sortent de ce qui a été affecté à ce bénévole pour ce "
        "projet et ce trimestre, vers les heures du projet.",
        "en": "Delivered hours come out of what was allocated to that volunteer for that "
        "project and quarter, into the project’s hours.",
    },
    "invalid_release": {
        "fr": "La libération d’un trimestre rend à chaque membre toutes ses heures gardées, "
        "une fois, sous l’identifiant du trimestre.",
        "en": "A quarter’s release gives each member back all their held hours, once, under "
        "the quarter’s own id.",
    },
    "invalid_contribution": {
        "fr": "Un don va du compte du partenaire vers le fonds.",
        "en": "A gift goes from the partner’s own account to the fund.",
    },
    "invalid_deposit": {
        "fr": "Un dépôt est prêté au fonds depuis son propre compte de dépôt, par son partenaire.",
        "en": "A deposit is lent to the fund from its own deposit account, by its partner.",
    },
    "invalid_repayment": {
        "fr": "Un remboursement va du fonds vers le dépôt qu’il désigne.",
        "en": "A repayment goes from the fund to the deposit it names.",
    },
    "invalid_grant": {
        "fr": "Une attribution va du seul fonds vers les comptes en euros des projets.",
        "en": "A grant goes from the fund alone to projects’ euro accounts.",
    },
    "invalid_disbursement": {
        "fr": "Un paiement va du projet indiqué vers les bénéficiaires.",
        "en": "A payment goes from the project it names to the payees.",
    },
    "invalid_good_deposit": {
        "fr": "Les objets déposés entrent dans le stock du point depuis son entrée.",
        "en": "Items deposited enter the point’s stock from its intake.",
    },
    "invalid_loan": {
        "fr": "Un prêt fait passer des objets du stock du point à l’emprunteur indiqué.",
        "en": "A loan moves items from the point’s stock to the borrower it names.",
    },
    "invalid_return": {
        "fr": "Un retour ramène les objets d’un prêt dans le stock du même point.",
        "en": "A return brings a loan’s items back to the stock of the same point.",
    },
    "invalid_give": {
        "fr": "Un don d’objets fait passer des objets du stock du point vers ce qu’il a donné.",
        "en": "A gift of goods moves items from the point’s stock to what it gave away.",
    },
    "invalid_good_transfer": {
        "fr": "Un transfert fait passer des objets du stock du point indiqué vers le stock "
        "d’un autre point.",
        "en": "A transfer moves items from the stock of the point it names to another "
        "point’s stock.",
    },
    "invalid_correction": {
        "fr": "Une correction annule une erreur de la banque du temps ; les promesses, le "
        "fonds et les objets se rectifient par leurs propres étapes (libération, "
        "remboursement, retour).",
        "en": "A correction undoes a time-bank mistake; pledges, the fund and goods are put "
        "right with their own steps (a release, a repayment, a return).",
    },
    "execution_mismatch": {
        "fr": "Une tournée s’exécute exactement comme décidé, une fois, sous les identifiants "
        "qui en dérivent.",
        "en": "A round is carried out exactly as decided, once, under the ids derived from it.",
    },
}

# The parts of a request people fill in, by the last name of a problem's field path.
FIELD_NAMES: Final[dict[str, Words]] = {
    "amount": {"fr": "le montant", "en": "the amount"},
    "minutes": {"fr": "la durée", "en": "the duration"},
    "count": {"fr": "le nombre d’objets", "en": "the number of items"},
    "balance_min": {"fr": "la limite basse", "en": "the lower limit"},
    "balance_max": {"fr": "la limite haute", "en": "the upper limit"},
    "receiver": {"fr": "la personne qui a reçu", "en": "the person who received"},
    "provider": {"fr": "la personne qui a rendu service", "en": "the person who gave"},
    "member_id": {"fr": "le membre", "en": "the member"},
    "kind": {"fr": "le type d’objet", "en": "the kind of item"},
    "due_on": {"fr": "la date de retour", "en": "the return date"},
    "quarter": {"fr": "le trimestre", "en": "the quarter"},
    "category": {"fr": "la catégorie", "en": "the category"},
    "memo": {"fr": "la note", "en": "the note"},
    "reason": {"fr": "le motif", "en": "the reason"},
    "login": {"fr": "l’identifiant", "en": "the login"},
    "password": {"fr": "le mot de passe", "en": "the password"},
    "token": {"fr": "le code reçu", "en": "the code received"},
    "display_name": {"fr": "le nom affiché", "en": "the display name"},
    "email": {"fr": "l’adresse e-mail", "en": "the e-mail address"},
    "title": {"fr": "le titre", "en": "the title"},
    "description": {"fr": "la description", "en": "the description"},
    "estimated_minutes": {"fr": "la durée estimée", "en": "the estimated duration"},
    "text": {"fr": "le message", "en": "the message"},
    "neighbourhood": {"fr": "le quartier", "en": "the neighbourhood"},
    "name": {"fr": "le nom", "en": "the name"},
    "offer_id": {"fr": "l’annonce", "en": "the offer or request"},
    "to": {"fr": "le destinataire", "en": "the recipient"},
    "to_point": {"fr": "le point de destination", "en": "the destination point"},
    "member": {"fr": "la personne", "en": "the person"},
    "shares": {"fr": "les participants", "en": "the participants"},
}

# Names of the exchange categories (core.timebank.CATEGORIES), for people.
CATEGORY_NAMES: Final[dict[str, Words]] = {
    "childhood": {"fr": "Enfance", "en": "Childhood"},
    "youth": {"fr": "Jeunesse", "en": "Youth"},
    "work": {"fr": "Travail", "en": "Work"},
    "citizenship": {"fr": "Citoyenneté", "en": "Citizenship"},
    "family": {"fr": "Famille", "en": "Family"},
    "lifelong_learning": {"fr": "Apprendre tout au long de la vie", "en": "Lifelong learning"},
    "elderly": {"fr": "Personnes âgées", "en": "Elderly people"},
    "culture_sport": {"fr": "Culture et sport", "en": "Culture and sport"},
    "health": {"fr": "Santé", "en": "Health"},
    "social_reintegration": {"fr": "Réinsertion sociale", "en": "Social reintegration"},
    "energy": {"fr": "Énergie", "en": "Energy"},
    "land_buildings": {"fr": "Terrains et bâtiments", "en": "Land and buildings"},
    "time": {"fr": "Temps", "en": "Time"},
    "money": {"fr": "Argent", "en": "Money"},
    "information": {"fr": "Information", "en": "Information"},
}

_PLACEHOLDER: Final = re.compile(r"\{(\w+)(?::([^{}|]*)\|([^{}]*))?\}")


def placeholders(text: str) -> set[str]:
    """The facts a text names."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(text)}


def words_document() -> dict[str, Any]:
    """Everything the page says about codes the service defines, in both languages."""
    return {
        "languages": list(LANGUAGES),
        "problems": {
            code: {"title": PROBLEM_TITLES[code], "text": PROBLEM_TEXTS.get(code)}
            for code in PROBLEM_TITLES
        },
        "variants": {key: text for key, text in PROBLEM_TEXTS.items() if "/" in key},
        "fields": FIELD_NAMES,
        "categories": {code: CATEGORY_NAMES[code] for code in CATEGORIES},
        # From these the page asks "are you sure?" before sending (the service refuses
        # only far beyond them, at core.timebank's *_MAX).
        "usual_minutes": {
            "exchange": USUAL_EXCHANGE_MINUTES,
            "pledge": USUAL_PLEDGE_MINUTES,
            "limit": USUAL_LIMIT_MINUTES,
        },
    }
