"""What a round tells its voters, and when: a pure function of the round's state and the
clock.

- ``round_opened``: the round takes projects (every active member, while it does);
- ``round_stance_awaited``: a proposal (each version: a new version clears the stances)
  waits for each voter's consent, stand-aside or objection;
- ``round_ballot_open``: objections sent the round to a ballot;
- ``round_closing``: a day before the phase's deadline, to whoever has not yet acted
  (every active member for the proposals; the roll's voters without a stance, or
  without a ballot);
- ``round_decided`` / ``round_undecided``: the result is out.

Each notice has a ``source`` naming the round and the event, so the feed (keyed by
member, kind and source) holds it once per voter however often it is derived. Voters
are the roll frozen at the snapshot, minus those no longer active (an erased member is
told nothing).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from mutual.core.round_entries import timestamp
from mutual.core.round_state import Phase, RoundState

# How long before a deadline the voters who have not acted are reminded of it.
REMINDER_AHEAD = timedelta(days=1)

ROUND_NOTICE_KINDS = frozenset(
    {
        "round_opened",
        "round_stance_awaited",
        "round_ballot_open",
        "round_closing",
        "round_decided",
        "round_undecided",
    }
)


@dataclass(frozen=True, slots=True)
class RoundNotice:
    """One event of a round and who hears of it."""

    kind: str
    source: str
    data: dict[str, Any]
    members: frozenset[UUID]


def _closing(
    state: RoundState, step: str, deadline: datetime, who: frozenset[UUID], now: datetime
) -> RoundNotice | None:
    if not deadline - REMINDER_AHEAD <= now < deadline:
        return None
    data = {"round_id": str(state.round_id), "label": state.config.label, "step": step}
    data["deadline"] = timestamp(deadline)
    return RoundNotice("round_closing", f"round/{state.round_id}/{step}/closing", data, who)


def round_notices(state: RoundState, active: Set[UUID], now: datetime) -> list[RoundNotice]:
    """The notices the round's state calls for at ``now`` (the phase's event, and the
    reminder of its deadline when it is less than a day away)."""
    config = state.config
    rid = state.round_id
    base: dict[str, Any] = {"round_id": str(rid), "label": config.label}
    voters = frozenset(v for v in state.roll if v in active)
    everyone = frozenset(active)
    found: list[RoundNotice | None] = []
    if state.phase is Phase.PROPOSALS:
        opened = {**base, "deadline": timestamp(config.proposals_close)}
        found.append(RoundNotice("round_opened", f"round/{rid}/opened", opened, everyone))
        found.append(_closing(state, "proposals", config.proposals_close, everyone, now))
    elif state.phase is Phase.CONSENT:
        awaited = {
            **base,
            "version": state.version,
            "deadline": timestamp(config.consent_close),
        }
        source = f"round/{rid}/proposal/{state.version}"
        found.append(RoundNotice("round_stance_awaited", source, awaited, voters))
        silent = voters - state.stances.keys()
        found.append(_closing(state, "consent", config.consent_close, silent, now))
    elif state.phase is Phase.BALLOT:
        ballot = {**base, "deadline": timestamp(config.ballot_close)}
        found.append(RoundNotice("round_ballot_open", f"round/{rid}/ballot", ballot, voters))
        silent = voters - state.ballots.keys()
        found.append(_closing(state, "ballot", config.ballot_close, silent, now))
    elif state.phase in (Phase.DECIDED, Phase.EXECUTED):
        found.append(RoundNotice("round_decided", f"round/{rid}/result", base, voters))
    elif state.phase is Phase.UNDECIDED:
        found.append(RoundNotice("round_undecided", f"round/{rid}/result", base, voters))
    return [n for n in found if n is not None]
