"""P14: `mail-archive verify` of one account."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timedelta

from perf.corpus import business_mailbox
from perf.measure import Figure, log
from perf.site import make_accounts, remove_account


def verify_rows(dovecot, size: dict) -> list[Figure]:
	"""P14: `mail-archive verify` of one account: every original rebuilt from its skeleton and
	re-hashed, every attachment file re-hashed, its seals recomputed (business mail: threads,
	15 % with an attachment; imported from an mbox file, sealed first)."""
	import frappe

	from crm_mail_archive.integrity.seal import seal
	from crm_mail_archive.integrity.verify import verify
	from crm_mail_archive.transfer.imports import MailImport

	count = size["import"]
	user = dovecot.add_user(f"verify-{int(time.time())}@bench.example", "bench")
	account = make_accounts(dovecot, user)
	folder = tempfile.mkdtemp(prefix="crm-mail-archive-verify-")
	path = os.path.join(folder, "business.mbox")
	made: list[str] = []
	try:
		write_mbox(path, business_mailbox(count, 11, "verify.example", []))
		log(f"P14: importing {count} mails")
		MailImport(account).run([(path, "business.mbox")])
		frappe.db.commit()
		made = seal(datetime.now().date() + timedelta(days=1))  # today's mail too
		log("P14: verifying")
		result = verify(account)
	finally:
		remove_seals(made)
		remove_account(account)
		dovecot.remove_user_mail(user)
		os.remove(path)
		os.rmdir(folder)
	rate = result.mails_per_second
	return [
		Figure(
			"P14",
			f"`mail-archive verify --account`: {result.mails_checked} business mails re-hashed "
			f"({result.files_checked} files, {result.bytes_checked / 1024 / 1024:.0f} MB: originals rebuilt "
			f"from their skeletons, attachments) and their seals recomputed",
			f"**{rate:.0f} mails/s** ({result.rehash_seconds:.1f} s re-hashing, {result.seconds:.1f} s in all; "
			f"{len(result.findings)} findings)",
			"",
			"≥ 100 mails/s, no findings",
			rate >= 100 and result.ok,
		)
	]


def write_mbox(path: str, mails: list[bytes]) -> None:
	import mailbox as mailboxes

	box = mailboxes.mbox(path)
	for raw in mails:
		box.add(raw)
	box.close()


def remove_seals(made: list[str]) -> None:
	"""The benchmark's seals go with its mail (a site's chain is never edited otherwise)."""
	import frappe

	if not made:
		return
	frappe.db.sql(
		"update `tabCommunication` set mail_archive_digest = null where mail_archive_digest in %s",
		[tuple(made)],
	)
	frappe.db.sql("delete from `tabMail Archive Digest` where name in %s", [tuple(made)])
	frappe.db.commit()
