"""The benchmark site: connecting, accounts, users, CRM rows inserted in bulk, and removing
everything a run made (its mail and the files of that mail, as if never imported)."""

from __future__ import annotations

import os
import time

from crm_mail_archive.infra.chunks import chunked

COMMON_FIELDS = ["owner", "modified_by", "creation", "modified"]
ROWS_PER_INSERT = 5000


def connect(site: str) -> None:
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.flags.mute_emails = True


def insert_rows(doctype: str, fields: list[str], rows: list[tuple], now) -> None:
	"""One bulk insert; every row made by Administrator at `now`."""
	import frappe

	common = ("Administrator", "Administrator", now, now)
	frappe.db.bulk_insert(doctype, [*fields, *COMMON_FIELDS], [(*row, *common) for row in rows])


# --- accounts and users ----------------------------------------------------------------------


def make_accounts(dovecot, user: str, stock: bool = False) -> str:
	"""An Email Account for `user`; with a Mail Archive Account unless it is for stock receive()."""
	import frappe

	from devtools.soak import make_account

	if not stock:
		return make_account(dovecot, user, dovecot.imap_port)
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": user,
			"email_id": user,
			"password": dovecot.password(user),
			"email_server": "127.0.0.1",
			"use_imap": 1,
			"incoming_port": dovecot.imap_port,
			"use_ssl": 0,
			"enable_incoming": 1,
			"enable_outgoing": 0,
			"email_sync_option": "ALL",
			"initial_sync_count": "500",
			"imap_folder": [{"folder_name": "INBOX"}],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return account.name


def bench_user(role: str) -> str:
	"""A committed desk user with one role (removed by the caller)."""
	import frappe

	email = f"bench-{role.lower().replace(' ', '-')}-{int(time.time())}@bench.example"
	user = frappe.get_doc({"doctype": "User", "email": email, "first_name": "Bench", "send_welcome_email": 0})
	user.insert(ignore_permissions=True)
	user.add_roles(role)
	frappe.db.commit()
	return email


# --- CRM rows --------------------------------------------------------------------------------


def benchmark_customer(customer_name: str = "Benchmark Kunde") -> str:
	import frappe

	return frappe.db.get_value("Customer", {"customer_name": customer_name}) or (
		frappe.get_doc({"doctype": "Customer", "customer_name": customer_name, "customer_type": "Company"})
		.insert(ignore_permissions=True)
		.name
	)


def bulk_contacts(count: int, prefix: str, customer_name: str = "Benchmark Kunde") -> list[str]:
	"""Contacts with one address and a Customer link, inserted in bulk (kept between runs)."""
	import frappe

	existing = frappe.db.count("Contact Email", {"email_id": ("like", f"{prefix}-%")})
	addresses = [f"{prefix}-{n}@kunden.example" for n in range(count)]
	if existing >= count:
		return addresses
	customer = benchmark_customer(customer_name)
	now = frappe.utils.now_datetime()
	child = ["name", "parent", "parenttype", "parentfield"]
	for chunk in chunked(range(existing, count), ROWS_PER_INSERT):
		insert_rows(
			"Contact", ["name", "first_name"], [(f"BENCH-{prefix}-{n}", f"Kontakt {n}") for n in chunk], now
		)
		insert_rows(
			"Contact Email",
			[*child, "email_id", "is_primary"],
			[
				(f"BENCH-CE-{prefix}-{n}", f"BENCH-{prefix}-{n}", "Contact", "email_ids", addresses[n], 1)
				for n in chunk
			],
			now,
		)
		insert_rows(
			"Dynamic Link",
			[*child, "link_doctype", "link_name"],
			[
				(f"BENCH-DL-{prefix}-{n}", f"BENCH-{prefix}-{n}", "Contact", "links", "Customer", customer)
				for n in chunk
			],
			now,
		)
		frappe.db.commit()
	return addresses


# --- cleanup ---------------------------------------------------------------------------------

SYNTHETIC_PREFIXES = {
	"Timeline Link": "BENCH-TL-",
	"Mailbox Copy": "BENCH-MC-",
	"Mail Address Index": "BENCH-MAI-",
	"Communication": "BENCH-",
}


def remove_synthetic(tag: str) -> None:
	"""The rows perf.corpus.synthetic_mail and synthetic_words made under `tag`."""
	import frappe

	frappe.db.delete("Mail Search Text", {"name": ("like", f"BENCH-{tag}-%")})
	for doctype, prefix in SYNTHETIC_PREFIXES.items():
		frappe.db.delete(doctype, {"name": ("like", f"{prefix}{tag}-%")})
	frappe.db.delete("Timeline Link", {"communication": ("like", f"BENCH-{tag}-%")})
	frappe.db.commit()


def remove_account(email_account: str) -> None:
	"""The account, its mail and the files of that mail (rows and disk), as if never imported."""
	import frappe

	communications = frappe.get_all(
		"Communication", {"email_account": email_account}, ["name", "mail_archive_raw_file"]
	)
	urls = {row.mail_archive_raw_file for row in communications if row.mail_archive_raw_file}
	for chunk in chunked([row.name for row in communications]):
		for doctype, field in (
			("Timeline Link", "communication"),
			("Mail Address Index", "communication"),
			("Mail Search Text", "communication"),
			("Communication Link", "parent"),
		):
			frappe.db.delete(doctype, {field: ("in", chunk)})
		attachments = {"communication": ("in", chunk)}
		urls.update(frappe.get_all("Mail Attachment", attachments, pluck="stored_file"))
		frappe.db.delete("Mail Attachment", attachments)
		frappe.db.delete("Communication", {"name": ("in", chunk)})
	frappe.db.delete("Mailbox Copy", {"account": email_account})
	frappe.db.delete("Mail Archive Folder", {"parent": email_account})
	frappe.db.delete("Mail Archive Account", {"name": email_account})
	frappe.db.delete("IMAP Folder", {"parent": email_account})
	frappe.db.delete("Email Account", {"name": email_account})
	frappe.db.commit()
	remove_unreferenced_files(urls)


def remove_unreferenced_files(references: set[str]) -> None:
	"""Delete the archive's files no attachment nor original refers to any more (an attachment's
	file may be shared by several mails)."""
	import frappe

	from crm_mail_archive.infra import archive_files

	for chunk in chunked(sorted(reference for reference in references if reference)):
		in_use = set(frappe.get_all("Mail Attachment", {"stored_file": ("in", chunk)}, pluck="stored_file"))
		in_use.update(
			frappe.get_all(
				"Communication", {"mail_archive_raw_file": ("in", chunk)}, pluck="mail_archive_raw_file"
			)
		)
		for reference in chunk:
			if reference not in in_use:
				path = archive_files.path_of(reference)
				if os.path.exists(path):
					os.remove(path)
