"""Mailbox sync against a real Dovecot into the real test site."""

from email.message import EmailMessage
from email.utils import make_msgid

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.mailbox.client import MailboxAuthError, MailboxUnavailable
from devtools.dovecot import DovecotServer
from tests.support import a_mail, attachments_of, communications_of, copies_of, original_of


def test_inbox_and_sent_are_imported_once_then_only_new_mail(
	dovecot: DovecotServer, mail_user, make_archive_account
):
	dovecot.create_folder(mail_user, "Sent")
	for n in range(3):
		dovecot.append(mail_user, a_mail(f"Anfrage {n}"))
	dovecot.append(
		mail_user,
		a_mail("Angebot", sender=mail_user, to="kunde@beispiel.de"),
		folder="Sent",
		flags=("\\Seen",),
	)
	account = make_archive_account(mail_user)

	first = sync_account(account.name)
	assert first.new_communications == 4
	account.reload()
	assert {(row.folder_name, row.role) for row in account.folders} == {("INBOX", "Inbox"), ("Sent", "Sent")}
	stored = communications_of(account)
	assert sorted(c.sent_or_received for c in stored) == ["Received", "Received", "Received", "Sent"]
	# mail from the account's own address is kept
	assert any(c.sender == mail_user for c in stored)

	second = sync_account(account.name)
	assert second.new_communications == 0 and second.stored == 0

	dovecot.append(mail_user, a_mail("Nachtrag"))
	third = sync_account(account.name)
	assert third.new_communications == 1
	assert len(communications_of(account)) == 5


def test_seen_flag_attachments_and_raw_message_are_kept(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, a_mail("gelesen"), flags=("\\Seen",))
	with_attachment = a_mail(
		"mit Anhang", attachments=[("Preisliste.xlsx", b"PK\x03\x04 demo workbook" * 300)]
	)
	dovecot.append(mail_user, with_attachment)
	account = make_archive_account(mail_user)
	sync_account(account.name)

	by_subject = {c.subject: c for c in communications_of(account)}
	assert by_subject["gelesen"].seen == 1
	assert by_subject["mit Anhang"].seen == 0
	assert by_subject["mit Anhang"].has_attachment == 1
	copy_flags = frappe.get_all(
		"Mailbox Copy", {"account": account.name}, ["communication", "server_flags", "seen"]
	)
	read_copy = next(c for c in copy_flags if c.communication == by_subject["gelesen"].name)
	assert "\\Seen" in read_copy.server_flags.split() and read_copy.seen == 1
	attachments = attachments_of(by_subject["mit Anhang"].name)
	assert [a.file_name for a in attachments] == ["Preisliste.xlsx"]  # the original is no attachment
	# kept by the archive, not as File records anybody could re-point or publish
	assert not frappe.get_all(
		"File", {"attached_to_doctype": "Communication", "attached_to_name": by_subject["mit Anhang"].name}
	)
	# the original message, byte for byte (as the server gives it: CRLF line ends)
	assert original_of(by_subject["mit Anhang"].name) == with_attachment.replace(b"\r\n", b"\n").replace(
		b"\n", b"\r\n"
	)


def test_same_mail_in_two_accounts_is_one_communication_with_two_copies(dovecot, make_archive_account):
	alice = dovecot.add_user("alice-shared@mail.test", "pw")
	bob = dovecot.add_user("bob-shared@mail.test", "pw")
	try:
		raw = a_mail("an beide")
		dovecot.append(alice, raw)
		dovecot.append(bob, raw)
		account_a, account_b = make_archive_account(alice), make_archive_account(bob)
		sync_account(account_a.name)
		sync_account(account_b.name)
		(copy_a,) = copies_of(account_a)
		(copy_b,) = copies_of(account_b)
		assert copy_a.communication == copy_b.communication
		assert frappe.db.count("Mailbox Copy", {"communication": copy_a.communication}) == 2
	finally:
		dovecot.remove_user_mail(alice)
		dovecot.remove_user_mail(bob)


def test_mail_without_message_id_appended_twice_is_one_communication(
	dovecot, mail_user, make_archive_account
):
	raw = a_mail("ohne Message-ID", message_id=False)
	dovecot.append(mail_user, raw)
	dovecot.append(mail_user, raw)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	copies = copies_of(account)
	assert len(copies) == 2
	assert len({c.communication for c in copies}) == 1


def test_uidvalidity_change_rescans_only_that_folder_without_duplicates(
	dovecot, mail_user, make_archive_account
):
	dovecot.create_folder(mail_user, "Sent")
	dovecot.append(mail_user, a_mail("eins"))
	dovecot.append(mail_user, a_mail("zwei"))
	dovecot.append(mail_user, a_mail("gesendet"), folder="Sent")
	account = make_archive_account(mail_user)
	sync_account(account.name)
	before = {c.communication for c in copies_of(account)}
	sent_before = copies_of(account, folder="Sent")

	new_validity = dovecot.reset_uidvalidity(mail_user, "INBOX")
	result = sync_account(account.name)

	assert result.new_communications == 0
	inbox = {f.folder: f for f in result.folders}["INBOX"]
	assert inbox.uidvalidity_changed and inbox.stored == 2
	assert {f.folder: f for f in result.folders}["Sent"].uidvalidity_changed is False
	inbox_copies = copies_of(account, folder="INBOX")
	assert {c.uidvalidity for c in inbox_copies} == {new_validity}  # re-pointed, old ones gone
	assert {c.communication for c in copies_of(account)} == before
	assert copies_of(account, folder="Sent") == sent_before


