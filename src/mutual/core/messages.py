"""Words meant for people, in French (the default) and English.

Notifications are stored as data (a kind and its fields); they are put into words only
when read, in the reader's language, so a gateway can also render them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from mutual.core.timebank import format_duration

LANGUAGES = ("fr", "en")

_TEMPLATES: dict[str, dict[str, str]] = {
    "proposal_received": {
        "fr": "{provider_name} indique vous avoir rendu {duration} : confirmez ou refusez.",
        "en": "{provider_name} says they gave you {duration}: confirm or reject it.",
    },
    "proposal_confirmed": {
        "fr": "{receiver_name} a confirmé les {duration} que vous avez rendues.",
        "en": "{receiver_name} confirmed the {duration} you gave.",
    },
    "proposal_rejected": {
        "fr": "{receiver_name} a refusé votre proposition de {duration} : {reason}",
        "en": "{receiver_name} rejected your proposal of {duration}: {reason}",
    },
    "proposal_expired": {
        "fr": "La proposition de {duration} a expiré sans réponse.",
        "en": "The proposal of {duration} expired unanswered.",
    },
    "offer_message": {
        "fr": "{sender_name} vous écrit au sujet de « {title} » : {text}",
        "en": '{sender_name} wrote to you about "{title}": {text}',
    },
    "exchange_recorded": {
        "fr": "{receiver_name} indique avoir reçu {duration} de vous ; c'est inscrit sur "
        "votre relevé.",
        "en": "{receiver_name} recorded receiving {duration} from you; it is on your statement.",
    },
    "hours_received": {
        "fr": "Vous avez reçu {duration}.",
        "en": "You received {duration}.",
    },
    "commons_paid": {
        "fr": "La coordination vous a payé {duration} du pot commun : {memo}",
        "en": "The coordination paid you {duration} from the commons pot: {memo}",
    },
    "limit_warning": {
        "fr": "Votre solde ({balance}) approche ou atteint sa limite ({bound}).",
        "en": "Your balance ({balance}) is near or at its limit ({bound}).",
    },
    "limits_changed": {
        "fr": "Votre solde peut désormais aller de {min} à {max}.",
        "en": "Your balance may now range from {min} to {max}.",
    },
    "loan_overdue": {
        "fr": "Rappel : votre prêt au point « {point_name} » ({kind_name} × {count}) était à "
        "rendre le {due_on}. Merci de le rapporter, ou de dire à son gardien quand vous le "
        "pourrez.",
        "en": 'Reminder: your loan from the point "{point_name}" ({kind_name} × {count}) was '
        "due back on {due_on}. Please bring it back, or tell its keeper when you can.",
    },
    "webhook_disabled": {
        "fr": "Le webhook {webhook_id} ({url}) est désactivé : son destinataire échoue "
        "depuis {failing_since}. Réactivez-le une fois réparé (PATCH, enabled: true).",
        "en": "Webhook {webhook_id} ({url}) is disabled: its receiver has failed since "
        "{failing_since}. Enable it again once mended (PATCH, enabled: true).",
    },
    "key_registered": {
        "fr": "Une nouvelle clé de signature a été enregistrée pour vous ({key_id}). "
        "Si ce n'est pas vous, prévenez aussitôt un coordinateur.",
        "en": "A new signing key was registered for you ({key_id}). If it was not you, "
        "tell a coordinator at once.",
    },
    "key_rotated": {
        "fr": "Votre clé de signature a été remplacée par une nouvelle ({key_id}).",
        "en": "Your signing key was replaced by a new one ({key_id}).",
    },
    "key_revoked": {
        "fr": "Une de vos clés de signature a été révoquée ({key_id}).",
        "en": "One of your signing keys was revoked ({key_id}).",
    },
    "recovery_requested": {
        "fr": "Un coordinateur a demandé une nouvelle clé pour vous (appareil perdu) : elle "
        "remplacera vos clés à partir du {due}. Si vous avez encore un appareil avec votre "
        "clé et que ce n'est pas vous, annulez cette récupération.",
        "en": "A coordinator asked for a new key for you (a lost device): it replaces your "
        "keys from {due}. If you still hold a device with your key and did not ask, cancel "
        "this recovery.",
    },
    "recovery_cancelled": {
        "fr": "La récupération de votre clé a été annulée avec une de vos clés.",
        "en": "The recovery of your key was cancelled with one of your keys.",
    },
    "recovery_completed": {
        "fr": "Votre nouvelle clé ({key_id}) est enregistrée ; vos anciennes clés sont révoquées.",
        "en": "Your new key ({key_id}) is registered; your old keys are revoked.",
    },
    "sign_in_link": {
        "fr": "Votre code de connexion, à usage unique et valable {duration} : {token}",
        "en": "Your one-time sign-in code, valid for {duration}: {token}",
    },
    "invitation": {
        "fr": "Bienvenue : votre adhésion est acceptée. Pour choisir votre mot de passe, "
        "ouvrez ce lien : {link} (ou saisissez le code {code} dans la page « J'ai une "
        "invitation »). Il sert une fois et reste valable {days} jours.",
        "en": "Welcome: your membership is accepted. To choose your password, open this "
        'link: {link} (or type the code {code} in the page\'s "I have an invitation"). '
        "It works once, for {days} days.",
    },
    "password_reset": {
        "fr": "Votre code pour choisir un nouveau mot de passe, à usage unique et valable "
        "{duration} : {code}. Saisissez-le avec votre identifiant sur {link}",
        "en": "Your one-time code to choose a new password, valid for {duration}: {code}. "
        "Type it with your login at {link}",
    },
    # The territorial pact (usecases.pact).
    "pact_new_version": {
        "fr": "Le pacte territorial a une nouvelle version ({number}, « {title} ») : "
        "vous aviez signé la précédente, nous vous invitons à signer celle-ci.",
        "en": 'The territorial pact has a new version ({number}, "{title}"): you signed '
        "the previous one, and are asked to sign this one.",
    },
    "pact_invited": {
        "fr": "Vous êtes invité·e à signer le pacte territorial.",
        "en": "You are invited to sign the territorial pact.",
    },
    # A round's notices (core.round_notices): {deadline} and {step} are put in words.
    "round_opened": {
        "fr": "La répartition {label} est ouverte : les projets peuvent y être proposés "
        "jusqu'au {deadline}.",
        "en": "The {label} allocation round is open: projects may be put forward until {deadline}.",
    },
    "round_stance_awaited": {
        "fr": "La proposition de répartition {label} (version {version}) attend votre "
        "position : consentement, retrait ou objection motivée, jusqu'au {deadline}.",
        "en": "The {label} allocation proposal (version {version}) awaits your stance: "
        "consent, stand aside or a reasoned objection, until {deadline}.",
    },
    "round_ballot_open": {
        "fr": "Le vote de la répartition {label} est ouvert jusqu'au {deadline} : "
        "approuvez les projets que vous soutenez.",
        "en": "The {label} ballot is open until {deadline}: approve the projects you support.",
    },
    "round_closing": {
        "fr": "Répartition {label} : {step} se termine demain, le {deadline}.",
        "en": "{label} allocation round: {step} ends tomorrow, {deadline}.",
    },
    "round_decided": {
        "fr": "Le résultat de la répartition {label} est publié : voyez ce que chaque "
        "projet reçoit.",
        "en": "The result of the {label} allocation round is out: see what each project receives.",
    },
    "round_undecided": {
        "fr": "La répartition {label} n'a pas abouti (quorum non atteint) : les ressources "
        "restent pour la suivante.",
        "en": "The {label} allocation round reached no decision (no quorum): the "
        "resources stay for the next one.",
    },
}

_UNBOUNDED = {"fr": "sans limite", "en": "no limit"}

# What ends, in a round's reminder ({step}).
_ROUND_STEPS = {
    "proposals": {"fr": "la proposition de projets", "en": "putting projects forward"},
    "consent": {"fr": "la consultation par consentement", "en": "the consent poll"},
    "ballot": {"fr": "le vote", "en": "the ballot"},
}
_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_moment(text: str, language: str) -> str:
    """A signed UTC time (``2027-01-15T18:00:00Z``) in words: "15 janvier 2027 à
    18 h 00 (UTC)", "15 January 2027, 18:00 UTC"."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    if language == "fr":
        day = "1er" if at.day == 1 else str(at.day)
        return f"{day} {_MONTHS_FR[at.month - 1]} {at.year} à {at.hour} h {at.minute:02d} (UTC)"
    month = _MONTHS_EN[at.month - 1]
    return f"{at.day} {month} {at.year}, {at.hour:02d}:{at.minute:02d} UTC"


