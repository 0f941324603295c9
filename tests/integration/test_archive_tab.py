"""The Email Archive of a document: order, pagination, search and who may see what."""

import uuid

import frappe
import pytest

from crm_mail_archive import api


def test_newest_first_paginated_and_searchable(customer_with_mail):
	customer, _account = customer_with_mail
	first = api.get_archive("Customer", customer, start=0, page_length=10)
	assert first["total"] == 25
	assert [m["subject"] for m in first["mails"]] == [f"Bestellung {n:02d}" for n in range(10)]
	assert {m["source"] for m in first["mails"]} == {"Automatic"}
	third = api.get_archive("Customer", customer, start=20, page_length=10)
	assert [m["subject"] for m in third["mails"]] == [f"Bestellung {n:02d}" for n in range(20, 25)]
	found = api.get_archive("Customer", customer, search="Bestellung 1")
	assert found["total"] == 10 and all(m["subject"].startswith("Bestellung 1") for m in found["mails"])


def test_nobody_sees_the_archive_of_a_document_they_cannot_read(customer_with_mail):
	customer, _account = customer_with_mail
	outsider = frappe.get_doc(
		{"doctype": "User", "email": f"outsider-{uuid.uuid4().hex[:8]}@mail.test", "first_name": "Outsider"}
	).insert(ignore_permissions=True)
	frappe.set_user(outsider.name)
	with pytest.raises(frappe.PermissionError):
		api.get_archive("Customer", customer)


def test_a_confidential_accounts_mail_is_visible_to_its_owner_only(customer_with_mail):
	customer, account = customer_with_mail
	reader = frappe.get_doc(
		{"doctype": "User", "email": f"reader-{uuid.uuid4().hex[:8]}@mail.test", "first_name": "Reader"}
	).insert(ignore_permissions=True)
	reader.add_roles("Sales User")
	frappe.db.set_value(
		"Mail Archive Account", account.name, {"confidential": 1, "account_owner": "Administrator"}
	)
	frappe.set_user(reader.name)
	assert api.get_archive("Customer", customer)["total"] == 0
	frappe.set_user("Administrator")
	assert api.get_archive("Customer", customer)["total"] == 25


def test_the_patch_gives_older_filings_their_mail_date(customer_with_mail):
	from crm_mail_archive.patches.timeline_link_mail_date import execute

	customer, _account = customer_with_mail
	where = {"link_doctype": "Customer", "link_name": customer}
	frappe.db.set_value("Timeline Link", where, "communication_date", None)
	execute()
	for row in frappe.get_all("Timeline Link", where, ["communication", "communication_date"]):
		assert row.communication_date == frappe.db.get_value(
			"Communication", row.communication, "communication_date"
		)
	assert api.get_archive("Customer", customer)["mails"][0]["subject"] == "Bestellung 00"
