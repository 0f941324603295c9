"""Erasure on request (GDPR Art. 17) and the purge after retention: archived mail is removed
completely (the Communication, its original message, attachments, filings, address index, search
words, mailbox copies and queued server actions; no "Deleted Document" copy), except what a
retention period or a legal hold keeps. What was removed is recorded without its content: the
mails' names and the SHA-256 of their originals and attachments (Mail Archive Erasure), and an
audit entry per mail."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import getdate, today

from crm_mail_archive.compliance.removal import delete_communications
from crm_mail_archive.filing.address_index import mails_with
from crm_mail_archive.infra import audit
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.integrity.seal import seal_erasure
from crm_mail_archive.mailbox.addresses import normalize_address
from crm_mail_archive.mailbox.client import IMPORT_UIDVALIDITY, MailboxClient, MailboxError
from crm_mail_archive.retention.guard import removing_by_the_app
from crm_mail_archive.retention.policy import RetentionSettings, deletion_refusals


@dataclass
class ErasurePlan:
	address: str
	erasable: list[str] = field(default_factory=list)
	kept: dict[str, str] = field(default_factory=dict)  # mail -> why it is kept

	def as_dict(self) -> dict:
		reasons: dict[str, int] = {}
		for reason in self.kept.values():
			reasons[reason] = reasons.get(reason, 0) + 1
		return {
			"address": self.address,
			"erasable": len(self.erasable),
			"kept": len(self.kept),
			"reasons": reasons,
		}


def address_digest(address: str) -> str:
	"""The address as the record keeps it: its SHA-256, so that the erasure can be shown to have
	served a request (given the address) without keeping the address."""
	return hashlib.sha256(address.encode()).hexdigest()


def plan_erasure(address: str) -> ErasurePlan:
	normalized = normalize_address(address or "")
	if not normalized:
		frappe.throw(_("{0} is not a valid email address.").format(address))
	mails = sorted(set(audit.archived(mails_with("Address", normalized))))
	kept = deletion_refusals(mails)
	return ErasurePlan(normalized, [mail for mail in mails if mail not in kept], kept)


def _fingerprints(communications: list[str]) -> dict[str, dict]:
	"""What the record keeps of each mail: the SHA-256 of its original and of its attachments."""
	attachments: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Mail Attachment", {"communication": ("in", communications or [""])}, ["communication", "sha256"]
	):
		attachments.setdefault(row.communication, []).append(row.sha256)
	return {
		row.name: {
			"original_sha256": row.mail_archive_sha256 or None,
			"attachments": sorted(attachments.get(row.name, [])),
		}
		for row in frappe.get_all(
			"Communication", {"name": ("in", communications or [""])}, ["name", "mail_archive_sha256"]
		)
	}


def delete_on_server(communications: list[str]) -> list[str]:
	"""Delete the mails' copies in their mailboxes on the mail server too (\\Deleted + UID
	EXPUNGE of just those); returns what could not be done, per account and folder."""
	problems = []
	copies = frappe.get_all(
		"Mailbox Copy",
		{
			"communication": ("in", communications or [""]),
			"status": "Stored",
			"uidvalidity": ("!=", IMPORT_UIDVALIDITY),
		},
		["account", "folder", "uidvalidity", "uid"],
	)
	by_account: dict[str, dict[tuple[str, int], list[int]]] = {}
	for copy in copies:
		by_account.setdefault(copy.account, {}).setdefault((copy.folder, copy.uidvalidity), []).append(
			copy.uid
		)
	for account, folders in sorted(by_account.items()):
		email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
		try:
			with MailboxClient(connection_settings(email_account)) as client:
				for (folder, uidvalidity), uids in sorted(folders.items()):
					if client.select(folder, readonly=False).uidvalidity != uidvalidity:
						problems.append(f"{account} / {folder}: the folder was rebuilt on the server")
						continue
					client.delete(uids)
		except MailboxError as error:
			problems.append(f"{account}: {error}")
	return problems


def remove_mails(
	communications: list[str],
	action: str,
	reason: str,
	address: str | None = None,
	on_server: bool = False,
) -> str | None:
	"""Remove the mails completely and record it (action "Erased", "Purged" or "Deleted"); returns the
	Mail Archive Erasure. The caller has checked that nothing keeps them."""
	if not communications:
		return None
	fingerprints = _fingerprints(communications)
	keys = frappe.get_all(
		"Communication",
		{"name": ("in", communications), "mail_archive_key": ("is", "set")},
		pluck="mail_archive_key",
	)
	server_problems = delete_on_server(communications) if on_server else []
	# sealed mail leaves the hash chain by an Erasure entry: verification expects it gone
	chain_entry = seal_erasure(communications)
	with removing_by_the_app():
		# in batches, queueing no job per mail; attachments and originals go on commit
		delete_communications(communications)
	audit.record(action, communications, detail=reason[:200])
	record = frappe.get_doc(
		{
			"doctype": "Mail Archive Erasure",
			"kind": {"Erased": "Erasure", "Purged": "Purge"}.get(action, "Deletion"),
			"address_sha256": address_digest(address) if address else None,
			"reason": reason,
			"mail_count": len(communications),
			"fingerprints": frappe.as_json(fingerprints, indent=None),
			"chain_entry": chain_entry,
			"on_server": int(on_server),
			"server_problems": "\n".join(server_problems) or None,
		}
	).insert(ignore_permissions=True)
	if action == "Erased":  # erased on request: a new sync of the mailbox must not bring it back
		for key in keys:
			if not frappe.db.exists("Mail Archive Erased Key", key):
				frappe.get_doc(
					{"doctype": "Mail Archive Erased Key", "message_key": key, "erasure": record.name}
				).db_insert()
	return record.name


def erase_address(address: str, reason: str, on_server: bool = False) -> dict:
	"""Erase the archived mail from and to an address, as far as nothing keeps it; with
	`on_server`, in the mailboxes on the mail server too."""
	plan = plan_erasure(address)
	erasure = remove_mails(plan.erasable, "Erased", reason, plan.address, on_server=on_server)
	return {**plan.as_dict(), "erasure": erasure}


def purge_expired(limit: int = 1000) -> int:
	"""The scheduled purge (Mail Archive Settings: off by default): mail whose retention has
	ended and that no legal hold keeps. Candidates are mails older than the shortest period."""
	settings = RetentionSettings.current()
	if not settings.purge_enabled:
		return 0
	shortest = min(settings.business_years, settings.accounting_years)
	before = f"{getdate(today()).year - shortest}-01-01"
	candidates = frappe.get_all(
		"Communication",
		{"mail_archive_key": ("is", "set"), "communication_date": ("<", before)},
		pluck="name",
		limit=limit,
		order_by="communication_date asc",
	)
	refused = deletion_refusals(candidates)
	expired = [mail for mail in candidates if mail not in refused]
	remove_mails(expired, "Purged", "retention ended")
	return len(expired)
