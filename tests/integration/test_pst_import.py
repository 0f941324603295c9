"""A company's old Outlook files come in through the same import as any mail file: a .pst or .ost
(sample files of a public repository, tests/data/README.md) is read item by item with progress,
its folder tree kept as the copies' folders, its mails stored once with their attachments and filed
at the record, a damaged item quarantined with its reason while the file goes on; importing the
same file again adds nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import frappe
import pytest

from crm_mail_archive.transfer.imports import MailImport
from tests.data.outlook_files import outlook_file, with_damaged_item
from tests.support import attachments_of, bench_command, bench_path, copies_of, original_of

pytest.importorskip("pypff", reason="libpff-python is a dependency of the app")


def by_subject(communications: list[str]) -> dict[str, list[str]]:
	found: dict[str, list[str]] = {}
	for name in sorted(set(communications)):
		found.setdefault(frappe.db.get_value("Communication", name, "subject"), []).append(name)
	return found


def test_a_pst_is_imported_with_its_folders_filed_at_the_record_once_and_its_damaged_item_quarantined(
	dovecot, mail_user, make_archive_account, crm, tmp_path
):
	customer = crm.customer("Outlook-Altkunde")
	account = make_archive_account(mail_user)
	# the sample file with the first mail of "Sent Items" destroyed in a copy made here
	pst = with_damaged_item(
		outlook_file("aspose-outlook.pst", tmp_path), "Sent Items", 0, tmp_path / "altes-postfach.pst"
	)
	progress: list[tuple[int, int]] = []
	result = MailImport(account.name, ("Customer", customer)).run(
		[(str(pst), "altes-postfach.pst")], on_progress=lambda done, total: progress.append((done, total))
	)
	# 16 items: 14 mails (8 received, 6 sent; one of them damaged), an appointment and a contact
	assert (result.messages, result.new, result.known, len(result.quarantined)) == (14, 13, 0, 1)
	assert progress[-1] == (14, 16) and all(total == 16 for _done, total in progress)
	assert "altes-postfach.pst: Sent Items #1: unreadable Outlook item" in result.quarantined[0]

	# the folder tree of the file, kept as the copies' folders
	copies = copies_of(account)
	stored = [copy for copy in copies if copy.status == "Stored"]
	assert sorted({copy.folder for copy in copies}) == ["Import/Inbox", "Import/Sent Items"]
	assert sum(copy.folder == "Import/Inbox" for copy in stored) == 8
	assert sum(copy.folder == "Import/Sent Items" for copy in stored) == 5
	assert all(copy.uidvalidity == 0 for copy in copies)  # no server's: the sync leaves them alone
	(quarantined,) = [copy for copy in copies if copy.status == "Quarantined"]
	assert (
		quarantined.folder == "Import/Sent Items"
		and "unreadable Outlook item" in quarantined.quarantine_reason
	)

	# every mail filed at the record it was imported on, by hand
	assert result.filed == 13
	for communication in {copy.communication for copy in stored}:
		assert (
			frappe.db.get_value(
				"Timeline Link",
				{"communication": communication, "link_doctype": "Customer", "link_name": customer},
				"source",
			)
			== "Manual"
		)

	mails = by_subject(result.communications)
	# received with Outlook's transport headers: the Message-ID as sent
	# (the sent copy has none: Outlook keeps no Message-ID on what it sent)
	with_ids = {
		name: frappe.db.get_value("Communication", name, "message_id")
		for name in mails["this message contains embedded MSG"]
	}
	assert len(with_ids) == 2
	(received,) = [name for name, message_id in with_ids.items() if message_id]
	assert "002001cc306d$ad9f5290$08ddf7b0$@razzaq" in with_ids[received]
	assert b"Received: from xp ([192.168.0.102])" in original_of(received)
	assert all(
		frappe.db.get_value("Communication", name, "sender") == "saqib.razzaq@xp.local" for name in with_ids
	)
	# attachments by their data; an embedded message kept as a message of its own in the original
	for communication in mails["Multiple attachments"]:
		files = {row.file_name: row.content for row in attachments_of(communication)}
		assert {"text file.txt", "Sunset.jpg", "Blue hills.jpg"} <= set(files), files.keys()
		assert len(files["Sunset.jpg"]) == 71189 and files["Sunset.jpg"][:3] == b"\xff\xd8\xff"
	assert len(mails["Multiple attachments"]) == 2  # received and sent: two mails, both whole
	# "message 1" of Sent Items is the damaged one: only the received one is stored
	assert len(mails["message 1"]) == 1 and len(mails["message 2"]) == 2
	for communication in mails["this message contains embedded MSG"]:
		original = original_of(communication)
		assert original.count(b"Content-Type: message/rfc822") == 2
		assert b"Subject: message 1" in original and b"Subject: message 2" in original
	# HTML bodies reach the mail
	html = frappe.get_doc("Communication", mails["HTML body"][0])
	assert "<" in (html.content or "") and html.subject == "HTML body"

	# the same file again: nothing new, nothing twice, the damaged item still once in quarantine
	again = MailImport(account.name, ("Customer", customer)).run([(str(pst), "altes-postfach.pst")])
	assert (again.messages, again.new, again.known, len(again.quarantined)) == (14, 0, 13, 1)
	assert len(copies_of(account)) == len(copies)
	assert sorted(set(again.communications)) == sorted(set(result.communications))


def test_the_cli_imports_an_ost_with_its_nested_folders_and_a_second_time_nothing(
	dovecot, mail_user, make_archive_account, committed_cleanup, tmp_path
):
	account = make_archive_account(mail_user)
	ost = outlook_file("aspose-sample.ost", tmp_path, "postfach.ost")
	frappe.db.commit()  # the CLI is another process

	def cli_import() -> subprocess.CompletedProcess:
		completed = subprocess.run(
			bench_command(
				"--site", frappe.local.site, "mail-archive", "import", str(ost), "--account", account.name
			),
			cwd=bench_path() / "sites",
			capture_output=True,
			text=True,
			timeout=900,
		)
		assert completed.returncode == 0, completed.stderr
		return completed

	first = cli_import()
	frappe.db.commit()
	copies = copies_of(account)
	for copy in copies:
		committed_cleanup("Communication", copy.communication)
	assert first.stdout.startswith("87 messages: ")
	assert "0 quarantined" in first.stdout
	assert "/92 messages" in first.stderr  # progress over the file's items, as it goes
	folders = {copy.folder for copy in copies}
	assert {"Import/Inbox", "Import/Inbox/sub1", "Import/Inbox/sub2", "Import/Sent Items"} <= folders
	assert sum(copy.folder == "Import/Inbox/sub1" for copy in copies) == 25
	assert len(copies) == 87

	second = cli_import()
	assert "87 messages: 0 new, 87 already archived, 0 quarantined" in second.stdout
	frappe.db.commit()
	assert len(copies_of(account)) == 87
