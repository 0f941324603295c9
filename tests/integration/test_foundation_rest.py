"""An authenticated REST call against the test site, over real HTTP."""

import uuid

import frappe
import pytest
import requests

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import a_mail, copies_of


@pytest.fixture
def api_user(committed_cleanup):
	email = f"api-{uuid.uuid4().hex[:8]}@mail.test"
	user = frappe.get_doc(
		{"doctype": "User", "email": email, "first_name": "API", "send_welcome_email": 0}
	).insert(ignore_permissions=True)
	user.add_roles("System Manager", "Sales User")  # Sales User: writes Customers
	secret = frappe.generate_hash(length=15)
	user.api_key = frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	frappe.db.commit()  # the web server is another process
	committed_cleanup("User", email)
	return user.name, user.api_key, secret


def test_token_authenticated_rest_call(web_server, api_user):
	name, key, secret = api_user
	response = requests.get(
		f"{web_server}/api/method/frappe.auth.get_logged_user",
		headers={"Authorization": f"token {key}:{secret}"},
		timeout=30,
	)
	assert response.status_code == 200
	assert response.json()["message"] == name

	settings = requests.get(
		f"{web_server}/api/resource/Mail Archive Settings/Mail Archive Settings",
		headers={"Authorization": f"token {key}:{secret}"},
		timeout=30,
	)
	assert settings.status_code == 200
	assert settings.json()["data"]["sync_interval_minutes"] == 5


def test_anonymous_call_is_refused(web_server):
	response = requests.get(f"{web_server}/api/method/frappe.auth.get_logged_user", timeout=30)
	assert response.status_code in (401, 403)


def test_the_mail_api_over_http(web_server, api_user, dovecot, mail_user, make_archive_account, crm):
	_name, key, secret = api_user
	headers = {"Authorization": f"token {key}:{secret}"}
	method = f"{web_server}/api/method/crm_mail_archive.api"
	customer = crm.customer("REST-Kunde")
	uid = dovecot.append(mail_user, a_mail("Per REST abgelegt"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)

	# writes are POST only
	refused = requests.get(
		f"{method}.file_mail",
		params={"communications": copy.communication, "doctype": "Customer", "name": customer},
		headers=headers,
		timeout=30,
	)
	assert refused.status_code in (403, 405)
	filed = requests.post(
		f"{method}.file_mail",
		data={"communications": f'["{copy.communication}"]', "doctype": "Customer", "name": customer},
		headers=headers,
		timeout=30,
	)
	assert filed.status_code == 200, filed.text
	assert filed.json()["message"] == {"added": 1}
	archive = requests.get(
		f"{method}.get_archive", params={"doctype": "Customer", "name": customer}, headers=headers, timeout=30
	).json()["message"]
	assert [mail["name"] for mail in archive["mails"]] == [copy.communication]

	unread = requests.post(
		f"{method}.mark_read",
		data={"communications": copy.communication, "read": 0},
		headers=headers,
		timeout=30,
	)
	assert unread.status_code == 200, unread.text
	assert len(unread.json()["message"]["queued"]) == 1
	bad = requests.post(
		f"{method}.get_archive",
		data={"doctype": "Customer", "name": customer, "start": "x"},
		headers=headers,
		timeout=30,
	)
	assert bad.status_code == 417 and "start" in bad.text  # a clear type error, nothing done
	assert uid in dovecot.messages(mail_user)
