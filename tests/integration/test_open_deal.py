"""The open deal: a mail filed at a Customer, Lead or Contact by its addresses is filed at their
open Opportunity too — when there is exactly one ("Only One Open"), or at the one with the latest
activity ("Most Recently Active"); a site setting the account may override. Replies follow their
thread first; confidential accounts and the blocklist hold it back as they hold address filing;
un-filing and re-filing work as for every automatic filing."""

import frappe
import pytest
from frappe.core.doctype.communication.email import make

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from crm_mail_archive.filing.automatic import refile
from crm_mail_archive.filing.deals import file_open_deals
from crm_mail_archive.filing.manual import unfile
from tests.support import (
	a_mail,
	communication_with,
	dated,
	filed_at,
	filing_sources,
	jobs_done,
	message_id_of,
	only_communication,
	with_headers,
)
from tests.support.deals import an_opportunity


@pytest.fixture
def site_rule():
	"""Set the site's rule for a test; "Only One Open" (the default) again afterwards."""

	def set_rule(rule: str) -> None:
		frappe.db.set_single_value("Mail Archive Settings", "open_opportunity_filing", rule)
		frappe.db.commit()

	yield set_rule
	set_rule("Only One Open")


@pytest.fixture
def customer_contact(crm):
	"""A Customer and its Contact, whose address writes the mails."""
	customer = crm.customer("Verhandlungskunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	frappe.db.commit()
	return customer, contact, sender


def synced_mail(dovecot, mail_user, make_archive_account, sender: str, **account_values) -> str:
	dovecot.append(mail_user, a_mail("Angebot Gehäuse", sender=sender))
	account = make_archive_account(mail_user, **account_values)
	sync_account(account.name)
	return only_communication(account)


def provenance(communication: str, opportunity: str) -> dict:
	return frappe.db.get_value(
		"Timeline Link",
		{"communication": communication, "link_doctype": "Opportunity", "link_name": opportunity},
		["source", "matched_text", "matched_address", "filed_by"],
		as_dict=True,
	)


def test_the_one_open_opportunity_of_the_customer_gets_the_mail_with_its_provenance(
	dovecot, mail_user, make_archive_account, crm, customer_contact
):
	customer, contact, sender = customer_contact
	deal = an_opportunity(crm, "Customer", customer)
	an_opportunity(crm, "Customer", customer, status="Lost")  # done: not counted
	an_opportunity(crm, "Customer", customer, status="Converted")
	an_opportunity(crm, "Customer", customer, status="Closed")
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filing_sources(communication) == {
		("Contact", contact): "Automatic",
		("Customer", customer): "Automatic",
		("Opportunity", deal): "Open Opportunity",
	}
	assert filed_at(communication) == {("Contact", contact), ("Customer", customer), ("Opportunity", deal)}
	# the reason: the party that led there, by the address that filed the mail at it
	assert provenance(communication, deal) == {
		"source": "Open Opportunity",
		"matched_text": customer,
		"matched_address": sender,
		"filed_by": "Administrator",
	}
	assert refile(communication) == 0  # idempotent


@pytest.mark.parametrize("status", ["Replied", "Quotation"])
def test_an_opportunity_answered_or_quoted_is_still_open(
	dovecot, mail_user, make_archive_account, crm, customer_contact, status
):
	customer, _contact, sender = customer_contact
	deal = an_opportunity(crm, "Customer", customer, status=status)
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filing_sources(communication)[("Opportunity", deal)] == "Open Opportunity"


def test_no_open_opportunity_files_nothing_more(
	dovecot, mail_user, make_archive_account, crm, customer_contact
):
	customer, contact, sender = customer_contact
	an_opportunity(crm, "Customer", customer, status="Lost")
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filed_at(communication) == {("Contact", contact), ("Customer", customer)}


def test_two_open_opportunities_file_at_none_under_only_one_open(
	dovecot, mail_user, make_archive_account, crm, customer_contact
):
	customer, contact, sender = customer_contact
	an_opportunity(crm, "Customer", customer)
	an_opportunity(crm, "Customer", customer)
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filed_at(communication) == {("Contact", contact), ("Customer", customer)}


def test_most_recently_active_takes_the_latest_change_or_the_newest_mail_there(
	dovecot, mail_user, make_archive_account, crm, customer_contact, site_rule
):
	customer, _contact, sender = customer_contact
	older = an_opportunity(crm, "Customer", customer, days_since_change=20)
	newer = an_opportunity(crm, "Customer", customer, days_since_change=10)
	site_rule("Most Recently Active")
	account = make_archive_account(mail_user)
	first, note = dated("Angebot", sender, days_ago=5), dated("Telefonnotiz", crm.address("x"), days_ago=1)
	dovecot.append(mail_user, first)
	dovecot.append(mail_user, note)
	sync_account(account.name)
	first = communication_with(message_id_of(first))
	assert filing_sources(first)[("Opportunity", newer)] == "Open Opportunity"  # changed last
	assert ("Opportunity", older) not in filed_at(first)

	# a mail of yesterday filed at the older one by hand makes it the active one
	links.link(communication_with(message_id_of(note)), "Opportunity", older, "Manual", user="Administrator")
	frappe.db.commit()
	second = a_mail("Noch eine Frage", sender=sender)
	dovecot.append(mail_user, second)
	sync_account(account.name)
	second = communication_with(message_id_of(second))
	assert filing_sources(second)[("Opportunity", older)] == "Open Opportunity"
	assert ("Opportunity", newer) not in filed_at(second)


def test_the_open_opportunity_of_a_lead(dovecot, mail_user, make_archive_account, crm):
	sender = crm.address("interessent")
	lead = crm.lead(sender)
	(lead_contact,) = crm.contacts_of("Lead", lead)
	deal = an_opportunity(crm, "Lead", lead)
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filing_sources(communication) == {
		("Lead", lead): "Automatic",
		("Contact", lead_contact): "Automatic",
		("Opportunity", deal): "Open Opportunity",
	}
	assert provenance(communication, deal).matched_text == lead


def test_two_open_opportunities_of_a_lead_file_at_none(dovecot, mail_user, make_archive_account, crm):
	sender = crm.address("zweifach")
	lead = crm.lead(sender)
	an_opportunity(crm, "Lead", lead)
	an_opportunity(crm, "Lead", lead)
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert {doctype for doctype, _name in filed_at(communication)} == {"Lead", "Contact"}


def test_an_opportunity_whose_contact_person_wrote_counts_for_a_contact_without_a_customer(
	dovecot, mail_user, make_archive_account, crm
):
	sender = crm.address("ansprechpartner")
	contact = crm.contact([sender])  # linked to no Customer
	customer = crm.customer("Ohne Verknüpfung")
	deal = an_opportunity(crm, "Customer", customer, contact_person=contact)
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filed_at(communication) == {("Contact", contact), ("Opportunity", deal)}
	assert provenance(communication, deal).matched_text == contact


@pytest.mark.parametrize(
	"site,account,filed",
	[
		("Off", "Site Default", False),
		("Off", "Only One Open", True),  # the account turns it on for its mail
		("Only One Open", "Off", False),  # ... or off
		("Only One Open", "Site Default", True),
	],
)
def test_the_site_setting_and_the_accounts_override(
	dovecot, mail_user, make_archive_account, crm, customer_contact, site_rule, site, account, filed
):
	customer, _contact, sender = customer_contact
	deal = an_opportunity(crm, "Customer", customer)
	site_rule(site)
	communication = synced_mail(
		dovecot, mail_user, make_archive_account, sender, open_opportunity_filing=account
	)
	assert (("Opportunity", deal) in filed_at(communication)) is filed
	assert ("Customer", customer) in filed_at(communication)


def test_a_reply_follows_its_thread_to_another_opportunity_not_the_open_deal(
	dovecot, mail_user, make_archive_account, crm, customer_contact
):
	customer, contact, sender = customer_contact
	original = a_mail("Rahmenvertrag", sender=sender)
	dovecot.append(mail_user, original)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	first = communication_with(message_id_of(original))
	# a person filed the conversation at an Opportunity; later another one opens
	discussed = an_opportunity(crm, "Customer", customer, status="Quotation")
	links.link(first, "Opportunity", discussed, "Manual", user="Administrator")
	frappe.db.set_value("Opportunity", discussed, "status", "Lost")
	deal = an_opportunity(crm, "Customer", customer)

	reply = with_headers(
		a_mail("AW: Rahmenvertrag", sender=sender), In_Reply_To=f"<{message_id_of(original)}>"
	)
	unrelated = a_mail("Neue Anfrage", sender=sender)
	dovecot.append(mail_user, reply)
	dovecot.append(mail_user, unrelated)
	sync_account(account.name)
	assert filing_sources(communication_with(message_id_of(reply))) == {
		("Contact", contact): "Automatic",
		("Customer", customer): "Automatic",
		("Opportunity", discussed): "Reply",  # where its thread is, and no deal filing
	}
	# a new conversation in the same batch goes to the open deal
	assert filing_sources(communication_with(message_id_of(unrelated)))[("Opportunity", deal)] == (
		"Open Opportunity"
	)


def test_a_desk_answer_follows_the_mail_it_answers_not_the_open_deal(
	dovecot, mail_user, make_archive_account, crm, customer_contact
):
	customer, contact, sender = customer_contact
	discussed = an_opportunity(crm, "Customer", customer)
	original = a_mail("Lieferbedingungen", sender=sender)
	dovecot.append(mail_user, original)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	first = communication_with(message_id_of(original))
	assert filing_sources(first)[("Opportunity", discussed)] == "Open Opportunity"
	# that deal is lost, another one opens; then the mail is answered from the desk
	frappe.db.set_value("Opportunity", discussed, "status", "Lost")
	an_opportunity(crm, "Customer", customer)
	frappe.db.set_value(
		"Email Account",
		account.email_account,
		{"enable_outgoing": 1, "smtp_server": "127.0.0.1", "smtp_port": 2525, "default_outgoing": 1},
	)
	answer = make(
		doctype="Communication",
		name=first,
		subject="AW: Lieferbedingungen",
		content="Gern.",
		recipients=sender,
		send_email=True,
	)["name"]
	# archived as it was queued: filed by its recipient and where the mail it answers is, only
	assert filing_sources(answer) == {
		("Contact", contact): "Automatic",
		("Customer", customer): "Automatic",
		("Opportunity", discussed): "Reply",
	}


def test_a_confidential_account_files_nothing_at_the_open_deal(
	dovecot, mail_user, make_archive_account, crm, customer_contact
):
	customer, _contact, sender = customer_contact
	an_opportunity(crm, "Customer", customer)
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender, confidential=1)
	assert filed_at(communication) == set()
	assert refile(communication) == 0


