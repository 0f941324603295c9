"""Retroactive filing: when a Contact gains an address or a link, or a Lead appears with an
address, the past mail of those addresses is filed there, under each mail's own account's rules,
found through the address index and written in bulk (a contact may have thousands of mails)."""

from __future__ import annotations

import frappe

from crm_mail_archive.filing.address_index import mail_addresses_in_bulk, mails_of_addresses
from crm_mail_archive.filing.deals import deal_rule, file_open_deals
from crm_mail_archive.filing.links import Reason, Target, link_mails
from crm_mail_archive.filing.policy import files_automatically, filing_policy
from crm_mail_archive.filing.rules import FilingPolicy, addresses_to_file
from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.infra.conflicts import retrying_lock_conflicts
from crm_mail_archive.infra.jobs import enqueue


def enqueue_past_mail(addresses: list[str], targets: list[Target]) -> None:
	if addresses:
		enqueue(
			"crm_mail_archive.filing.retroactive.file_past_mail_job",
			addresses=addresses,
			targets=[list(target) for target in targets],
		)


def file_past_mail_job(addresses: list[str], targets: list[list[str]]) -> int:
	"""Background job (it owns its transaction): runs beside the sync, which writes links of the
	same mails, so a lock conflict rolls back and runs it again instead of losing the filing."""
	return retrying_lock_conflicts(lambda: file_past_mail(addresses, [tuple(target) for target in targets]))


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
