"""Retroactive filing: when a Contact gains an address or a link, or a Lead appears with an
address, the past mail of those addresses is filed there, under each mail's own account's rules,
found through the address index and written in bulk (a contact may have thousands of mails)."""

from __future__ import annotations

import hashlib

import frappe

from crm_mail_archive.filing.address_index import mail_addresses_in_bulk, mails_of_addresses
from crm_mail_archive.filing.deals import deal_rule, file_open_deals
from crm_mail_archive.filing.links import Reason, Target, link_mails
from crm_mail_archive.filing.policy import files_automatically, filing_policy
from crm_mail_archive.filing.rules import FilingPolicy, addresses_to_file
from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.infra.conflicts import retrying_lock_conflicts
from crm_mail_archive.infra.jobs import BULK_QUEUE

# addresses of one job: a saved Contact has a few; an import of contacts in one transaction many
ADDRESSES_PER_JOB = 500


def enqueue_past_mail(addresses: list[str], targets: list[Target]) -> None:
	"""File the addresses' past mail at the targets, in the background after this transaction
	commits. The requests of one transaction are gathered and queued as one job per about
	ADDRESSES_PER_JOB addresses on the bulk queue, deduplicated by a job id made of what it files:
	contacts saved by the thousand never put a job per contact ahead of live work."""
	if not addresses:
		return
	pending = frappe.local.flags.get("mail_archive_past_mail")
	if pending is None:
		pending = frappe.local.flags.mail_archive_past_mail = []
		frappe.db.after_commit.add(_queue_pending_past_mail)
		frappe.db.after_rollback.add(_forget_pending_past_mail)
	pending.append([sorted(set(addresses)), [list(target) for target in targets]])


def _forget_pending_past_mail() -> None:
	frappe.local.flags.mail_archive_past_mail = None


def _queue_pending_past_mail() -> None:
	pending = frappe.local.flags.get("mail_archive_past_mail") or []
	frappe.local.flags.mail_archive_past_mail = None
	batch: list = []
	size = 0
	for request in pending:
		batch.append(request)
		size += len(request[0])
		if size >= ADDRESSES_PER_JOB:
			_queue_requests(batch)
			batch, size = [], 0
	if batch:
		_queue_requests(batch)


def _queue_requests(requests: list) -> None:
	digest = hashlib.sha256(frappe.as_json(requests, indent=None).encode()).hexdigest()[:20]
	frappe.enqueue(  # already after the commit
		"crm_mail_archive.filing.retroactive.file_past_mail_job",
		queue=BULK_QUEUE,
		timeout=60 * 60,
		job_id=f"mail-archive-past-mail::{digest}",
		deduplicate=True,
		requests=requests,
	)


def file_past_mail_job(
	addresses: list[str] | None = None, targets: list[list[str]] | None = None, requests: list | None = None
) -> int:
	"""Background job (it owns its transaction): runs beside the sync, which writes links of the
	same mails, so a lock conflict rolls back and runs it again instead of losing the filing.
	`requests`: [addresses, targets] pairs (a job queued before them: one pair as arguments)."""
	filed = 0
	for request_addresses, request_targets in requests or [[addresses, targets]]:
		filed += retrying_lock_conflicts(
			lambda a=request_addresses, t=request_targets: file_past_mail(a, [tuple(target) for target in t])
		)
		frappe.db.commit()  # each request its own unit: a later conflict does not repeat it
	return filed


def file_past_mail(addresses: list[str], targets: list[Target]) -> int:
	matched = mails_of_addresses(addresses)
	accounts: dict[str, str] = {}
	mails = {}
	for chunk in chunked(list(matched)):
		for copy in frappe.get_all(
			"Mailbox Copy",
			{"communication": ("in", chunk), "status": "Stored"},
			["communication", "account"],
			order_by="creation asc",
		):
			accounts.setdefault(copy.communication, copy.account)
		mails.update(mail_addresses_in_bulk(chunk))
	policies: dict[str, FilingPolicy | None] = {}
	rules: dict[str, str] = {}
	to_file: dict = {}
	for communication, found in matched.items():
		account_name = accounts.get(communication)
		if not account_name or communication not in mails:
			continue
		if account_name not in policies:
			account = frappe.get_cached_doc("Mail Archive Account", account_name)
			policies[account_name] = filing_policy(account) if files_automatically(account) else None
			rules[account_name] = deal_rule(account)
		policy = policies[account_name]
		if policy is None:
			continue
		allowed = [a for a in addresses_to_file(mails[communication], policy) if a in found]
		if allowed:
			to_file[communication] = dict.fromkeys(targets, Reason(matched_address=allowed[0]))
	added = link_mails(to_file, "Retroactive", "Administrator")
	# the open deal of the party the past mail now reaches (forward from here: a new Opportunity
	# files no past mail)
	by_rule: dict[str, list[str]] = {}
	for communication in to_file:
		by_rule.setdefault(rules[accounts[communication]], []).append(communication)
	return added + sum(file_open_deals(mails, rule) for rule, mails in by_rule.items())
