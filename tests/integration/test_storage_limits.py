"""One hostile mail never stalls a mailbox, and no mail's file is written over by another's: the
limits of Mail Archive Settings against a real Dovecot and the real test site, and the
content-addressed attachment files."""

import hashlib
import os
from email.message import EmailMessage
from email.utils import make_msgid

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.infra import archive_files
from crm_mail_archive.retention.guard import removing_by_the_app
from crm_mail_archive.storage import files
from tests.support import copies_of, original_of

LIMITS = {
	"max_attachments_per_mail": 3,
	"max_html_size_kb": 4,
	"max_addresses_per_mail": 5,
	"max_mail_size_mb": 1,
	"max_batch_size_mb": 1,
}


@pytest.fixture
def small_limits():
	before = {field: frappe.db.get_single_value("Mail Archive Settings", field) for field in LIMITS}
	for field, value in LIMITS.items():
		frappe.db.set_single_value("Mail Archive Settings", field, value)
	frappe.db.commit()
	frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")
	yield
	for field, value in before.items():
		frappe.db.set_single_value("Mail Archive Settings", field, value)
	frappe.db.commit()
	frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")


def mail(subject: str, sender: str = "kunde@beispiel.de", **parts) -> bytes:
	message = EmailMessage()
	message["From"] = sender
	message["To"] = parts.get("to", "vertrieb@mail.test")
	message["Subject"] = subject
	message["Message-ID"] = make_msgid(domain="beispiel.de")
	message.set_content(parts.get("text", f"Text zu {subject}\n"))
	if "html" in parts:
		message.add_alternative(parts["html"], subtype="html")
	for name, content in parts.get("attachments", []):
		message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
	return bytes(message)


def communication_of(account, subject: str):
	for copy in copies_of(account, status="Stored"):
		row = frappe.db.get_value(
			"Communication", copy.communication, ["name", "subject", "content"], as_dict=True
		)
		if row.subject == subject:
			return row
	raise AssertionError(f"no mail {subject!r}")


def files_of(communication: str) -> list[dict]:
	return frappe.get_all(
		"Mail Attachment",
		{"communication": communication},
		["file_name", "stored_file", "file_size", "sha256"],
	)


def test_a_mail_over_each_limit_is_stored_with_a_note_and_the_mailbox_moves_on(
	dovecot,
	mail_user,
	make_archive_account,
	crm,
	small_limits,
):
	customer = crm.customer("Grenzkunde")
	known = crm.address("einkauf")
	crm.contact([known], links=[("Customer", customer)])
	many_recipients = ", ".join(f"empfaenger{n}@viele.example" for n in range(40)) + f", {known}"
	raws = [
		mail("Viele Anhänge", attachments=[(f"teil-{n}.bin", f"Inhalt {n}".encode()) for n in range(7)]),
		mail("Großes HTML", html="<p>" + "Sehr viel Text. " * 2000 + "</p><p>ENDE-DES-HTML</p>"),
		mail("Viele Empfänger", to=many_recipients),
		mail("Riesig", sender=known, attachments=[("gross.bin", os.urandom(1_300_000))]),
		mail("Danach", sender=known),
	]
	dovecot.append_many(mail_user, raws)
	account = make_archive_account(mail_user, automatic_filing=1)
	result = sync_account(account.name)

	assert result.quarantined == 0 and result.new_communications == 5
	attachments = communication_of(account, "Viele Anhänge")
	assert len(files_of(attachments.name)) == 3
	assert "This mail has 7 attachments; the first 3 are saved as files" in attachments.content

	large_html = communication_of(account, "Großes HTML")
	assert "ENDE-DES-HTML" not in large_html.content
	assert "larger than 4 KB" in large_html.content
	assert b"ENDE-DES-HTML" in original_of(large_html.name)  # the whole mail is kept

	recipients = communication_of(account, "Viele Empfänger")
	assert frappe.db.count("Mail Address Index", {"communication": recipients.name}) == 5
	assert "names 42 addresses; the first 5 are used for filing" in recipients.content

	huge = communication_of(account, "Riesig")
	assert "only its headers are archived" in huge.content
	assert len(original_of(huge.name)) < 10_000  # the header, not the 1.3 MB
	assert frappe.db.exists("Timeline Link", {"communication": huge.name, "link_doctype": "Customer"})

	communication_of(account, "Danach")  # the mailbox went on past all of them


def test_batches_are_cut_by_bytes(dovecot, mail_user, make_archive_account, small_limits):
	dovecot.append_many(
		mail_user, [mail(f"Mittel {n}", attachments=[("a.bin", os.urandom(400_000))]) for n in range(5)]
	)
	account = make_archive_account(mail_user)
	batches = []
	sync_account(account.name, on_progress=lambda folder, done, total: batches.append(done))
	# 5 mails of ~550 KB each with a 1 MB cap: one mail per batch
	assert batches == [1, 2, 3, 4, 5]
	assert len(copies_of(account, status="Stored")) == 5


