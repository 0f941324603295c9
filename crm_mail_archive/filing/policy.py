"""The filing rules that hold for one Mail Archive Account: its own addresses, the site's internal
domains, the Archive Blocklist and the bulk-mail rule."""

from __future__ import annotations

import frappe

from crm_mail_archive.filing.rules import FilingPolicy, domain_of


def internal_domains() -> frozenset[str]:
	configured = frappe.db.get_single_value("Mail Archive Settings", "internal_domains") or ""
	domains = {line.strip().lower() for line in configured.splitlines() if line.strip()}
	if domains:
		return frozenset(domains)
	emails = frappe.get_all("Email Account", pluck="email_id") + frappe.get_all(
		"User",
		{"user_type": "System User", "enabled": 1, "name": ("not in", ["Administrator", "Guest"])},
		pluck="email",
	)
	return frozenset(domain_of(email.lower()) for email in emails if email and "@" in email)


def filing_policy(account) -> FilingPolicy:
	"""The rules for one Mail Archive Account (or none: site-wide rules only)."""
	own = set()
	if account:
		email_account = frappe.db.get_value(
			"Email Account", account.email_account, ["email_id", "login_id"], as_dict=True
		)
		own = {
			value.lower()
			for value in (email_account.email_id, email_account.login_id)
			if value and "@" in value
		}
	blocked = frappe.get_all("Archive Blocklist", {"enabled": 1}, ["entry_type", "value"])
	return FilingPolicy(
		own_addresses=frozenset(own),
		internal_domains=internal_domains(),
		blocked_addresses=frozenset(b.value for b in blocked if b.entry_type == "Address"),
		blocked_domains=frozenset(b.value for b in blocked if b.entry_type == "Domain"),
		bulk_rule=frappe.db.get_single_value("Mail Archive Settings", "bulk_mail_rule")
		or "Existing Contacts Only",
	)


def account_of(communication: str):
	"""The Mail Archive Account whose filing rules apply (the one that stored the mail)."""
	account = frappe.db.get_value(
		"Mailbox Copy",
		{"communication": communication, "status": "Stored"},
		"account",
		order_by="creation asc",
	)
	return frappe.get_cached_doc("Mail Archive Account", account) if account else None


def files_automatically(account) -> bool:
	return bool(account and account.automatic_filing and not account.confidential)
