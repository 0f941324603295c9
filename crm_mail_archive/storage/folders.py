"""A folder's sync state (UIDVALIDITY, highest stored UID, HIGHESTMODSEQ) in the account's
folder table, and the server's flag and presence changes applied to its mailbox copies; what
each batch saw and archived, and the UIDs the archive lacks (Mail Archive Gap), counted in the
batch's transaction."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from crm_mail_archive.contracts import (
	BEFORE_FIRST_SYNC,
	EXPUNGED_BEFORE_ARCHIVED,
	FolderBatch,
	StoredFolderState,
)
from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.live import mail_changed
from crm_mail_archive.mailbox.client import IMPORT_UIDVALIDITY

COUNTERS = (
	"mails_seen",
	"mails_headers_only",
	"mails_expunged_unarchived",
	"mails_before_first_sync",
)
GAP_FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"account",
	"folder",
	"uidvalidity",
	"first_uid",
	"last_uid",
	"uid_count",
	"reason",
	"evidence",
	"detected_on",
)


class FolderStates:
	"""The folder rows of one Mail Archive Account (a folder synced on demand gets a row)."""

	def __init__(self, account):
		self.account = account

	def row(self, folder: str):
		for row in self.account.folders:
			if row.folder_name == folder:
				return row
		row = self.account.append("folders", {"folder_name": folder, "role": "Other", "enabled": 1})
		row.db_insert()
		return row

	def state(self, folder: str) -> StoredFolderState:
		values = frappe.db.get_value(
			"Mail Archive Folder",
			self.row(folder).name,
			["uidvalidity", "highest_uid", "highest_modseq"],
			as_dict=True,
		)
		return StoredFolderState(
			uidvalidity=values.uidvalidity or None,
			highest_uid=values.highest_uid or 0,
			highest_modseq=int(values.highest_modseq) if (values.highest_modseq or "").isdigit() else None,
		)

	def start(self, folder: str, uidvalidity: int) -> None:
		"""A first or changed UIDVALIDITY: copies under the old one address nothing any more; the
		re-scan adds new ones to the same Communications (found again by message key), so nothing
		is duplicated."""
		frappe.db.delete(
			"Mailbox Copy",
			{
				"account": self.account.name,
				"folder": folder,
				# imported mail is no server copy, also in a server folder called "Import"
				"uidvalidity": ("not in", [uidvalidity, IMPORT_UIDVALIDITY]),
			},
		)
		frappe.db.set_value(
			"Mail Archive Folder",
			self.row(folder).name,
			{
				"uidvalidity": uidvalidity,
				"highest_uid": 0,
				"highest_modseq": None,
				"status": "",
				# the figures are those of this UIDVALIDITY: its UIDs are counted afresh
				**dict.fromkeys(COUNTERS, 0),
				"counting_since": now_datetime(),
			},
			update_modified=False,
		)
		frappe.db.commit()

	def advance(self, folder: str, uidvalidity: int, highest_uid: int) -> None:
		"""In the transaction of the batch that stored everything up to `highest_uid`."""
		frappe.db.set_value(
			"Mail Archive Folder",
			self.row(folder).name,
			{"uidvalidity": uidvalidity, "highest_uid": highest_uid, "last_synced": now_datetime()},
			update_modified=False,
		)

	def count(self, batch: FolderBatch, stored_uids: list[int]) -> None:
		"""What a sync batch saw and archived, and its gaps: in the batch's transaction, so the
		figures move exactly with the folder's state."""
		stored = set(stored_uids)
		increments = {
			"mails_seen": len(batch.messages),
			"mails_headers_only": sum(1 for m in batch.messages if m.headers_only and m.uid in stored),
			"mails_expunged_unarchived": sum(
				gap.count for gap in batch.gaps if gap.reason == EXPUNGED_BEFORE_ARCHIVED
			),
			"mails_before_first_sync": sum(
				gap.count for gap in batch.gaps if gap.reason == BEFORE_FIRST_SYNC
			),
		}
		now = now_datetime()
		if any(increments.values()):
			assignments = ", ".join(
				f"`{column}` = coalesce(`{column}`, 0) + %({column})s" for column in increments
			)
			frappe.db.sql(
				f"""update `tabMail Archive Folder` set {assignments},
				`counting_since` = coalesce(`counting_since`, %(now)s) where name = %(row)s""",
				{**increments, "now": now, "row": self.row(batch.folder.name).name},
			)
		if batch.gaps:
			frappe.db.bulk_insert(
				"Mail Archive Gap",
				GAP_FIELDS,
				[
					(
						frappe.generate_hash(length=12),
						now,
						now,
						frappe.session.user,
						frappe.session.user,
						self.account.name,
						batch.folder.name,
						batch.uidvalidity,
						gap.first,
						gap.last,
						gap.count,
						gap.reason,
						gap.evidence,
						now,
					)
					for gap in batch.gaps
				],
			)

	def apply_server_state(
		self,
		folder: str,
		uidvalidity: int,
		flags: dict[int, set[str]],
		present_uids: set[int] | None,
		highest_modseq: int | None,
	) -> tuple[int, int]:
		where = {
			"account": self.account.name,
			"folder": folder,
			"uidvalidity": uidvalidity,
			"status": "Stored",
		}
		changed = 0
		for uids in chunked(sorted(flags)):
			for copy in frappe.get_all(
				"Mailbox Copy",
				{**where, "uid": ("in", uids)},
				["name", "uid", "server_flags", "communication"],
			):
				server_flags = " ".join(sorted(flags[copy.uid]))[:140]
				if server_flags == (copy.server_flags or ""):
					continue
				seen = int("\\Seen" in flags[copy.uid])
				frappe.db.set_value(
					"Mailbox Copy",
					copy.name,
					{"server_flags": server_flags, "seen": seen},
					update_modified=False,
				)
				frappe.db.set_value("Communication", copy.communication, "seen", seen, update_modified=False)
				mail_changed([copy.communication])  # read or unread in the mail client: the desks follow
				changed += 1
		gone = []
		if present_uids is not None:
			gone = [
				copy.name
				for copy in frappe.get_all("Mailbox Copy", where, ["name", "uid"])
				if copy.uid not in present_uids
			]
			for names in chunked(gone):
				frappe.db.delete("Mailbox Copy", {"name": ("in", names)})
		frappe.db.set_value(
			"Mail Archive Folder",
			self.row(folder).name,
			"highest_modseq",
			str(highest_modseq) if highest_modseq is not None else None,
			update_modified=False,
		)
		frappe.db.commit()
		return changed, len(gone)