def test_the_same_attachment_is_stored_once_and_never_overwritten(dovecot, mail_user, make_archive_account):
	same = b"%PDF-1.4 dieselbe Datei"
	other = b"%PDF-1.4 eine gefaelschte Datei"
	dovecot.append_many(
		mail_user,
		[
			mail("Erste", attachments=[("angebot.pdf", same)]),
			mail("Zweite", attachments=[("angebot.pdf", same)]),
			mail("Fälschung", attachments=[("angebot.pdf", other)]),
		],
	)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	stored = {}
	for subject in ("Erste", "Zweite", "Fälschung"):
		(pdf,) = [
			f for f in files_of(communication_of(account, subject).name) if f.file_name == "angebot.pdf"
		]
		stored[subject] = pdf
	assert stored["Erste"].stored_file == stored["Zweite"].stored_file  # the same bytes: one file
	assert stored["Fälschung"].stored_file != stored["Erste"].stored_file  # same name, other bytes
	for subject, content in (("Erste", same), ("Fälschung", other)):
		assert archive_files.read(stored[subject].stored_file) == content
		assert stored[subject].sha256 == hashlib.sha256(content).hexdigest()
		assert stored[subject].sha256 not in stored[subject].stored_file  # the name tells nothing

	# deleting one mail keeps the file the other mail's attachment still needs
	with removing_by_the_app():  # (an archived mail is otherwise kept)
		frappe.delete_doc(
			"Communication", communication_of(account, "Erste").name, force=True, ignore_permissions=True
		)
	frappe.db.commit()
	assert archive_files.read(stored["Zweite"].stored_file) == same


def test_an_attachment_the_disk_refuses_is_noted_on_its_mail_and_the_batch_is_stored(
	dovecot, mail_user, make_archive_account, monkeypatch
):
	"""Files are written beside the batch's rows; when one cannot be written the batch is stored
	once more one mail at a time, and only that attachment is missing (with a note). (The disk
	refuses because a directory stands where the archive writes that attachment's file.)"""
	refused = b"%PDF-1.4 eine Datei, die nicht geschrieben werden kann " + os.urandom(8).hex().encode()
	blocked = archive_files.new_reference()
	blocker = archive_files.path_of(blocked)
	os.makedirs(blocker)
	keep_new_file = files.keep_new_file

	def into_the_blocked_place(content, writes=None):
		if content != refused:
			return keep_new_file(content, writes)
		(writes or files.FileWrites()).run(files._write, blocker, content)
		return blocked

	monkeypatch.setattr(files, "keep_new_file", into_the_blocked_place)
	try:
		with_attachment = mail("Mit Vertrag", attachments=[("Vertrag.pdf", refused)])
		dovecot.append_many(
			mail_user, [mail("Davor"), with_attachment, mail("Danach", attachments=[("ok.pdf", b"%PDF ok")])]
		)
		account = make_archive_account(mail_user)

		result = sync_account(account.name)

		assert (result.stored, result.quarantined) == (3, 0)
		refusing = communication_of(account, "Mit Vertrag")
		assert "Vertrag.pdf" not in {f.file_name for f in files_of(refusing.name)}
		assert "could not be saved" in refusing.content
		assert original_of(refusing.name).replace(b"\r\n", b"\n") == with_attachment.replace(b"\r\n", b"\n")
		assert [f.file_name for f in files_of(communication_of(account, "Danach").name)] == ["ok.pdf"]
	finally:
		os.rmdir(blocker)


def test_quotes_backslashes_and_control_characters_are_stored_exactly(
	dovecot, mail_user, make_archive_account
):
	"""The batch INSERT escapes by doubling quotes only (NO_BACKSLASH_ESCAPES, for speed): text
	that would need backslash escapes comes back unchanged, and the session's mode is restored."""
	text = "Preis: 5' 3\" \\n ist kein Zeilenumbruch, C:\\Users\\kunde \\\\ \x1a Ende\r\nZweite Zeile äöü ß\n"
	subject = "Zitat 'O\\'Brien' \\\" \\"
	dovecot.append(mail_user, mail(subject, text=text))
	account = make_archive_account(mail_user)
	mode_before = frappe.db.sql("select @@session.sql_mode")[0][0]

	sync_account(account.name)

	stored = communication_of(account, subject)
	assert stored.subject == subject
	assert frappe.db.get_value("Communication", stored.name, "text_content").replace("\r\n", "\n") == (
		text.replace("\r\n", "\n")
	)
	assert frappe.db.sql("select @@session.sql_mode")[0][0] == mode_before
