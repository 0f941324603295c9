"""Telling the desks that mail changed (crm_mail_archive/live.py), read back from Redis where
socket.io takes the events: nothing is told of a change that is rolled back; the changes of one
transaction are told once, after its commit, to the signed-in readers only."""

import json
import time
import uuid

import frappe
import pytest
import requests

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.live import EVENT, mail_changed
from tests.support import a_mail, copies_of, make_user

pytestmark = pytest.mark.slow


@pytest.fixture
def signed_in_holder(web_server, dovecot, mail_user, make_archive_account, committed_cleanup):
	"""A Sales User signed in (a session, as a browser has) holding a mailbox with two mails."""
	password = f"Pw-{uuid.uuid4().hex}"
	user = make_user("Sales User", password=password)
	frappe.db.commit()
	committed_cleanup("User", user)
	dovecot.append(mail_user, a_mail("Erste"))
	dovecot.append(mail_user, a_mail("Zweite"))
	account = make_archive_account(mail_user, account_owner=user)
	sync_account(account.name)
	response = requests.post(f"{web_server}/api/method/login", data={"usr": user, "pwd": password})
	assert response.ok, response.text
	return user, [copy.communication for copy in copies_of(account)]


def events_told(pubsub, seconds: float) -> list[dict]:
	told, deadline = [], time.monotonic() + seconds
	while time.monotonic() < deadline:
		message = pubsub.get_message(timeout=0.5)
		if message:
			event = json.loads(message["data"])
			if event["namespace"] == frappe.local.site and event["event"] == EVENT:
				told.append(event)
	return told


def test_changes_are_told_once_after_commit_and_never_when_rolled_back(signed_in_holder):
	from frappe.utils.background_jobs import get_redis_connection_without_auth

	user, mails = signed_in_holder
	pubsub = get_redis_connection_without_auth().pubsub(ignore_subscribe_messages=True)
	pubsub.subscribe("events")
	try:
		mail_changed(mails)
		frappe.db.rollback()
		assert [e for e in events_told(pubsub, 2) if e["room"] == f"user:{user}"] == []

		for name in mails:  # several changes of the same mails in one transaction
			mail_changed([name])
			mail_changed(mails)
		frappe.db.commit()
		told = [e for e in events_told(pubsub, 3) if e["room"] == f"user:{user}"]
	finally:
		pubsub.close()
	assert len(told) == 1, told
	assert sorted(told[0]["message"]["communications"]) == sorted(mails)
	assert told[0]["message"]["documents"] == []  # filed nowhere
