"""What one mail may cost (Mail Archive Settings → Limits): whatever a limit keeps out stays in
the raw message, and the mail shows a note. One hostile mail must not stall a mailbox."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StorageLimits:
	max_attachment_size: int = 25 * 1024 * 1024
	max_html_size: int = 2 * 1024 * 1024
	max_attachments: int = 100
	max_addresses: int = 500
	max_mail_size: int = 100 * 1024 * 1024  # only for the note on a mail fetched as headers

	@classmethod
	def from_settings(cls, settings) -> StorageLimits:
		def positive(value, default: int) -> int:
			return int(value) if value and int(value) > 0 else default

		return cls(
			max_attachment_size=positive(settings.max_attachment_size_mb, 25) * 1024 * 1024,
			max_html_size=positive(settings.get("max_html_size_kb"), 2048) * 1024,
			max_attachments=positive(settings.get("max_attachments_per_mail"), 100),
			max_addresses=positive(settings.get("max_addresses_per_mail"), 500),
			max_mail_size=positive(settings.get("max_mail_size_mb"), 100) * 1024 * 1024,
		)