def test_a_malformed_mail_is_quarantined_and_the_folder_moves_on(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, a_mail("vorher"))
	dovecot.append(mail_user, b"\r\n")  # nothing a parser can make a mail of
	dovecot.append(mail_user, a_mail("nachher"))
	account = make_archive_account(mail_user)
	result = sync_account(account.name)
	assert result.new_communications == 2
	assert result.quarantined == 1
	(quarantined,) = copies_of(account, status="Quarantined")
	assert quarantined.quarantine_reason
	assert frappe.db.get_value("Mailbox Copy", {"account": account.name, "status": "Quarantined"}, "raw_file")
	assert sync_account(account.name).quarantined == 0  # not fetched again


def test_a_mail_the_database_refuses_is_quarantined_alone_and_its_batch_is_stored(
	dovecot, mail_user, make_archive_account
):
	"""A batch is written with one INSERT per table; a row the database refuses (here a
	Message-ID longer than its column) sends the batch through one mail at a time."""
	refused = a_mail("zu lang").replace(b"Message-ID: <", b"Message-ID: <" + b"x" * 70_000, 1)
	dovecot.append(mail_user, a_mail("davor", attachments=[("Liste.csv", b"a;b\n1;2\n")]))
	dovecot.append(mail_user, refused)
	dovecot.append(mail_user, a_mail("danach"))
	account = make_archive_account(mail_user)
	result = sync_account(account.name)
	assert (result.new_communications, result.quarantined) == (2, 1)
	(quarantined,) = copies_of(account, status="Quarantined")
	assert quarantined.uid == 2 and "too long" in quarantined.quarantine_reason.lower()
	stored = copies_of(account, status="Stored")
	assert sorted(c.uid for c in stored) == [1, 3]
	subjects = {c.subject for c in communications_of(account)}
	assert subjects == {"davor", "danach"}
	with_attachment = frappe.db.get_value(
		"Communication", {"subject": "davor", "email_account": account.email_account}
	)
	assert [a.file_name for a in attachments_of(with_attachment)] == ["Liste.csv"]


@pytest.mark.parametrize("mark_read", [False, True], ids=["keep-unread", "mark-read"])
def test_seen_is_set_on_the_server_only_when_the_account_says_so(
	dovecot, mail_user, make_archive_account, mark_read
):
	uid = dovecot.append(mail_user, a_mail("ungelesen"))
	account = make_archive_account(mail_user, mark_read_after_storing=int(mark_read))
	sync_account(account.name)
	assert ("\\Seen" in dovecot.flags(mail_user)[uid]) is mark_read
	assert len(communications_of(account)) == 1


def test_sync_over_tls(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, a_mail("verschlüsselt"))
	account = make_archive_account(mail_user, tls=True)
	assert sync_account(account.name).new_communications == 1


def test_auth_failure_sets_health_and_backs_off(dovecot, mail_user, make_archive_account):
	account = make_archive_account(mail_user)
	frappe.db.set_value("Email Account", account.email_account, "password", "falsch")
	email_account = frappe.get_doc("Email Account", account.email_account)
	email_account.password = "falsch"
	email_account.save(ignore_permissions=True)
	frappe.db.commit()
	with pytest.raises(MailboxAuthError):
		sync_account(account.name)
	account.reload()
	assert account.health == "Needs Attention"
	assert "refused" in account.health_reason
	assert account.failure_count == 1 and account.next_attempt > frappe.utils.now_datetime()
	with pytest.raises(MailboxAuthError):
		sync_account(account.name)
	account.reload()
	assert account.failure_count == 2

	email_account.password = dovecot.password(mail_user)
	email_account.save(ignore_permissions=True)
	frappe.db.commit()
	sync_account(account.name)
	account.reload()
	assert (account.health, account.failure_count, account.next_attempt) == ("OK", 0, None)


def test_stock_pull_never_touches_a_managed_mailbox(dovecot, mail_user, make_archive_account):
	uid = dovecot.append(mail_user, a_mail("nicht anfassen"))
	account = make_archive_account(mail_user)
	email_account = frappe.get_doc("Email Account", account.email_account)
	email_account.enable_incoming = 1
	email_account.email_sync_option = "UNSEEN"
	email_account.append("imap_folder", {"folder_name": "INBOX"})
	email_account.save(ignore_permissions=True)
	email_account.receive()
	assert "\\Seen" not in dovecot.flags(mail_user)[uid]
	assert frappe.db.count("Communication", {"email_account": account.email_account}) == 0


