"""Every malformed, hostile or odd mail of the corpus is stored, or quarantined with its reason;
the sync goes through the whole folder without stalling."""

import frappe
from imapclient.exceptions import IMAPClientError

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.infra import archive_files
from tests.data.malformed_corpus import corpus


def test_every_mail_of_the_corpus_is_stored_or_quarantined_and_the_sync_never_stalls(
	dovecot, mail_user, make_archive_account
):
	mails = corpus()
	assert len(mails) >= 150
	accepted: dict[int, str] = {}
	rejected: list[str] = []
	for name, raw in mails:
		try:
			accepted[dovecot.append(mail_user, raw)] = name
		except IMAPClientError:
			rejected.append(name)  # the IMAP server itself refuses it: it never reaches us
	account = make_archive_account(mail_user)
	frappe.db.set_single_value("Mail Archive Settings", "batch_size", 25)
	frappe.db.commit()
	try:
		sync_account(account.name)
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", 100)
		frappe.db.commit()

	copies = {
		copy.uid: copy
		for copy in frappe.get_all(
			"Mailbox Copy",
			{"account": account.name},
			["uid", "status", "communication", "quarantine_reason"],
		)
	}
	assert set(copies) == set(accepted), "every mail the server holds has its copy"
	stored = [uid for uid, copy in copies.items() if copy.status == "Stored"]
	quarantined = [uid for uid, copy in copies.items() if copy.status == "Quarantined"]
	assert len(stored) + len(quarantined) == len(accepted)
	for uid in stored:
		assert frappe.db.exists("Communication", copies[uid].communication), accepted[uid]
		for reference in frappe.get_all(
			"Mail Attachment", {"communication": copies[uid].communication}, pluck="stored_file"
		):  # attachment names like ../../etc/passwd name no file: the archive's own names do
			assert archive_files.REFERENCE.match(reference), reference
	for uid in quarantined:
		assert copies[uid].quarantine_reason, accepted[uid]
	(highest,) = frappe.get_all(
		"Mail Archive Folder", {"parent": account.name, "folder_name": "INBOX"}, pluck="highest_uid"
	)
	assert highest == max(accepted)  # the folder moved past every mail
	assert len(rejected) <= 2, rejected
	print(
		f"\ncorpus: {len(mails)} mails, {len(accepted)} accepted by Dovecot ({rejected} refused), "
		f"{len(stored)} stored, {len(quarantined)} quarantined: "
		+ ", ".join(accepted[uid] for uid in quarantined)
	)