def test_un_filing_refiling_and_the_blocklist_work_as_for_address_filing(
	dovecot, mail_user, make_archive_account, crm, customer_contact, committed_cleanup, site_rule
):
	customer, contact, sender = customer_contact
	deal = an_opportunity(crm, "Customer", customer)
	site_rule("Off")
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filed_at(communication) == {("Contact", contact), ("Customer", customer)}

	site_rule("Only One Open")
	assert refile(communication) == 1  # re-filing applies the rule as it is now
	assert filing_sources(communication)[("Opportunity", deal)] == "Open Opportunity"
	frappe.db.commit()

	assert unfile(communication, "Opportunity", deal)  # undo: both rows go
	assert filed_at(communication) == {("Contact", contact), ("Customer", customer)}
	# filed again in a long list (retroactive filing passes a contact's thousands of mails)
	assert file_open_deals([*(f"keine-{n}" for n in range(1500)), communication], "Only One Open") == 1
	frappe.db.commit()

	# blocking the address takes back what it filed, the open deal included; unblocking refiles
	entry = frappe.get_doc({"doctype": "Archive Blocklist", "entry_type": "Address", "value": sender}).insert(
		ignore_permissions=True
	)
	committed_cleanup("Archive Blocklist", entry.name)
	assert jobs_done(lambda: filed_at(communication) == set()), filed_at(communication)
	frappe.delete_doc("Archive Blocklist", entry.name, ignore_permissions=True)
	assert jobs_done(
		lambda: filed_at(communication)
		== {("Contact", contact), ("Customer", customer), ("Opportunity", deal)}
	)


def test_past_mail_reaching_a_customer_through_a_new_contact_goes_to_its_open_deal(
	dovecot, mail_user, make_archive_account, crm
):
	customer = crm.customer("Spätkunde")
	deal = an_opportunity(crm, "Customer", customer)
	sender = crm.address("spaeter")
	communication = synced_mail(dovecot, mail_user, make_archive_account, sender)
	assert filed_at(communication) == set()

	contact = crm.contact([sender], links=[("Customer", customer)])
	assert jobs_done(
		lambda: filed_at(communication)
		== {("Contact", contact), ("Customer", customer), ("Opportunity", deal)}
	)
	assert filing_sources(communication)[("Opportunity", deal)] == "Open Opportunity"
