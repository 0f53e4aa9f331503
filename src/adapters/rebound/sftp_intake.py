"""What the SFTP poller stores: each file in the inbox, keyed by its name and sha256.

A file holding a tracking update is stored to be processed; any other file is stored quarantined
(kept verbatim, shown as an exception) and moved to `rejected/` with the reason. The verdict comes
from the bytes alone, so a file stored before a crash gets the same verdict when seen again.
"""

from __future__ import annotations

from backflow.adapters.rebound.sftp_poller import SftpFile, Store, Verdict
from backflow.adapters.rebound.tracking import MalformedTrackingUpdate, decode_tracking_update
from backflow.adapters.rebound.tracking_snapshot import KIND
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, Inbox

SOURCE = "rebound-sftp"
FILE_HEADER = "SFTP-File"
SHA256_HEADER = "SFTP-SHA256"


def make_sftp_store(inbox: Inbox, clock: Clock) -> Store:
    async def store(file: SftpFile) -> Verdict:
        try:
            decode_tracking_update(file.data)
            reason = None
        except MalformedTrackingUpdate as error:
            reason = f"not a tracking update: {error}"[:500]
        await inbox.store(
            InboundEvent(
                source=SOURCE,
                source_id=file.dedupe_key,
                kind=KIND if reason is None else "unknown",
                received_at=clock.now(),
                body=file.data,
                headers={FILE_HEADER: file.name[:256], SHA256_HEADER: file.sha256},
                quarantine_reason=reason,
            )
        )  # a duplicate (stored before a crash) is just as durable
        if reason is None:
            return Verdict(outcome="processed")
        return Verdict(outcome="rejected", reason=reason)

    return store