def test_oversized_attachment_becomes_a_visible_note_and_stays_in_the_raw_mail(
	dovecot, mail_user, make_archive_account
):
	frappe.db.set_single_value("Mail Archive Settings", "max_attachment_size_mb", 1)
	frappe.db.commit()
	try:
		dovecot.append(
			mail_user, a_mail("großer Anhang", attachments=[("Katalog.bin", b"\x01" * (1024 * 1024 + 10))])
		)
		account = make_archive_account(mail_user)
		sync_account(account.name)
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "max_attachment_size_mb", 25)
		frappe.db.commit()
	(communication,) = communications_of(account)
	content = frappe.db.get_value("Communication", communication.name, "content")
	assert "Katalog.bin" in content and "size limit" in content
	files = [attachment.file_name for attachment in attachments_of(communication.name)]
	assert "Katalog.bin" not in files and b"Katalog.bin" in original_of(communication.name)


def test_html_is_sanitized_before_it_reaches_the_desk(dovecot, mail_user, make_archive_account):
	message = EmailMessage()
	message["From"] = "kunde@beispiel.de"
	message["To"] = mail_user
	message["Subject"] = "HTML"
	message["Message-ID"] = make_msgid(domain="beispiel.de")
	message.set_content(
		'<p onclick="steal()">Hallo</p><script>alert(1)</script><a href="javascript:alert(2)">x</a>',
		subtype="html",
	)
	dovecot.append(mail_user, bytes(message))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(communication,) = communications_of(account)
	content = frappe.db.get_value("Communication", communication.name, "content")
	assert "Hallo" in content
	assert "<script" not in content and "onclick" not in content and "javascript:" not in content


def test_date_falls_back_to_the_servers_internaldate(dovecot, mail_user, make_archive_account):
	from datetime import datetime, timezone

	message = EmailMessage()
	message["From"] = "kunde@beispiel.de"
	message["Subject"] = "ohne Datum"
	message.set_content("x")
	received = datetime(2025, 6, 2, 8, 15, tzinfo=timezone.utc)
	dovecot.append(mail_user, bytes(message), date=received)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(communication,) = communications_of(account)
	stored = frappe.db.get_value("Communication", communication.name, "communication_date")
	expected = frappe.utils.convert_utc_to_system_timezone(received).replace(tzinfo=None)
	assert stored == expected


def test_a_folder_with_a_non_ascii_name_is_synced_on_demand(dovecot, mail_user, make_archive_account):
	folder = "Entwürfe/Kunden Ä"
	dovecot.append(mail_user, a_mail("im Unterordner"), folder=folder)
	account = make_archive_account(mail_user)
	result = sync_account(account.name, folder=folder)
	assert [(f.folder, f.new_communications) for f in result.folders] == [(folder, 1)]
	assert {c.folder for c in copies_of(account)} == {folder}


def test_system_managers_are_told_once_per_outage(dovecot, mail_user, make_archive_account):
	account = make_archive_account(mail_user)
	frappe.db.set_value("Email Account", account.email_account, "incoming_port", 1)
	frappe.db.commit()
	for _ in range(2):
		with pytest.raises(MailboxUnavailable):
			sync_account(account.name)
	account.reload()
	assert account.admins_notified == 1 and account.failure_count == 2
	frappe.db.set_value("Email Account", account.email_account, "incoming_port", dovecot.imap_port)
	frappe.db.commit()
	sync_account(account.name)
	account.reload()
	assert account.admins_notified == 0  # the next outage is reported again


def test_a_batch_that_loses_a_lock_conflict_runs_again_and_stores_every_mail_once(
	dovecot, mail_user, make_archive_account
):
	"""A filing job or a second worker may hold a row the batch writes: the batch is rolled back
	and run again, never quarantined and never half stored."""
	import threading

	import pymysql

	account = make_archive_account(mail_user)
	sync_account(account.name)  # the folder and its UIDVALIDITY are known
	for n in range(3):
		dovecot.append(mail_user, a_mail(f"Gesperrt {n}"))
	folder_row = frappe.db.get_value("Mail Archive Folder", {"parent": account.name, "folder_name": "INBOX"})
	other = pymysql.connect(
		host=frappe.conf.db_host or "127.0.0.1",
		port=int(frappe.conf.db_port or 3306),
		user=frappe.conf.db_user or frappe.conf.db_name,
		password=frappe.conf.db_password,
		database=frappe.conf.db_name,
	)
	with other.cursor() as cursor:
		cursor.execute("begin")
		cursor.execute("select name from `tabMail Archive Folder` where name = %s for update", (folder_row,))
	release = threading.Timer(2.5, other.commit)
	release.start()
	frappe.db.sql("set session innodb_lock_wait_timeout = 1")
	try:
		result = sync_account(account.name)
	finally:
		release.join()
		other.close()
		frappe.db.sql("set session innodb_lock_wait_timeout = default")

	assert result.new_communications == 3 and result.quarantined == 0
	copies = copies_of(account)
	assert sorted(c.uid for c in copies) == [1, 2, 3]
	assert len({c.communication for c in copies}) == 3
	assert all(c.status != "Quarantined" for c in copies)
	assert frappe.db.get_value("Mail Archive Folder", folder_row, "highest_uid") == 3
