"""An authenticated REST call against the test site, over real HTTP."""

import uuid

import frappe
import pytest
import requests


@pytest.fixture
def api_user(committed_cleanup):
	email = f"api-{uuid.uuid4().hex[:8]}@mail.test"
	user = frappe.get_doc(
		{"doctype": "User", "email": email, "first_name": "API", "send_welcome_email": 0}
	).insert(ignore_permissions=True)
	user.add_roles("System Manager")
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
