"""Import and export: .eml, Outlook .msg and .mbox files go through the same ingest path as synced
mail (one mail once, filed by the account's rules and at the record they were dropped on, a file
without mail quarantined with its reason); an export is a ZIP of the originals with an index
whose hashes match, holds only what the user may read, and is logged; re-importing it adds
nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import mailbox
import subprocess
import zipfile
from pathlib import Path

import frappe
import pytest

from crm_mail_archive import api
from crm_mail_archive.transfer.exports import ExportScope, mails_in_scope, write_mbox, write_zip
from crm_mail_archive.transfer.imports import MailImport
from devtools.outlook_msg import outlook_message
from tests.support import (
	a_mail,
	bench_command,
	bench_path,
	copies_of,
	make_user,
	message_id_of,
	original_of,
	run_background_jobs,
)


def an_outlook_mail(subject: str, sender: str, message_id: str) -> bytes:
	headers = (
		f"Message-ID: {message_id}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
		f"From: Anna Kunde <{sender}>\r\nTo: Vertrieb <vertrieb@mail.test>\r\nSubject: {subject}\r\n\r\n"
	)
	return outlook_message(
		subject,
		("Anna Kunde", sender),
		[("Vertrieb", "vertrieb@mail.test")],
		"Hallo,\nanbei das Angebot.\n",
		headers,
		[("angebot.txt", "text/plain", b"Angebotssumme 4711 EUR\n")],
	)


@pytest.fixture
def mail_files(tmp_path: Path, crm):
	"""A customer with a contact, and files holding 5 mails of the contact (one twice) and 2 files
	that hold no mail."""
	customer = crm.customer("Importkunde")
	sender = crm.address("import")
	crm.contact([sender], links=[("Customer", customer)])
	single = a_mail("Einzelne Mail", sender=sender)
	in_mbox = [a_mail(f"Aus dem Archiv {n}", sender=sender) for n in range(3)]
	(tmp_path / "einzeln.eml").write_bytes(single)
	(tmp_path / "angebot.msg").write_bytes(
		an_outlook_mail("Angebot aus Outlook", sender, "<outlook-1@kunde.example>")
	)
	archive = mailbox.mbox(str(tmp_path / "alt.mbox"))
	for raw in [*in_mbox, single]:  # the single mail once more: a duplicate
		archive.add(raw)
	archive.close()
	(tmp_path / "kaputt.eml").write_bytes(b"just some words, no mail at all\n")
	(tmp_path / "kaputt.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
	return customer, sender, tmp_path, [single, *in_mbox]


def files_in(folder: Path) -> list[tuple[str, str]]:
	return [(str(path), path.name) for path in sorted(folder.iterdir())]


def test_eml_msg_and_mbox_files_are_archived_once_filed_at_the_record_and_broken_files_quarantined(
	dovecot, mail_user, make_archive_account, mail_files
):
	customer, _sender, folder, mails = mail_files
	account = make_archive_account(mail_user)
	result = MailImport(account.name, ("Customer", customer)).run(files_in(folder))
	assert (result.messages, result.new, result.known) == (8, 5, 1)
	assert len(result.quarantined) == 2
	assert any("kaputt.eml: no mail headers" in reason for reason in result.quarantined)
	assert any("kaputt.msg" in reason and "Outlook" in reason for reason in result.quarantined)

	stored = {
		frappe.db.get_value("Communication", name, "subject"): name for name in set(result.communications)
	}
	assert set(stored) == {"Einzelne Mail", "Angebot aus Outlook", *(f"Aus dem Archiv {n}" for n in range(3))}
	for communication in stored.values():  # filed where they were dropped, by hand
		assert (
			frappe.db.get_value(
				"Timeline Link",
				{"communication": communication, "link_doctype": "Customer", "link_name": customer},
				"source",
			)
			== "Manual"
		)
		assert frappe.db.exists(
			"Communication Link",
			{"parent": communication, "link_doctype": "Customer", "link_name": customer},
		)
	# the Outlook mail: its internet headers, text and attachment, its original kept
	outlook = frappe.get_doc("Communication", stored["Angebot aus Outlook"])
	assert outlook.message_id == "outlook-1@kunde.example" or "outlook-1@kunde.example" in (
		outlook.message_id or ""
	)
	assert outlook.has_attachment
	assert frappe.db.exists("Mail Attachment", {"communication": outlook.name, "file_name": "angebot.txt"})
	assert b"Angebotssumme" in original_of(outlook.name) or b"QW5nZWJvdHNzdW1tZ" in original_of(outlook.name)
	# an .eml is kept byte for byte
	assert original_of(stored["Einzelne Mail"]) == mails[0]
	# quarantined with the reason, retryable like any quarantined mail
	quarantined = copies_of(account, status="Quarantined")
	assert len(quarantined) == 2 and all(copy.quarantine_reason for copy in quarantined)

	# the same files again: nothing new, nothing twice
	again = MailImport(account.name, ("Customer", customer)).run(files_in(folder))
	assert (again.new, again.known, len(again.quarantined)) == (0, 6, 2)
	assert len(copies_of(account, status="Quarantined")) == 2
	assert frappe.db.count("Communication", {"name": ("in", list(stored.values()))}) == 5
	assert sorted(set(again.communications)) == sorted(stored.values())


def test_imported_mail_is_no_server_copy_for_the_sync_or_the_server_actions(
	dovecot, mail_user, make_archive_account, mail_files
):
	from crm_mail_archive.accounts.syncing import sync_account
	from crm_mail_archive.actions.service import accounts_holding

	customer, sender, folder, _mails = mail_files
	account = make_archive_account(mail_user)
	result = MailImport(account.name).run([(str(folder / "einzeln.eml"), "einzeln.eml")])
	(communication,) = result.communications
	dovecot.append(mail_user, a_mail("Vom Server", sender=sender))
	sync_account(account.name)
	# the import's copy stays (the sync's UIDVALIDITY cleanup and presence check leave it)
	assert frappe.db.exists(
		"Mailbox Copy", {"communication": communication, "folder": "Import", "uidvalidity": 0}
	)
	assert accounts_holding(communication) == []  # no mailbox to mirror a desk action to


def test_the_cli_imports_a_folder_and_files_it_at_a_record(
	dovecot, mail_user, make_archive_account, mail_files, committed_cleanup
):
	customer, _sender, folder, _mails = mail_files
	account = make_archive_account(mail_user)
	frappe.db.commit()  # the CLI is another process
	completed = subprocess.run(
		bench_command(
			"--site",
			frappe.local.site,
			"mail-archive",
			"import",
			str(folder),
			"--account",
			account.name,
			"--file-at",
			"Customer",
			customer,
		),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert completed.returncode == 0, completed.stderr
	assert "8 messages: 5 new, 1 already archived, 2 quarantined" in completed.stdout
	assert "kaputt.eml: no mail headers" in completed.stderr
	frappe.db.commit()
	assert (
		len(
			{
				row.communication
				for row in frappe.get_all(
					"Timeline Link", {"link_doctype": "Customer", "link_name": customer}, ["communication"]
				)
			}
		)
		== 5
	)
	for copy in copies_of(account):
		committed_cleanup("Communication", copy.communication)


def test_only_ones_own_uploads_of_mail_files_can_be_imported(dovecot, mail_user, make_archive_account):
	account = make_archive_account(mail_user)
	other = make_user("System Manager")
	upload = frappe.get_doc(
		{"doctype": "File", "file_name": "fremd.eml", "content": a_mail("Fremd"), "is_private": 1}
	).insert(ignore_permissions=True)
	frappe.db.set_value("File", upload.name, "owner", other)  # another user's upload
	with pytest.raises(frappe.PermissionError):
		api.import_mail_files([upload.name], account.name)
	text_file = frappe.get_doc(
		{"doctype": "File", "file_name": "notiz.txt", "content": b"Notiz", "is_private": 1}
	).insert(ignore_permissions=True)
	with pytest.raises(frappe.ValidationError, match="not a mail file"):
		api.import_mail_files([text_file.name], account.name)
	clerk = make_user("Sales User")
	frappe.set_user(clerk)
	try:
		with pytest.raises(frappe.PermissionError):
			api.import_mail_files([text_file.name], account.name)
	finally:
		frappe.set_user("Administrator")


# --- export -----------------------------------------------------------------------------------


def test_an_exported_zip_holds_the_originals_and_an_index_whose_hashes_match_and_reimports_to_nothing(
	dovecot, mail_user, make_archive_account, mail_files, tmp_path
):
	customer, sender, folder, _mails = mail_files
	account = make_archive_account(mail_user)
	hostile = a_mail('=HYPERLINK("http://evil.example","klick")', sender=sender)
	(folder / "formel.eml").write_bytes(hostile)
	imported = MailImport(account.name, ("Customer", customer)).run(files_in(folder))
	communications = mails_in_scope(ExportScope("Record", "Customer", customer), "Administrator")
	assert sorted(communications) == sorted(set(imported.communications))

	path = tmp_path / "export.zip"
	assert write_zip(communications, str(path), "Administrator") == 6
	with zipfile.ZipFile(path) as archive:
		index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
		assert len(index) == 6
		for row in index:
			raw = archive.read(row["file"])
			assert hashlib.sha256(raw).hexdigest() == row["sha256"]
			assert raw == original_of(row["communication"])
			assert f"Customer: {customer}" in row["filed at"]
		formula = next(row for row in index if "HYPERLINK" in row["subject"])
		assert formula["subject"].startswith("'=")  # a spreadsheet shows it, never runs it
		out = tmp_path / "wieder"
		out.mkdir()
		for row in index:
			(out / Path(row["file"]).name).write_bytes(archive.read(row["file"]))
	again = MailImport(account.name).run(files_in(out))
	assert (again.messages, again.new, again.known) == (6, 0, 6)

	# a search result, with the Mail Search page's filters
	found = mails_in_scope(ExportScope("Search", search_text="Archiv"), "Administrator")
	assert len(set(found) & set(communications)) == 3  # "Aus dem Archiv 0..2"
	in_domain = ExportScope(
		"Search", search_text="Archiv", search_filters={"sender_domain": sender.split("@")[1]}
	)
	assert len(set(mails_in_scope(in_domain, "Administrator")) & set(communications)) == 3
	elsewhere = ExportScope(
		"Search", search_text="Archiv", search_filters={"sender_domain": "anderswo.example"}
	)
	assert not set(mails_in_scope(elsewhere, "Administrator")) & set(communications)

	mbox_path = tmp_path / "konto.mbox"
	in_account = mails_in_scope(ExportScope("Account", account=account.name), "Administrator")
	assert write_mbox(in_account, str(mbox_path), "Administrator") == 6
	exported_ids = {message["Message-ID"] for message in mailbox.mbox(str(mbox_path))}
	assert f"<{message_id_of(hostile)}>" in exported_ids and "<outlook-1@kunde.example>" in exported_ids


def test_an_export_holds_only_what_the_user_may_read_and_is_logged(
	dovecot, mail_user, make_archive_account, crm, tmp_path, committed_cleanup
):
	customer = crm.customer("Exportkunde")
	sender = crm.address("export")
	crm.contact([sender], links=[("Customer", customer)])
	open_account = make_archive_account(mail_user)
	(tmp_path / "offen.eml").write_bytes(a_mail("Offen", sender=sender))
	MailImport(open_account.name, ("Customer", customer)).run([(str(tmp_path / "offen.eml"), "offen.eml")])
	# a confidential account's mail at the same customer: its owner's alone, also in an export
	secret = make_archive_account(
		dovecot.add_user(f"geheim-{frappe.generate_hash(length=8)}@mail.test", "s3cret"), confidential=1
	)
	(tmp_path / "geheim.eml").write_bytes(a_mail("Geheim", sender=sender))
	MailImport(secret.name, ("Customer", customer)).run([(str(tmp_path / "geheim.eml"), "geheim.eml")])
	assert len(mails_in_scope(ExportScope("Record", "Customer", customer), "Administrator")) == 2
	reader = make_user("Sales User")
	frappe.db.commit()

	frappe.set_user(reader)
	try:
		started = api.export_mail("Record", doctype="Customer", name=customer)
		export = started["export"]
		assert frappe.db.get_value("Mail Export", export, ["owner", "status", "scope"]) == (
			reader,
			"Queued",
			"Record",
		)
	finally:
		frappe.set_user("Administrator")
	committed_cleanup("Mail Export", export)
	run_background_jobs()
	frappe.db.commit()
	log = frappe.get_doc("Mail Export", export)
	assert log.status == "Ready" and log.mail_count == 1 and log.sha256 and log.file
	offen = frappe.db.get_value(
		"Communication", {"subject": "Offen", "email_account": open_account.email_account}
	)
	assert log.mails.split() == [offen]
	stranger = make_user("Sales User")
	frappe.set_user(stranger)
	try:
		with pytest.raises(frappe.PermissionError):
			api.download_export(export)
	finally:
		frappe.set_user("Administrator")
	for copy in copies_of(open_account):
		committed_cleanup("Communication", copy.communication)


# --- the desk ---------------------------------------------------------------------------------
