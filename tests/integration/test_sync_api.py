"""The sync API: allowed for the account's owner and System Managers, refused for others; POST for writes."""

import uuid

import frappe
import pytest

from crm_mail_archive import api


@pytest.fixture
def plain_user():
	user = frappe.get_doc(
		{"doctype": "User", "email": f"plain-{uuid.uuid4().hex[:8]}@mail.test", "first_name": "Plain"}
	).insert(ignore_permissions=True)
	return user.name


def test_writes_are_post_only():
	for name in ("sync_now", "sync_folder", "add_folder", "retry_quarantined"):
		assert frappe.allowed_http_methods_for_whitelisted_func[getattr(api, name)] == ["POST"], name


def test_owner_lists_server_folders_and_adds_one(dovecot, mail_user, make_archive_account, plain_user):
	dovecot.create_folder(mail_user, "Sent")
	dovecot.create_folder(mail_user, "Projekte/Ausschreibung Ü 2026")
	account = make_archive_account(mail_user)
	frappe.db.set_value("Mail Archive Account", account.name, "account_owner", plain_user)
	frappe.set_user(plain_user)

	folders = {f["name"]: f for f in api.list_server_folders(account.name)}
	assert folders["Sent"]["role"] == "Sent" and folders["INBOX"]["role"] == "Inbox"
	assert "Projekte/Ausschreibung Ü 2026" in folders

	api.add_folder(account.name, "Projekte/Ausschreibung Ü 2026")
	frappe.set_user("Administrator")
	assert "Projekte/Ausschreibung Ü 2026" in {
		row.folder_name for row in frappe.get_doc("Mail Archive Account", account.name).folders
	}


def test_other_users_are_refused(dovecot, mail_user, make_archive_account, plain_user):
	account = make_archive_account(mail_user)
	frappe.set_user(plain_user)
	for call in (
		lambda: api.sync_now(account.name),
		lambda: api.sync_folder(account.name, "INBOX"),
		lambda: api.list_server_folders(account.name),
		lambda: api.add_folder(account.name, "INBOX"),
	):
		with pytest.raises(frappe.PermissionError):
			call()


def test_system_manager_may_queue_a_sync(dovecot, mail_user, make_archive_account):
	account = make_archive_account(mail_user)
	assert api.sync_now(account.name) == {"queued": True}
	assert api.sync_folder(account.name, "INBOX") == {"queued": True}


def test_unknown_account_is_a_clear_error():
	with pytest.raises(frappe.DoesNotExistError):
		api.sync_now("no such account")
