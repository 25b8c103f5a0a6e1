"""The territory's charter, which every applicant accepts: its text (from
``charter_file``, else the service's own short one) and its version, the first hex
digits of its SHA-256, kept with each application so that a changed text is told apart."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from mutual.settings import Settings

# The service's own charter, for a territory that has not written its own yet.
DEFAULT_CHARTER = """\
Charte de la banque du temps

1. Une heure rendue vaut une heure reçue, quel que soit le service.
2. Chacun donne et reçoit selon ses possibilités ; personne n'est obligé d'accepter une \
demande.
3. Les échanges se font entre membres, dans le respect de chacun, sans argent.
4. Chaque échange est confirmé par celui ou celle qui l'a reçu ; le registre est public \
et vérifiable, sans les noms.
5. Vos coordonnées ne sont montrées qu'aux personnes que vous choisissez.
6. Les coordinateurs peuvent suspendre un membre qui ne respecte pas cette charte.
"""

VERSION_DIGITS = 16


@dataclass(frozen=True, slots=True)
class Charter:
    version: str
    text: str


def charter_of(text: str) -> Charter:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Charter(digest[:VERSION_DIGITS], text)


def current_charter(settings: Settings) -> Charter:
    """Read afresh each time: a territory may edit its file without a restart."""
    if settings.charter_file is None:
        return charter_of(DEFAULT_CHARTER)
    return charter_of(settings.charter_file.read_text(encoding="utf-8"))
