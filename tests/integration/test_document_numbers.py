"""Filing by document number: a synced mail naming a document of its own party lands on the
document and its party (source "Document Number", the number as the reason) — a Quotation in the
subject, a Sales Order by the customer's order number or in an attachment's name, a Purchase
Invoice by the supplier's invoice number. Another party's document, a number only in quoted
history, blocked or confidential mail file nothing; un-filing works; a new document files the
past mail that named it."""

import random

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing.manual import unfile
from tests.support import a_mail, communication_with, filed_at, filing_sources, jobs_done, message_id_of
from tests.support.erp import ErpBuilder


@pytest.fixture
def erp(crm, committed_cleanup) -> ErpBuilder:
	return ErpBuilder(crm, committed_cleanup)


@pytest.fixture
def customer_contact(crm):
	"""A Customer and its Contact, who writes the mails."""
	customer = crm.customer("Belegkunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	frappe.db.commit()
	return customer, contact, sender


def sync_mails(dovecot, mail_user, make_archive_account, *raws, **account_values) -> list[str]:
	for raw in raws:
		dovecot.append(mail_user, raw)
	account = make_archive_account(mail_user, **account_values)
	sync_account(account.name)
	return [communication_with(message_id_of(raw)) for raw in raws]


def reason(communication: str, doctype: str, name: str) -> tuple[str, str | None]:
	row = frappe.db.get_value(
		"Timeline Link",
		{"communication": communication, "link_doctype": doctype, "link_name": name},
		["source", "matched_text"],
	)
	return tuple(row) if row else (None, None)


def test_a_quotation_named_in_the_subject_files_the_mail_there_with_the_number_as_reason(
	dovecot, mail_user, make_archive_account, erp, customer_contact
):
	customer, contact, sender = customer_contact
	quotation = erp.document("Quotation", quotation_to="Customer", party_name=customer)
	assert quotation.startswith("SAL-QTN-")  # the site's naming series
	frappe.db.commit()
	(mail,) = sync_mails(
		dovecot, mail_user, make_archive_account, a_mail(f"AW: Ihr Angebot {quotation}", sender=sender)
	)
	assert filed_at(mail) == {("Contact", contact), ("Customer", customer), ("Quotation", quotation)}
	assert reason(mail, "Quotation", quotation) == ("Document Number", quotation)
	assert filing_sources(mail)[("Customer", customer)] == "Automatic"  # filed by its address first

	assert unfile(mail, "Quotation", quotation)  # undo, as for every filing
	assert filed_at(mail) == {("Contact", contact), ("Customer", customer)}


def test_a_sales_order_is_found_by_the_customers_order_number_and_in_an_attachment_name(
	dovecot, mail_user, make_archive_account, erp, customer_contact
):
	customer, contact, sender = customer_contact
	order_number = f"PO-{erp.crm.tag}-4711"
	by_po = erp.document("Sales Order", customer=customer, po_no=order_number)
	by_file = erp.document("Sales Order", customer=customer)
	frappe.db.commit()
	chasing = a_mail("Liefertermin?", sender=sender, text=f"Wann kommt unsere Bestellung {order_number}?\n")
	attached = a_mail(
		"Unterlagen", sender=sender, attachments=[(f"Auftragsbestaetigung_{by_file}.pdf", b"%PDF-1.4\n")]
	)
	first, second = sync_mails(dovecot, mail_user, make_archive_account, chasing, attached)
	assert ("Sales Order", by_po) in filed_at(first)
	assert reason(first, "Sales Order", by_po) == ("Document Number", order_number)
	assert ("Sales Order", by_file) not in filed_at(first)
	assert filed_at(second) == {("Contact", contact), ("Customer", customer), ("Sales Order", by_file)}
	assert reason(second, "Sales Order", by_file) == ("Document Number", by_file)


def test_a_purchase_invoice_is_found_by_the_suppliers_invoice_number_and_files_at_the_supplier(
	dovecot, mail_user, make_archive_account, erp, crm
):
	supplier = erp.supplier("Lieferant")
	sender = crm.address("buchhaltung", domain="lieferant-{tag}.example")
	crm.contact([sender], links=[("Supplier", supplier)])
	bill_no = f"RE-2026-{erp.crm.tag}"
	invoice = erp.document("Purchase Invoice", supplier=supplier, bill_no=bill_no)
	frappe.db.commit()
	(mail,) = sync_mails(
		dovecot,
		mail_user,
		make_archive_account,
		a_mail("Zahlungserinnerung", sender=sender, text=f"Unsere Rechnung {bill_no} ist noch offen.\n"),
	)
	assert {("Purchase Invoice", invoice), ("Supplier", supplier)} <= filed_at(mail)
	assert reason(mail, "Purchase Invoice", invoice) == ("Document Number", bill_no)


def test_another_partys_document_and_a_number_only_in_quoted_history_file_nothing(
	dovecot, mail_user, make_archive_account, erp, crm, customer_contact
):
	customer, contact, sender = customer_contact
	other = crm.customer("Fremdkunde")
	foreign = erp.document("Quotation", quotation_to="Customer", party_name=other)
	own = erp.document("Quotation", quotation_to="Customer", party_name=customer)
	stranger = crm.address("fremd", domain="unbekannt-{tag}.example")
	frappe.db.commit()
	quoted = (
		"Vielen Dank, wir melden uns.\n\n"
		f"Am 01.12.2026 um 09:00 schrieb Vertrieb <{mail_user}>:\n"
		f"> anbei unser Angebot {own}\n"
	)
	mails = sync_mails(
		dovecot,
		mail_user,
		make_archive_account,
		a_mail(f"Angebot {foreign}", sender=sender),  # the other customer's number
		a_mail(f"Angebot {own}", sender=stranger),  # the number, but not from the customer
		a_mail("Re: Angebot", sender=sender, text=quoted),  # only in the quoted history
	)
	assert filed_at(mails[0]) == {("Contact", contact), ("Customer", customer)}
	assert filed_at(mails[1]) == set()
	assert filed_at(mails[2]) == {("Contact", contact), ("Customer", customer)}


def test_blocklisted_and_confidential_mail_is_not_filed_by_number(
	dovecot, mail_user, make_archive_account, erp, crm, committed_cleanup
):
	customer = crm.customer("Gesperrt")
	sender = crm.address("info", domain="gesperrt-{tag}.example")
	crm.contact([sender], links=[("Customer", customer)])
	quotation = erp.document("Quotation", quotation_to="Customer", party_name=customer)
	blocked = frappe.get_doc(
		{"doctype": "Archive Blocklist", "entry_type": "Domain", "value": sender.split("@")[1]}
	).insert(ignore_permissions=True)
	committed_cleanup("Archive Blocklist", blocked.name)
	frappe.db.commit()
	(mail,) = sync_mails(
		dovecot, mail_user, make_archive_account, a_mail(f"Angebot {quotation}", sender=sender)
	)
	assert filed_at(mail) == set()


def test_a_confidential_account_files_nothing_by_number(
	dovecot, mail_user, make_archive_account, erp, customer_contact
):
	customer, _contact, sender = customer_contact
	quotation = erp.document("Quotation", quotation_to="Customer", party_name=customer)
	frappe.db.commit()
	(mail,) = sync_mails(
		dovecot,
		mail_user,
		make_archive_account,
		a_mail(f"Angebot {quotation}", sender=sender),
		confidential=1,
	)
	assert filed_at(mail) == set()


def test_a_new_quotation_files_the_past_mail_that_named_it(
	dovecot, mail_user, make_archive_account, erp, customer_contact
):
	customer, contact, sender = customer_contact
	number = f"SAL-QTN-{frappe.utils.nowdate()[:4]}-9{random.randrange(10000):04d}"
	named, quoted_only = sync_mails(
		dovecot,
		mail_user,
		make_archive_account,
		a_mail(f"Wir warten auf {number}", sender=sender),
		a_mail(
			"Re: Anfrage",
			sender=sender,
			text=f"Danke.\n\nAm Montag schrieb Vertrieb <{mail_user}>:\n> Angebot {number} folgt\n",
		),
	)
	assert ("Quotation", number) not in filed_at(named)  # not made yet

	doc = frappe.get_doc({"doctype": "Quotation", "quotation_to": "Customer", "party_name": customer})
	doc.flags.ignore_validate = doc.flags.ignore_mandatory = doc.flags.ignore_links = True
	doc.insert(ignore_permissions=True, set_name=number)
	erp.register("Quotation", doc.name)
	assert jobs_done(lambda: ("Quotation", number) in filed_at(named))
	assert reason(named, "Quotation", number) == ("Document Number", number)
	assert filed_at(quoted_only) == {("Contact", contact), ("Customer", customer)}


def test_the_documents_contact_address_makes_it_the_mails_own_without_a_contact_record(
	dovecot, mail_user, make_archive_account, erp, crm
):
	customer = crm.customer("Ohne Kontakt")
	sender = crm.address("besteller")  # no Contact has this address: the Quotation names it
	quotation = erp.document("Quotation", quotation_to="Customer", party_name=customer, contact_email=sender)
	frappe.db.commit()
	(mail,) = sync_mails(
		dovecot, mail_user, make_archive_account, a_mail(f"Angebot {quotation}", sender=sender)
	)
	assert filed_at(mail) == {("Quotation", quotation), ("Customer", customer)}
	assert reason(mail, "Customer", customer) == ("Document Number", quotation)


def test_a_new_sales_order_with_the_customers_order_number_files_the_past_mail_of_that_customer(
	dovecot, mail_user, make_archive_account, erp, crm, customer_contact
):
	customer, contact, sender = customer_contact
	other = crm.customer("Fremdkunde")
	other_sender = crm.address("einkauf", domain="fremd-{tag}.example")
	crm.contact([other_sender], links=[("Customer", other)])
	frappe.db.commit()
	order_number = f"PO-{erp.crm.tag}-0815"
	text = f"Wann kommt unsere Bestellung {order_number}?\n"
	chasing, others = sync_mails(
		dovecot,
		mail_user,
		make_archive_account,
		a_mail("Liefertermin?", sender=sender, text=text),
		a_mail("Liefertermin?", sender=other_sender, text=text),  # another customer, the same number
	)
	assert filed_at(chasing) == {("Contact", contact), ("Customer", customer)}

	order = erp.document("Sales Order", customer=customer, po_no=order_number)
	assert jobs_done(lambda: ("Sales Order", order) in filed_at(chasing))
	assert reason(chasing, "Sales Order", order) == ("Document Number", order_number)
	assert ("Sales Order", order) not in filed_at(others)


def test_a_purchase_invoice_given_the_suppliers_number_later_files_the_past_mail_of_that_supplier(
	dovecot, mail_user, make_archive_account, erp, crm
):
	supplier, other = erp.supplier("Lieferant"), erp.supplier("Fremdlieferant")
	sender = crm.address("buchhaltung", domain="lieferant-{tag}.example")
	other_sender = crm.address("buchhaltung", domain="fremdlieferant-{tag}.example")
	crm.contact([sender], links=[("Supplier", supplier)])
	crm.contact([other_sender], links=[("Supplier", other)])
	frappe.db.commit()
	bill_no = f"RE-2026-{erp.crm.tag}7"
	text = f"Unsere Rechnung {bill_no} ist noch offen.\n"
	reminder, others = sync_mails(
		dovecot,
		mail_user,
		make_archive_account,
		a_mail("Zahlungserinnerung", sender=sender, text=text),
		a_mail("Zahlungserinnerung", sender=other_sender, text=text),
	)
	invoice = erp.document("Purchase Invoice", supplier=supplier)  # entered without the number
	assert jobs_done(lambda: True)
	assert ("Purchase Invoice", invoice) not in filed_at(reminder)

	doc = frappe.get_doc("Purchase Invoice", invoice)
	doc.bill_no = bill_no
	doc.flags.ignore_validate = doc.flags.ignore_mandatory = doc.flags.ignore_links = True
	doc.save(ignore_permissions=True)
	assert jobs_done(lambda: ("Purchase Invoice", invoice) in filed_at(reminder))
	assert reason(reminder, "Purchase Invoice", invoice) == ("Document Number", bill_no)
	assert ("Purchase Invoice", invoice) not in filed_at(others)
