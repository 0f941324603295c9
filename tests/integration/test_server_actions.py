"""Desk actions reach the mail server (read back from Dovecot), wait while it is unreachable, fail
visibly when refused; changes made in the user's mail client reach the desk on the next sync."""

import frappe
import pytest
from frappe.core.doctype.communication.email import make

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.actions.service import run_apply_job
from crm_mail_archive.retention.guard import removing_by_the_app
from devtools.dovecot import free_port
from tests.support import a_mail, copies_of, make_user


def action_states(communication: str) -> list[tuple[str, str]]:
	return [
		(row.action, row.status)
		for row in frappe.get_all(
			"Mail Server Action",
			{"communication": communication},
			["action", "status"],
			order_by="creation asc",
		)
	]


@pytest.fixture
def synced_mail(dovecot, mail_user, make_archive_account):
	for folder in ("Archiv", "Junk", "Trash"):
		dovecot.create_folder(mail_user, folder)
	uid = dovecot.append(mail_user, a_mail("Lieferschein 4711"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)
	assert copy.uid == uid
	return account, copy.communication, uid


def test_mark_read_and_unread_change_seen_on_the_server(dovecot, mail_user, synced_mail):
	account, communication, uid = synced_mail
	api.mark_read([communication], read=True)
	assert frappe.db.get_value("Communication", communication, "seen") == 1  # the desk at once
	assert "\\Seen" not in dovecot.flags(mail_user)[uid]  # the server once the job ran
	run_apply_job(account.name)
	assert "\\Seen" in dovecot.flags(mail_user)[uid]
	assert action_states(communication) == [("Mark Read", "Done")]

	api.mark_read(communication, read=False)
	run_apply_job(account.name)
	assert "\\Seen" not in dovecot.flags(mail_user)[uid]
	assert frappe.db.get_value("Communication", communication, "seen") == 0


def test_reply_and_forward_set_answered_and_forwarded(dovecot, mail_user, synced_mail):
	account, communication, uid = synced_mail
	frappe.db.set_value(
		"Email Account",
		account.email_account,
		{"enable_outgoing": 1, "smtp_server": "127.0.0.1", "smtp_port": free_port(), "default_outgoing": 1},
	)
	for subject in ("AW: Lieferschein 4711", "WG: Lieferschein 4711"):
		make(
			doctype="Communication",
			name=communication,
			subject=subject,
			content="Danke.",
			recipients="kunde@beispiel.de",
			send_email=True,
		)
	run_apply_job(account.name)
	assert {"\\Answered", "$Forwarded"} <= dovecot.flags(mail_user)[uid]


@pytest.mark.parametrize(
	("request_action", "folder", "email_status"),
	[
		(lambda c: api.move_mail(c, "Archiv"), "Archiv", "Open"),
		(api.mark_spam, "Junk", "Spam"),
		(api.trash_mail, "Trash", "Trash"),
	],
	ids=["move", "spam", "trash"],
)
def test_folder_actions_move_the_mail_and_its_copy_follows(
	dovecot, mail_user, synced_mail, request_action, folder, email_status
):
	account, communication, _uid = synced_mail
	request_action(communication)
	assert frappe.db.get_value("Communication", communication, "email_status") == email_status
	run_apply_job(account.name)
	assert dovecot.messages(mail_user, "INBOX") == {}
	(new_uid,) = dovecot.messages(mail_user, folder)
	(copy,) = copies_of(account)
	assert (copy.folder, copy.uid, copy.communication) == (folder, new_uid, communication)
	assert copy.uidvalidity == dovecot.uidvalidity(mail_user, folder)
	# syncing both folders afterwards neither duplicates nor loses the mail
	api.add_folder(account.name, folder)
	sync_account(account.name)
	assert [(c.folder, c.uid) for c in copies_of(account)] == [(folder, new_uid)]
	assert frappe.db.count("Communication", {"email_account": account.email_account}) == 1


def test_spam_keeps_stocks_sender_rule(synced_mail, committed_cleanup):
	_account, communication, _uid = synced_mail
	sender = frappe.db.get_value("Communication", communication, "sender")
	had_rule = frappe.db.exists("Email Rule", {"email_id": sender})
	api.mark_spam(communication)
	frappe.db.commit()
	rule = frappe.db.get_value("Email Rule", {"email_id": sender}, ["name", "is_spam"], as_dict=True)
	if not had_rule:
		committed_cleanup("Email Rule", rule.name)
	assert rule.is_spam == 1


def test_an_unreachable_server_keeps_the_action_pending_until_it_is_back(dovecot, mail_user, synced_mail):
	account, communication, uid = synced_mail
	port = frappe.db.get_value("Email Account", account.email_account, "incoming_port")
	frappe.db.set_value("Email Account", account.email_account, "incoming_port", free_port())
	api.mark_read(communication)
	frappe.db.commit()
	run_apply_job(account.name)
	action = frappe.get_all("Mail Server Action", {"communication": communication}, ["*"])[0]
	assert (action.status, action.attempts) == ("Pending", 1)
	assert action.next_attempt and "connect" in action.last_error
	assert api.get_server_state(communication)["actions"][0]["status"] == "Pending"

	frappe.db.set_value("Email Account", account.email_account, "incoming_port", port)
	run_apply_job(account.name)
	assert action_states(communication) == [("Mark Read", "Done")]
	assert "\\Seen" in dovecot.flags(mail_user)[uid]


def test_a_refused_action_fails_visibly_and_the_next_one_goes_on(dovecot, mail_user, synced_mail):
	account, communication, uid = synced_mail
	api.move_mail(communication, "Gibt es nicht")
	api.mark_read(communication)
	run_apply_job(account.name)
	assert action_states(communication) == [("Move", "Failed"), ("Mark Read", "Done")]
	failed = api.get_server_state(communication)["actions"][0]
	assert failed["status"] == "Failed" and "Gibt es nicht" in failed["last_error"]
	# the reader asks once, for the mail and its server state together
	assert api.get_mail_view(communication, with_server_state=True).server_state == api.get_server_state(
		communication
	)
	assert list(dovecot.messages(mail_user, "INBOX")) == [uid]


def test_changes_in_the_mail_client_reach_the_desk_on_the_next_sync(dovecot, mail_user, synced_mail):
	account, communication, uid = synced_mail
	second = dovecot.append(mail_user, a_mail("Rechnung 0815"))
	sync_account(account.name)
	with dovecot.session(mail_user) as client:
		client.select_folder("INBOX")
		client.add_flags([uid], [b"\\Seen", b"\\Flagged"])
		client.move([second], "Archiv")
	sync_account(account.name)
	copies = {c.uid: c for c in copies_of(account)}
	assert list(copies) == [uid]  # the moved mail's INBOX copy is gone; its mail stays archived
	assert copies[uid].seen == 1
	assert frappe.db.get_value("Mailbox Copy", {"account": account.name, "uid": uid}, "server_flags") == (
		"\\Flagged \\Seen"
	)
	assert frappe.db.get_value("Communication", communication, "seen") == 1
	assert frappe.db.count("Communication", {"email_account": account.email_account}) == 2


def test_only_the_mailbox_holder_may_change_it_on_the_server(synced_mail, crm):
	account, communication, _uid = synced_mail
	customer = crm.customer("Aktionskunde")
	api.file_mail(communication, "Customer", customer)
	reader = make_user("Sales User")  # reads the mail through the customer
	frappe.set_user(reader)
	assert frappe.has_permission("Communication", "read", communication)
	for action in (lambda: api.mark_read(communication), lambda: api.trash_mail(communication)):
		with pytest.raises(frappe.PermissionError):
			action()
	frappe.set_user("Administrator")
	frappe.db.set_value("Mail Archive Account", account.name, "account_owner", reader)
	frappe.set_user(reader)
	assert len(api.mark_read(communication)["queued"]) == 1


def test_a_mail_with_a_queued_server_action_can_be_deleted(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, a_mail("Zum Löschen"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)
	api.mark_read(copy.communication, read=1)
	assert frappe.db.exists("Mail Server Action", {"communication": copy.communication})
	with removing_by_the_app():  # (kept for its retention period otherwise)
		frappe.delete_doc("Communication", copy.communication, ignore_permissions=True)
	assert not frappe.db.exists("Communication", copy.communication)
	for doctype in ("Mail Server Action", "Mailbox Copy", "Timeline Link", "Mail Address Index"):
		assert not frappe.db.exists(doctype, {"communication": copy.communication}), doctype


def test_change_mails_moves_several_mails_on_the_server_at_once(dovecot, mail_user, make_archive_account):
	dovecot.create_folder(mail_user, "Archiv")
	dovecot.append(mail_user, a_mail("Rechnung 1"))
	dovecot.append(mail_user, a_mail("Rechnung 2"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	mails = sorted(copy.communication for copy in copies_of(account))
	with pytest.raises(frappe.ValidationError, match="Choose the folder"):
		api.change_mails(mails, "Move")
	frappe.db.rollback()
	result = api.change_mails(mails, "Move", folder="Archiv")
	assert sorted(result["changed"]) == mails and result["refused"] == []
	assert {frappe.db.get_value("Communication", name, "imap_folder") for name in mails} == {"Archiv"}
	frappe.db.commit()
	run_apply_job(account.name)
	assert sorted(copy.communication for copy in copies_of(account, folder="Archiv")) == mails
	assert len(dovecot.flags(mail_user, "Archiv")) == 2 and dovecot.flags(mail_user) == {}
