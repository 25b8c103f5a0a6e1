"""Words meant for people, in French (the default) and English.

Notifications are stored as data (a kind and its fields); they are put into words only
when read, in the reader's language, so a gateway can also render them its own way.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    "hours_received": {
        "fr": "Vous avez reçu {duration}.",
        "en": "You received {duration}.",
    },
    "limit_warning": {
        "fr": "Votre solde ({balance}) approche ou atteint sa limite ({bound}).",
        "en": "Your balance ({balance}) is near or at its limit ({bound}).",
    },
}


def choose_language(accept_language: str | None) -> str:
    """The first of our languages the header names; French when it names none."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "fr"


DURATIONS = {"minutes": "duration", "balance_minutes": "balance", "bound_minutes": "bound"}


def render(kind: str, data: Mapping[str, object], language: str) -> str:
    """The notification in words; missing names show as "?" (an erased profile)."""
    fields: dict[str, object] = {"provider_name": "?", "receiver_name": "?", "reason": ""}
    fields.update({k: v for k, v in data.items() if v is not None})
    for key, name in DURATIONS.items():
        value = data.get(key)
        if isinstance(value, int):
            fields[name] = format_duration(value, language)
    return _TEMPLATES[kind][language].format(**fields)
