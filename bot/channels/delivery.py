"""The result of sending one turn's messages to a citizen."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.store import SendRecord


@dataclass
class DeliveryResult:
    ok: bool = True
    records: list[SendRecord] = field(default_factory=list)

    @property
    def error(self) -> SendRecord | None:
        """The failed send, if one failed."""
        for record in self.records:
            if record.status != "sent":
                return record
        return None

    @property
    def http_status(self) -> int:
        """200 sent, 409 refused by policy (window closed), 502 the platform failed."""
        failed = self.error
        if failed is None:
            return 200
        return 409 if failed.status == "refused" else 502

    def as_json(self) -> dict:
        failed = self.error
        body: dict = {
            "status": "sent" if self.ok else "failed",
            "message_ids": [
                r.platform_message_id for r in self.records if r.status == "sent"
            ],
        }
        if failed is not None:
            body["error"] = {
                "code": failed.error_code or "send_failed",
                "message": failed.error_message or "",
            }
        return body