def choose_language(accept_language: str | None) -> str:
    """The first of our languages the header names; French when it names none."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "fr"


DURATIONS = {
    "minutes": "duration",
    "balance_minutes": "balance",
    "bound_minutes": "bound",
    "min_minutes": "min",
    "max_minutes": "max",
}


def render(kind: str, data: Mapping[str, object], language: str) -> str:
    """The notification in words; missing names show as "?" (an erased profile)."""
    fields: dict[str, object] = {
        "provider_name": "?",
        "receiver_name": "?",
        "sender_name": "?",
        "reason": "",
        "text": "",
        "memo": "",
    }
    fields.update({k: v for k, v in data.items() if v is not None})
    for key, name in DURATIONS.items():
        value = data.get(key)
        if isinstance(value, int):
            fields[name] = format_duration(value, language)
        elif key in data:  # a bound set to none
            fields[name] = _UNBOUNDED[language]
    if isinstance(data.get("deadline"), str):
        fields["deadline"] = format_moment(str(data["deadline"]), language)
    if isinstance(data.get("step"), str):
        fields["step"] = _ROUND_STEPS[str(data["step"])][language]
    return _TEMPLATES[kind][language].format(**fields)


# E-mail (core/mail.py): each notification kind's subject, the digest's, and the closing
# lines that tell the reader why they got it and how to choose otherwise.
MAIL_SUBJECTS: dict[str, dict[str, str]] = {
    "proposal_received": {"fr": "Un échange à confirmer", "en": "An exchange to confirm"},
    "proposal_confirmed": {"fr": "Échange confirmé", "en": "Exchange confirmed"},
    "proposal_rejected": {"fr": "Échange refusé", "en": "Exchange rejected"},
    "proposal_expired": {"fr": "Proposition expirée", "en": "Proposal expired"},
    "offer_message": {
        "fr": "Un message sur votre annonce",
        "en": "A message about your listing",
    },
    "exchange_recorded": {
        "fr": "Un échange inscrit à votre crédit",
        "en": "An exchange credited to you",
    },
    "hours_received": {"fr": "Heures reçues", "en": "Hours received"},
    "commons_paid": {"fr": "Payé du pot commun", "en": "Paid from the commons pot"},
    "limit_warning": {
        "fr": "Votre solde approche de sa limite",
        "en": "Your balance is near its limit",
    },
    "limits_changed": {"fr": "Vos limites de solde changent", "en": "Your balance limits change"},
    "loan_overdue": {"fr": "Un prêt à rendre", "en": "A loan to bring back"},
    "key_registered": {"fr": "Nouvelle clé de signature", "en": "New signing key"},
    "key_rotated": {"fr": "Clé de signature remplacée", "en": "Signing key replaced"},
    "key_revoked": {"fr": "Clé de signature révoquée", "en": "Signing key revoked"},
    "recovery_requested": {
        "fr": "Récupération de votre clé demandée",
        "en": "Recovery of your key requested",
    },
    "recovery_cancelled": {"fr": "Récupération annulée", "en": "Recovery cancelled"},
    "recovery_completed": {"fr": "Nouvelle clé après récupération", "en": "New key after recovery"},
    "sign_in_link": {"fr": "Votre code de connexion", "en": "Your sign-in code"},
    "invitation": {
        "fr": "Bienvenue : choisissez votre mot de passe",
        "en": "Welcome: choose your password",
    },
    "password_reset": {
        "fr": "Votre code pour un nouveau mot de passe",
        "en": "Your code for a new password",
    },
    "webhook_disabled": {"fr": "Webhook désactivé", "en": "Webhook disabled"},
    "pact_new_version": {
        "fr": "Une nouvelle version du pacte à signer",
        "en": "A new version of the pact to sign",
    },
    "pact_invited": {"fr": "Invitation à signer le pacte", "en": "An invitation to the pact"},
    "round_opened": {"fr": "Une répartition est ouverte", "en": "An allocation round is open"},
    "round_stance_awaited": {
        "fr": "Votre position est attendue",
        "en": "Your stance is awaited",
    },
    "round_ballot_open": {"fr": "Le vote est ouvert", "en": "The ballot is open"},
    "round_closing": {"fr": "Dernier jour demain", "en": "Last day tomorrow"},
    "round_decided": {"fr": "Résultat de la répartition", "en": "Result of the allocation"},
    "round_undecided": {"fr": "Répartition sans décision", "en": "Allocation without decision"},
}

_DIGEST_SUBJECT = {
    "fr": ("Votre notification du jour", "Vos {count} notifications du jour"),
    "en": ("Your notice of the day", "Your {count} notices of the day"),
}

_GREETING = {"fr": ("Bonjour {name},", "Bonjour,"), "en": ("Hello {name},", "Hello,")}

_DIGEST_INTRO = {
    "fr": "Voici ce qui s'est passé pour vous depuis le dernier résumé :",
    "en": "Here is what happened for you since the last digest:",
}

_CLOSING = {
    "immediate": {
        "fr": "Vous recevez chaque notification par e-mail dès qu'elle arrive. Pour les "
        "recevoir en un résumé par jour, ou ne plus en recevoir, changez vos préférences "
        "de notification.",
        "en": "You get each notice by e-mail as it happens. To get one digest a day "
        "instead, or none, change your notification preferences.",
    },
    "digest": {
        "fr": "Vous recevez vos notifications en un résumé par jour. Pour les recevoir "
        "dès qu'elles arrivent, ou ne plus en recevoir, changez vos préférences de "
        "notification.",
        "en": "You get your notices in one digest a day. To get each as it happens "
        "instead, or none, change your notification preferences.",
    },
    "sign_in_link": {
        "fr": "Ce code a été demandé pour votre identifiant de connexion. Si ce n'est pas "
        "vous, ne le donnez à personne et ignorez ce message.",
        "en": "This code was asked for your login. If it was not you, give it to nobody "
        "and ignore this message.",
    },
    "invitation": {
        "fr": "Vous recevez ce message parce qu'un coordinateur a accepté votre demande "
        "d'adhésion. Ce lien et ce code sont personnels : ne les donnez à personne.",
        "en": "You get this message because a coordinator accepted your application. "
        "This link and this code are yours alone: give them to nobody.",
    },
    "password_reset": {
        "fr": "Ce code a été demandé pour votre identifiant de connexion. Si ce n'est pas "
        "vous, ne le donnez à personne et ignorez ce message : votre mot de passe ne "
        "change pas.",
        "en": "This code was asked for your login. If it was not you, give it to nobody "
        "and ignore this message: your password stays as it is.",
    },
}


def mail_subject(kind: str, language: str) -> str:
    return MAIL_SUBJECTS[kind][language]


def digest_subject(count: int, language: str) -> str:
    one, many = _DIGEST_SUBJECT[language]
    return one if count == 1 else many.format(count=count)


def mail_greeting(name: str | None, language: str) -> str:
    named, anonymous = _GREETING[language]
    return named.format(name=name) if name else anonymous


def digest_intro(language: str) -> str:
    return _DIGEST_INTRO[language]


def mail_closing(reason: str, language: str) -> str:
    """Why the reader gets this e-mail: ``immediate``, ``digest``, or the kind of a
    notice sent at once whatever the reader chose (a code, an invitation)."""
    return _CLOSING[reason][language]


# The title of each problem type, for people (RFC 9457 lets a title be localised; the
# ``type`` code is what tools switch on, and ``detail`` stays a technical English note).
PROBLEM_TITLES: dict[str, dict[str, str]] = {
    "malformed_request": {"en": "Unreadable request", "fr": "Requête illisible"},
    "not_authenticated": {"en": "Sign-in needed", "fr": "Connexion nécessaire"},
    "not_authorised": {"en": "Not allowed", "fr": "Action non autorisée"},
    "not_found": {"en": "Not found", "fr": "Introuvable"},
    "method_not_allowed": {"en": "Method not allowed", "fr": "Méthode non permise"},
    "exceeds_balance_min": {
        "en": "Not enough room under the lower limit",
        "fr": "Limite basse du solde dépassée",
    },
    "exceeds_balance_max": {
        "en": "Upper limit of the balance reached",
        "fr": "Limite haute du solde dépassée",
    },
    "already_reversed": {"en": "Already corrected", "fr": "Déjà corrigé"},
    "proposal_not_pending": {
        "en": "Proposal already answered",
        "fr": "Proposition déjà traitée",
    },
    "proposal_expired": {"en": "Proposal expired", "fr": "Proposition expirée"},
    "proposal_not_yours": {
        "en": "Not your proposal to answer",
        "fr": "Cette proposition ne vous est pas destinée",
    },
    "bounds_exclude_balance": {
        "en": "The balance lies outside the new limits",
        "fr": "Le solde sort des nouvelles limites",
    },
    "unknown_bounds_default": {
        "en": "Unknown default limits",
        "fr": "Limites par défaut inconnues",
    },
    "account_exists": {"en": "Account already open", "fr": "Compte déjà ouvert"},
    "key_already_registered": {"en": "Key already registered", "fr": "Clé déjà enregistrée"},
    "recovery_not_pending": {
        "en": "No pending recovery",
        "fr": "Aucune récupération en attente",
    },
    "recovery_not_due": {
        "en": "Recovery still waiting",
        "fr": "Récupération encore en attente",
    },
    "request_too_large": {"en": "Request too large", "fr": "Requête trop volumineuse"},
    "unsupported_media_type": {"en": "JSON expected", "fr": "JSON attendu"},
    "invalid_request": {"en": "Invalid request", "fr": "Requête invalide"},
    "invalid_duration": {"en": "Invalid duration", "fr": "Durée invalide"},
    "self_exchange": {
        "en": "An exchange needs two members",
        "fr": "Un échange se fait entre deux membres",
    },
    "implausible_amount": {"en": "Amount beyond belief", "fr": "Montant invraisemblable"},
    "invalid_unit": {"en": "Unknown unit", "fr": "Unité inconnue"},
    "invalid_bounds": {"en": "Invalid limits", "fr": "Limites invalides"},
    "amount_zero": {"en": "Amount is zero", "fr": "Montant nul"},
    "amount_out_of_range": {"en": "Amount out of range", "fr": "Montant hors limites"},
    "too_few_postings": {"en": "Too few postings", "fr": "Écritures insuffisantes"},
    "duplicate_account": {"en": "Account named twice", "fr": "Compte cité deux fois"},
    "transaction_not_balanced": {
        "en": "Transaction not balanced",
        "fr": "Transaction non équilibrée",
    },
    "reversal_kind_mismatch": {
        "en": "Only a correction reverses",
        "fr": "Seule une correction annule",
    },
    "account_not_found": {"en": "Unknown account", "fr": "Compte inconnu"},
    "unit_mismatch": {"en": "Wrong unit for the account", "fr": "Unité différente du compte"},
    "transaction_not_found": {"en": "Unknown transaction", "fr": "Transaction inconnue"},
    "reversal_not_inverse": {
        "en": "A correction must undo exactly",
        "fr": "Une correction annule exactement",
    },
    "idempotency_key_reused": {"en": "Identifier already used", "fr": "Identifiant déjà utilisé"},
    "replay_not_yours": {
        "en": "Already sent by someone else",
        "fr": "Déjà envoyé par quelqu'un d'autre",
    },
    "idempotency_key_mismatch": {
        "en": "Idempotency-Key differs from the id",
        "fr": "Idempotency-Key différent de l'identifiant",
    },
    "invalid_cursor": {"en": "Invalid cursor", "fr": "Curseur invalide"},
    "batch_aborted": {
        "en": "Nothing written: another item was refused",
        "fr": "Rien n'est écrit : un autre élément a été refusé",
    },
    "memo_salt_required": {"en": "Memo salt required", "fr": "Sel du mémo requis"},
    "invalid_key_event": {"en": "Invalid key event", "fr": "Événement de clé invalide"},
    "malformed_signature": {"en": "Malformed signature", "fr": "Signature mal formée"},
    "unknown_key": {"en": "Unknown key", "fr": "Clé inconnue"},
    "invalid_signature": {"en": "Invalid signature", "fr": "Signature invalide"},
    "key_not_valid": {"en": "Key not valid here", "fr": "Clé non valide à ce moment"},
    "not_custodian": {"en": "Not an appointed custodian", "fr": "Pas un mandataire désigné"},
    "signature_required": {"en": "Signature required", "fr": "Signature requise"},
    "key_custody": {
        "en": "Only the member's own key can do this",
        "fr": "Seule une clé du membre peut faire cela",
    },
    "unsigned": {"en": "Sign this and send it again", "fr": "À signer puis renvoyer"},
    "loan_limit_reached": {
        "en": "Open-loan limit reached",
        "fr": "Nombre maximal d'emprunts en cours atteint",
    },
    "not_borrowed": {"en": "Not borrowed", "fr": "Objet non emprunté"},
    "loan_not_overdue": {"en": "Loan not overdue", "fr": "Prêt pas en retard"},
    "invalid_quarter": {"en": "Invalid quarter", "fr": "Trimestre invalide"},
    "quarter_ended": {"en": "Quarter already ended", "fr": "Trimestre déjà terminé"},
    "quarter_not_ended": {"en": "Quarter not yet ended", "fr": "Trimestre pas encore terminé"},
    "exceeds_held": {
        "en": "More than the pool holds of this pledge",
        "fr": "Plus que ce que le pot détient de cette promesse",
    },
    "exceeds_allocation": {
        "en": "More than the hours allocated",
        "fr": "Plus que les heures attribuées",
    },
    "nothing_to_release": {"en": "Nothing left to release", "fr": "Rien à libérer"},
    "not_a_deposit": {"en": "A gift is not repaid", "fr": "Un don n'est pas remboursé"},
    "exceeds_owed": {
        "en": "More than the deposit still owed",
        "fr": "Plus que le reste dû sur ce dépôt",
    },
    "reserved_id": {
        "en": "The id is reserved for ids the service derives",
        "fr": "Cet identifiant est réservé à ceux que le service calcule",
    },
    "invalid_exchange": {
        "en": "Not an exchange",
        "fr": "Ce n’est pas un échange",
    },
    "invalid_commons_gift": {
        "en": "Not a gift to the commons",
        "fr": "Ce n’est pas un don au commun",
    },
    "invalid_commons_payment": {
        "en": "Not a payment from the commons pot",
        "fr": "Ce n’est pas un paiement du pot commun",
    },
    "exceeds_pot": {
        "en": "More than the commons pot holds",
        "fr": "Plus que ce que contient le pot commun",
    },
    "invalid_pledge": {
        "en": "Not a pledge",
        "fr": "Ce n’est pas une promesse d’heures",
    },
    "invalid_allocation": {
        "en": "Not an allocation",
        "fr": "Ce n’est pas une affectation",
    },
    "invalid_delivery": {
        "en": "Not a delivery",
        "fr": "Ce n’est pas une livraison d’heures",
    },
    "invalid_release": {
        "en": "Not a quarter’s release",
        "fr": "Ce n’est pas la libération d’un trimestre",
    },
    "invalid_contribution": {
        "en": "Not a gift to the fund",
        "fr": "Ce n’est pas un don au fonds",
    },
    "invalid_deposit": {
        "en": "Not a deposit",
        "fr": "Ce n’est pas un dépôt",
    },
    "invalid_repayment": {
        "en": "Not a repayment",
        "fr": "Ce n’est pas un remboursement",
    },
    "invalid_grant": {
        "en": "Not a grant",
        "fr": "Ce n’est pas une attribution",
    },
    "invalid_disbursement": {
        "en": "Not a project’s payment",
        "fr": "Ce n’est pas un paiement de projet",
    },
    "invalid_good_deposit": {
        "en": "Not a deposit of goods",
        "fr": "Ce n’est pas un dépôt d’objets",
    },
    "invalid_loan": {
        "en": "Not a loan",
        "fr": "Ce n’est pas un prêt",
    },
    "invalid_return": {
        "en": "Not a return",
        "fr": "Ce n’est pas un retour",
    },
    "invalid_give": {
        "en": "Not a gift of goods",
        "fr": "Ce n’est pas un don d’objets",
    },
    "invalid_good_transfer": {
        "en": "Not a transfer between points",
        "fr": "Ce n’est pas un transfert entre points",
    },
    "invalid_correction": {
        "en": "Not a correction the ledger allows",
        "fr": "Ce n’est pas une correction que le registre permet",
    },
    "execution_mismatch": {
        "en": "Not the round’s decision",
        "fr": "Ce n’est pas la décision de la tournée",
    },
    "exceeds_available": {
        "en": "More than the fund has available",
        "fr": "Plus que le disponible du fonds",
    },
    "invalid_round": {"en": "Invalid round step", "fr": "Étape de tournée invalide"},
    "round_exists": {"en": "Round already drafted", "fr": "Tournée déjà rédigée"},
    "round_moved": {
        "en": "The round moved on: read it again",
        "fr": "La tournée a avancé : relisez-la",
    },
    "round_phase": {
        "en": "Not at this stage of the round",
        "fr": "Pas à cette étape de la tournée",
    },
    "not_on_roll": {"en": "Not on the voter roll", "fr": "Absent de la liste des votants"},
    "deadline_passed": {"en": "Deadline passed", "fr": "Échéance dépassée"},
    "manifest_changed": {
        "en": "The round's manifest differs",
        "fr": "Le manifeste de la tournée diffère",
    },
    "infeasible_allocation": {"en": "Allocation not feasible", "fr": "Répartition impossible"},
    "amendments_exhausted": {
        "en": "No more amended versions",
        "fr": "Plus de version amendée possible",
    },
    "round_outcome_mismatch": {"en": "Outcome does not follow", "fr": "Résultat incohérent"},
    "roll_mismatch": {
        "en": "Voters are not the round's roll",
        "fr": "Les votants ne sont pas la liste du cycle",
    },
    "invalid_group": {"en": "Invalid group change", "fr": "Changement de groupe invalide"},
    "group_rule": {
        "en": "Not allowed in this group now",
        "fr": "Pas permis dans ce groupe maintenant",
    },
    "invalid_pact": {"en": "Invalid pact entry", "fr": "Entrée du pacte invalide"},
    "pact_rule": {
        "en": "Not allowed by the pact's rules",
        "fr": "Pas permis par les règles du pacte",
    },
    "sign_in_failed": {
        "en": "Wrong login, password or link",
        "fr": "Identifiant, mot de passe ou lien incorrect",
    },
    "csrf_token_invalid": {
        "en": "Security check failed: reload the page",
        "fr": "Contrôle de sécurité échoué : rechargez la page",
    },
    "login_taken": {"en": "Login already in use", "fr": "Identifiant de connexion déjà pris"},
    "offer_closed": {"en": "Offer or request closed", "fr": "Annonce close"},
    "no_consent": {"en": "No consent to this tool", "fr": "Pas d'accord donné à cet outil"},
    "own_offer": {"en": "Your own offer or request", "fr": "Votre propre annonce"},
    "not_listed": {
        "en": "Not on the territory's list",
        "fr": "Absent de la liste du territoire",
    },
    "already_listed": {
        "en": "Already on the territory's list",
        "fr": "Déjà dans la liste du territoire",
    },
    "followup_closed": {
        "en": "Follow-up already co-evaluated",
        "fr": "Suivi déjà co-évalué",
    },
    "idea_decided": {"en": "Idea already decided", "fr": "Idée déjà tranchée"},
    "invitation_invalid": {
        "en": "Unknown, used or expired invitation",
        "fr": "Invitation inconnue, déjà utilisée ou expirée",
    },
    "reset_code_invalid": {
        "en": "Wrong, used or expired code for this login",
        "fr": "Code erroné, déjà utilisé ou expiré pour cet identifiant",
    },
    "current_password_wrong": {
        "en": "The current password is wrong",
        "fr": "Le mot de passe actuel est erroné",
    },
    "too_many_requests": {"en": "Too many requests", "fr": "Trop de requêtes"},
    "internal_error": {"en": "Internal error", "fr": "Erreur interne"},
    "ledger_invariant_violated": {
        "en": "Internal ledger error",
        "fr": "Erreur interne du registre",
    },
    "service_unavailable": {
        "en": "Service unavailable, retry shortly",
        "fr": "Service indisponible, réessayez bientôt",
    },
}


def problem_title(code: str, language: str) -> str:
    titles = PROBLEM_TITLES.get(code)
    return code.replace("_", " ").capitalize() if titles is None else titles[language]
