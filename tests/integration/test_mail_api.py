"""Working with a mail through the API: file by hand, un-file, create Contact / Lead /
Opportunity / Issue from it (the thread is filed there), each as an allowed and a disallowed user."""

import uuid

import frappe
import pytest

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from tests.support import a_mail, communication_with, filed_at, make_user, message_id_of, with_headers


def sources(communication: str) -> dict[tuple[str, str], str]:
	return {
		(row.link_doctype, row.link_name): row.source
		for row in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name", "source"]
		)
	}


@pytest.fixture
def conversation(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	"""A question from an unknown sender and the answer to it (a thread of two)."""
	sender = crm.address("anna.mueller")
	question = a_mail("Anfrage Schrauben", sender=sender)
	answer = with_headers(
		a_mail("AW: Anfrage Schrauben", sender=sender), In_Reply_To=f"<{message_id_of(question)}>"
	)
	dovecot.append_many(mail_user, [question, answer])
	account = make_archive_account(mail_user)
	sync_account(account.name)
	names = communication_with(message_id_of(question)), communication_with(message_id_of(answer))
	assert frappe.db.get_value("Communication", names[1], "in_reply_to") == names[0]
	frappe.db.set_value("Communication", names, "sender_full_name", "Anna Müller")

	def cleanup(doctype: str, name: str) -> str:
		committed_cleanup(doctype, name)
		return name

	return account, sender, names, cleanup


def test_file_by_hand_and_unfile(conversation, crm):
	_account, _sender, (question, answer), _cleanup = conversation
	customer = crm.customer("Handkunde")
	assert api.file_mail([question, answer], "Customer", customer) == {"added": 2}
	assert api.file_mail(question, "Customer", customer) == {"added": 0}  # filing twice adds nothing
	assert sources(question) == {("Customer", customer): "Manual"}
	assert filed_at(answer) == {("Customer", customer)}
	assert frappe.db.get_value("Communication", question, "mail_archive_filing") == "Filed"
	assert api.get_filings(question)[0]["filed_by"] == "Administrator"

	assert api.unfile_mail(question, "Customer", customer) == {"removed": True}
	assert filed_at(question) == set()
	assert frappe.db.get_value("Communication", question, "mail_archive_filing") == "Unfiled"


def test_filing_needs_write_on_the_target_and_read_on_the_mail(conversation, crm):
	_account, _sender, (question, _answer), _cleanup = conversation
	customer = crm.customer("Schreibkunde")
	reader = make_user("Sales User")  # reads customers, but cannot read this unfiled mail
	frappe.set_user(reader)
	with pytest.raises(frappe.PermissionError):
		api.file_mail(question, "Customer", customer)
	frappe.set_user("Administrator")
	api.file_mail(question, "Customer", customer)
	frappe.set_user(make_user())  # no CRM role: may not write the customer
	with pytest.raises(frappe.PermissionError):
		api.unfile_mail(question, "Customer", customer)
	frappe.set_user(reader)  # the mail is readable now (filed at a customer they read) …
	assert api.get_filings(question)[0]["link_name"] == customer
	frappe.set_user("Administrator")
	with pytest.raises(frappe.DoesNotExistError):
		api.file_mail(question, "Customer", f"Gibt es nicht {uuid.uuid4().hex}")


def test_create_contact_prefills_the_sender_and_files_the_thread(conversation):
	_account, sender, (question, answer), cleanup = conversation
	created = api.create_from_mail(answer, "Contact")
	contact = frappe.get_doc("Contact", cleanup("Contact", created["name"]))
	assert (contact.first_name, contact.last_name) == ("Anna", "Müller")
	assert [row.email_id for row in contact.email_ids] == [sender]
	for communication in (question, answer):
		assert sources(communication)[("Contact", contact.name)] == "Created From"
	with pytest.raises(frappe.DuplicateEntryError):
		api.create_from_mail(question, "Contact")  # the address has its contact now


def test_create_contact_links_the_one_customer_the_mail_is_filed_at(conversation, crm):
	_account, _sender, (question, _answer), cleanup = conversation
	customer = crm.customer("Zielkunde")
	api.file_mail(question, "Customer", customer)
	contact = frappe.get_doc("Contact", cleanup("Contact", api.create_from_mail(question, "Contact")["name"]))
	assert [(row.link_doctype, row.link_name) for row in contact.links] == [("Customer", customer)]


def test_create_lead_and_issue_file_the_thread(conversation):
	_account, sender, (question, answer), cleanup = conversation
	lead = api.create_from_mail(question, "Lead")["name"]
	cleanup("Lead", lead)
	for contact in frappe.get_all(
		"Dynamic Link", {"parenttype": "Contact", "link_doctype": "Lead", "link_name": lead}, pluck="parent"
	):
		cleanup("Contact", contact)
	assert frappe.db.get_value("Lead", lead, "email_id") == sender
	issue = cleanup("Issue", api.create_from_mail(answer, "Issue")["name"])
	assert frappe.db.get_value("Issue", issue, ["subject", "raised_by"]) == ("AW: Anfrage Schrauben", sender)
	for communication in (question, answer):
		assert sources(communication)[("Lead", lead)] == "Created From"
		assert sources(communication)[("Issue", issue)] == "Created From"
	assert frappe.db.get_value("Communication", question, "reference_doctype") == "Lead"


def test_create_opportunity_takes_the_filed_customer_and_offers_open_ones(conversation, crm):
	_account, _sender, (question, answer), cleanup = conversation
	customer = crm.customer("Chancenkunde")
	api.file_mail(question, "Customer", customer)
	assert api.open_opportunities(question) == []
	opportunity = cleanup("Opportunity", api.create_from_mail(question, "Opportunity")["name"])
	assert frappe.db.get_value("Opportunity", opportunity, ["opportunity_from", "party_name"]) == (
		"Customer",
		customer,
	)
	assert sources(answer)[("Opportunity", opportunity)] == "Created From"
	assert [row["name"] for row in api.open_opportunities(question)] == [opportunity]


def test_creating_needs_create_permission_and_read_on_the_mail(conversation, crm):
	_account, _sender, (question, _answer), _cleanup = conversation
	frappe.set_user(make_user())
	with pytest.raises(frappe.PermissionError):
		api.create_from_mail(question, "Lead")
	frappe.set_user("Administrator")
	api.file_mail(question, "Customer", crm.customer("Lesekunde"))
	frappe.set_user(make_user("Sales User"))  # reads the mail now, but may not create Issues
	with pytest.raises(frappe.PermissionError):
		api.create_from_mail(question, "Issue")
	with pytest.raises(frappe.ValidationError):
		frappe.set_user("Administrator")
		api.create_from_mail(question, "Sales Invoice")


@pytest.mark.parametrize(
	"call",
	[
		lambda c: api.get_filings(c),
		lambda c: api.open_opportunities(c),
		lambda c: api.get_server_state(c),
		lambda c: api.refile_mail(c),
		lambda c: api.mark_read(c),
		lambda c: api.move_mail(c, "Archiv"),
		lambda c: api.mark_spam(c),
		lambda c: api.trash_mail(c),
		lambda c: api.create_from_mail(c, "Contact"),
		lambda c: api.unfile_mail(c, "Contact", "x"),
	],
	ids=[
		"get_filings",
		"open_opportunities",
		"get_server_state",
		"refile_mail",
		"mark_read",
		"move_mail",
		"mark_spam",
		"trash_mail",
		"create_from_mail",
		"unfile_mail",
	],
)
def test_every_mail_method_refuses_a_user_who_cannot_read_the_mail(conversation, call):
	_account, _sender, (question, _answer), _cleanup = conversation
	frappe.set_user(make_user("Sales User"))  # the mail is filed nowhere they can read
	with pytest.raises(frappe.PermissionError):
		call(question)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Communication", question, ["seen", "email_status"]) == (0, "Open")
