"""Member notices: a profile changed, a member erased, told in the log (signed by the log
key) so that the event stream, whose every cursor is a log index, carries them as
``member.profile_changed`` and ``member.erased``. They name the member, never the data."""

from __future__ import annotations

from uuid import UUID

from mutual.core.entries import EntryType, MemberChange, MemberNotice, member_notice_payload
from mutual.core.ids import PrincipalId
from mutual.core.signing import Domain
from mutual.store.journal import MemberNoticeWrite
from mutual.store.outcomes import raise_refusal
from mutual.usecases.runtime import Runtime, new_id


async def tell(rt: Runtime, member_id: UUID, change: MemberChange) -> None:
    """Append the notice once the change is committed (after it, so that a consumer who
    reads the profile on the event reads the new one)."""
    notice = MemberNotice(new_id(), PrincipalId(member_id), change)
    entry, digest = rt.log.sign_entry(
        Domain.MEMBER_NOTICE, EntryType.MEMBER_NOTICE, member_notice_payload(rt.log.origin, notice)
    )
    [outcome] = await rt.journal.submit(
        [MemberNoticeWrite(notice, digest, entry)], atomic=False, recorded_at=rt.clock()
    )
    raise_refusal([outcome])
