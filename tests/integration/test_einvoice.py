"""E-invoices arriving by mail: an XRechnung in UBL and in CII and a ZUGFeRD PDF, made by the tests
with the libraries and delivered through Dovecot, are read in the background and file their mail at
the Supplier (by VAT ID, else by the sender's address), at its Purchase Invoice with that bill no
and at the Purchase Order they reference (source "E-Invoice", the matched text as the reason) —
never at another supplier's order. A draft Purchase Invoice is made from one after review, with
the mail filed there; hostile XML is rejected with a note. The endpoints obey the read rule and
the right to create Purchase Invoices."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import uuid
from decimal import Decimal

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.api import einvoice as api
from crm_mail_archive.filing.einvoice_backlog import unread_mails
from crm_mail_archive.filing.links import unlink
from crm_mail_archive.patches import einvoice_number_of_read_attachments, einvoices_of_archived_mail
from tests.data.einvoices import (
	MIXED_LINES,
	InvoiceData,
	billion_laughs_xml,
	cii_xml,
	ubl_xml,
	xxe_xml,
	zugferd_pdf,
)
from tests.support import a_mail, filed_at, jobs_done, make_user
from tests.support.bench import bench_command, bench_path
from tests.support.purchasing import purchasing_records, restore

FORMATS = {
	"UBL": ("rechnung.xml", ubl_xml),
	"CII": ("xrechnung.xml", cii_xml),
	"ZUGFeRD": ("rechnung.pdf", zugferd_pdf),
}


@pytest.fixture
def purchasing(crm, committed_cleanup):
	"""A supplier with a VAT ID, its Purchase Order and a draft Purchase Invoice with a bill no, an
	expense item for e-invoices, and another supplier's order (committed)."""
	records = purchasing_records(crm.tag, committed_cleanup)
	frappe.db.commit()
	yield records
	restore(records)


def deliver(dovecot, mail_user, make_archive_account, files, sender, **account_values):
	"""The mail with `files` delivered through Dovecot, synced, its e-invoices read (the job)."""
	subject = f"Rechnung {uuid.uuid4().hex[:6]}"
	dovecot.append(mail_user, a_mail(subject, sender=sender, attachments=files))
	account = make_archive_account(mail_user, **account_values)
	sync_account(account.name)
	communication = frappe.db.get_value("Communication", {"subject": subject})
	assert communication
	assert jobs_done(
		lambda: frappe.db.exists(
			"Mail Attachment", {"communication": communication, "einvoice_status": ("is", "set")}
		)
	)
	return account, communication


def e_invoice_filings(communication):
	return {
		(row.link_doctype, row.link_name): row.matched_text
		for row in frappe.get_all(
			"Timeline Link",
			{"communication": communication, "source": "E-Invoice"},
			["link_doctype", "link_name", "matched_text"],
		)
	}


@pytest.mark.parametrize("format", list(FORMATS))
def test_an_e_invoice_files_its_mail_at_supplier_purchase_invoice_and_order(
	format, purchasing, dovecot, mail_user, make_archive_account, crm
):
	filename, make = FORMATS[format]
	data = InvoiceData(
		number=purchasing["bill_no"], seller_vat=purchasing["vat"], order_reference=purchasing["order"]
	)
	_account, communication = deliver(
		dovecot, mail_user, make_archive_account, [(filename, make(data))], crm.address("rechnung")
	)

	assert e_invoice_filings(communication) == {
		("Supplier", purchasing["supplier"]): purchasing["vat"],
		("Purchase Invoice", purchasing["invoice"]): purchasing["bill_no"],
		("Purchase Order", purchasing["order"]): purchasing["order"],
	}
	assert {("Supplier", purchasing["supplier"]), ("Purchase Order", purchasing["order"])} <= filed_at(
		communication
	)
	(stored,) = frappe.get_all(
		"Mail Attachment", {"communication": communication}, ["einvoice_status", "einvoice_json"]
	)
	assert stored.einvoice_status == "Read"
	assert json.loads(stored.einvoice_json)["gross_total"] == "70.80"


def test_another_suppliers_order_is_not_a_match_and_an_unknown_tax_id_files_by_address(
	purchasing, dovecot, mail_user, make_archive_account, crm
):
	sender = crm.address("buchhaltung")
	crm.contact([sender], links=[("Supplier", purchasing["supplier"])])
	frappe.db.commit()
	data = InvoiceData(
		number=purchasing["bill_no"], seller_vat="DE000000000", order_reference=purchasing["other_order"]
	)
	_account, communication = deliver(
		dovecot, mail_user, make_archive_account, [("rechnung.xml", ubl_xml(data))], sender
	)

	filings = e_invoice_filings(communication)
	assert filings == {("Purchase Invoice", purchasing["invoice"]): purchasing["bill_no"]}
	assert ("Supplier", purchasing["supplier"]) in filed_at(communication)  # by the sender's address
	assert ("Purchase Order", purchasing["other_order"]) not in filed_at(communication)


def test_a_blocklist_entry_for_the_sender_takes_the_e_invoice_filings_back(
	purchasing, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	sender = crm.address("rechnung")
	data = InvoiceData(number=purchasing["bill_no"], seller_vat=purchasing["vat"])
	_account, communication = deliver(
		dovecot, mail_user, make_archive_account, [("rechnung.xml", cii_xml(data))], sender
	)
	assert ("Supplier", purchasing["supplier"]) in e_invoice_filings(communication)
	entry = frappe.get_doc({"doctype": "Archive Blocklist", "entry_type": "Address", "value": sender}).insert(
		ignore_permissions=True
	)
	committed_cleanup("Archive Blocklist", entry.name)
	assert jobs_done(lambda: frappe.db.rollback() or e_invoice_filings(communication) == {})


def test_hostile_xml_is_rejected_with_a_note_and_files_nothing(
	purchasing, dovecot, mail_user, make_archive_account, crm
):
	_account, communication = deliver(
		dovecot,
		mail_user,
		make_archive_account,
		[("xxe.xml", xxe_xml()), ("lol.xml", billion_laughs_xml())],
		crm.address("angreifer"),
	)
	rows = frappe.get_all(
		"Mail Attachment", {"communication": communication}, ["einvoice_status", "einvoice_json"]
	)
	assert {row.einvoice_status for row in rows} == {"Rejected"}
	assert all("DOCTYPE" in json.loads(row.einvoice_json)["note"] for row in rows)
	assert e_invoice_filings(communication) == {}
	shown = api.get_einvoice(communication)
	assert [entry["status"] for entry in shown] == ["Rejected", "Rejected"]
	assert "root:" not in json.dumps(shown)


def test_a_confidential_account_files_no_e_invoice(purchasing, dovecot, mail_user, make_archive_account, crm):
	data = InvoiceData(number=purchasing["bill_no"], seller_vat=purchasing["vat"])
	_account, communication = deliver(
		dovecot,
		mail_user,
		make_archive_account,
		[("rechnung.xml", ubl_xml(data))],
		crm.address("vertraulich"),
		confidential=1,
	)
	assert e_invoice_filings(communication) == {}


@pytest.fixture
def holder_with_einvoice(purchasing, dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	"""A Purchase User (who may also create Purchase Invoices: Accounts User) holding the mailbox
	a new supplier invoice (another bill no) arrived in."""
	holder = make_user("Purchase User", "Accounts User")
	committed_cleanup("User", holder)
	frappe.db.commit()
	data = InvoiceData(
		number=f"NEU-{crm.tag}", seller_vat=purchasing["vat"], order_reference=purchasing["order"]
	)
	_account, communication = deliver(
		dovecot,
		mail_user,
		make_archive_account,
		[("rechnung.pdf", zugferd_pdf(data))],
		crm.address("rechnung"),
		account_owner=holder,
	)
	(attachment,) = frappe.get_all("Mail Attachment", {"communication": communication}, pluck="name")
	return holder, communication, attachment, data


def test_a_draft_purchase_invoice_is_created_from_the_e_invoice_and_the_mail_filed_there(
	holder_with_einvoice, purchasing, committed_cleanup
):
	holder, communication, attachment, data = holder_with_einvoice
	frappe.set_user(holder)
	(shown,) = api.get_einvoice(communication)
	assert (shown["invoice_number"], shown["supplier"], shown["gross_total"]) == (
		data.number,
		purchasing["supplier"],
		"70.80",
	)
	proposed = api.prefill_purchase_invoice(communication, attachment)
	assert (proposed["supplier"], proposed["bill_no"], proposed["due_date"]) == (
		purchasing["supplier"],
		data.number,
		"2026-12-30",
	)
	created = api.create_purchase_invoice(communication, attachment, {"posting_date": "2026-12-01"})
	committed_cleanup("Purchase Invoice", created["name"])
	frappe.set_user("Administrator")
	invoice = frappe.get_doc("Purchase Invoice", created["name"])
	assert invoice.docstatus == 0 and invoice.owner == holder
	assert (invoice.supplier, invoice.bill_no, str(invoice.bill_date), str(invoice.due_date)) == (
		purchasing["supplier"],
		data.number,
		"2026-11-30",
		"2026-12-30",
	)
	assert str(invoice.posting_date) == "2026-12-01" and invoice.currency == "EUR"
	assert [(row.item_code, row.description, row.qty, row.rate) for row in invoice.items] == [
		(purchasing["item"], "Sechskantschrauben M8", 100, 0.5),
		(purchasing["item"], "Versand", 1, 9.5),
	]
	assert invoice.net_total == 59.5 and created["totals_problem"] == ""
	assert (
		frappe.db.get_value(
			"Timeline Link",
			{"communication": communication, "link_doctype": "Purchase Invoice", "link_name": invoice.name},
			"source",
		)
		== "Created From"
	)
	frappe.set_user(holder)
	with pytest.raises(frappe.DuplicateEntryError):  # the same supplier invoice twice: refused
		api.create_purchase_invoice(communication, attachment, {})


def delivered_invoice(purchasing, dovecot, mail_user, make_archive_account, crm, filename, xml):
	_account, communication = deliver(
		dovecot, mail_user, make_archive_account, [(filename, xml)], crm.address("rechnung")
	)
	(attachment,) = frappe.get_all("Mail Attachment", {"communication": communication}, pluck="name")
	return communication, attachment


@pytest.mark.parametrize("mixed", [False, True], ids=["19", "19+7"])
@pytest.mark.parametrize("format", ["UBL", "CII"])
def test_the_draft_has_a_tax_row_per_rate_and_the_invoices_grand_total(
	format, mixed, purchasing, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	filename, make = FORMATS[format]
	data = InvoiceData(
		number=f"UST-{crm.tag}", seller_vat=purchasing["vat"], **({"lines": MIXED_LINES} if mixed else {})
	)
	communication, attachment = delivered_invoice(
		purchasing, dovecot, mail_user, make_archive_account, crm, filename, make(data)
	)
	abbr = frappe.db.get_value("Company", purchasing["company"], "abbr")
	rates = ["19", "7"] if mixed else ["19"]
	described = [frappe._("Input tax {0} %").format(rate) for rate in rates]

	proposed = api.prefill_purchase_invoice(communication, attachment)
	assert [(row["description"], row["rate"], row["tax_amount"]) for row in proposed["taxes"]] == [
		(text, rate, f"{tax:.2f}")
		for text, rate, (_basis, tax) in zip(described, rates, data.breakdown.values(), strict=False)
	]
	created = api.create_purchase_invoice(communication, attachment, {"posting_date": "2026-12-01"})
	committed_cleanup("Purchase Invoice", created["name"])
	invoice = frappe.get_doc("Purchase Invoice", created["name"])
	assert [(row.charge_type, row.account_head, row.rate, row.description) for row in invoice.taxes] == [
		("On Net Total", f"Abziehbare Vorsteuer {rate} % - {abbr}", float(rate), text)
		for rate, text in zip(rates, described, strict=False)
	]
	assert [Decimal(str(row.tax_amount)) for row in invoice.taxes] == [
		tax for _basis, tax in data.breakdown.values()
	]
	if mixed:  # each line taxed at its own rate only (the company's Item Tax Templates)
		assert [row.item_tax_template for row in invoice.items] == [f"19 % - {abbr}", f"7 % - {abbr}"]
	assert Decimal(str(invoice.net_total)) == data.net and Decimal(str(invoice.grand_total)) == data.gross
	assert created["totals_problem"] == ""


def test_a_rate_without_an_input_tax_account_asks_for_the_setting(
	purchasing, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	data = InvoiceData(number=f"UST-{crm.tag}", seller_vat=purchasing["vat"], rate=Decimal("10"))
	communication, attachment = delivered_invoice(
		purchasing, dovecot, mail_user, make_archive_account, crm, "rechnung.xml", ubl_xml(data)
	)
	previous = frappe.db.get_single_value("Mail Archive Settings", "einvoice_tax_account")
	frappe.db.set_single_value("Mail Archive Settings", "einvoice_tax_account", None)
	try:
		with pytest.raises(frappe.ValidationError, match="Mail Archive Settings"):
			api.create_purchase_invoice(communication, attachment, {})
		assert not frappe.db.exists("Purchase Invoice", {"bill_no": data.number})
		abbr = frappe.db.get_value("Company", purchasing["company"], "abbr")
		account = f"Abziehbare Vorsteuer - {abbr}"
		if not frappe.db.exists("Account", account):  # any asset tax account of the company serves
			account = frappe.get_all(
				"Account",
				{
					"company": purchasing["company"],
					"account_type": "Tax",
					"is_group": 0,
					"root_type": "Asset",
				},
				pluck="name",
				limit=1,
			)[0]
		frappe.db.set_single_value("Mail Archive Settings", "einvoice_tax_account", account)
		created = api.create_purchase_invoice(communication, attachment, {})
		committed_cleanup("Purchase Invoice", created["name"])
		invoice = frappe.get_doc("Purchase Invoice", created["name"])
		assert [(row.account_head, row.rate) for row in invoice.taxes] == [(account, 10.0)]
		assert Decimal(str(invoice.grand_total)) == data.gross and created["totals_problem"] == ""
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "einvoice_tax_account", previous)
		frappe.db.commit()


def cli(*args: str) -> subprocess.CompletedProcess:
	return subprocess.run(
		bench_command("--site", frappe.local.site, "mail-archive", *args),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=300,
	)


def as_if_never_read(communication):
	"""The mail as one archived before e-invoices were read: no reading, no e-invoice filing."""
	for row in frappe.get_all(
		"Timeline Link",
		{"communication": communication, "source": "E-Invoice"},
		["link_doctype", "link_name"],
	):
		unlink(communication, row.link_doctype, row.link_name)
	frappe.db.set_value(
		"Mail Attachment",
		{"communication": communication},
		{"einvoice_status": None, "einvoice_json": None, "einvoice_number": None},
		update_modified=False,
	)
	frappe.db.commit()
	assert e_invoice_filings(communication) == {}


def test_e_invoices_of_mail_archived_before_are_read_by_the_patch_and_the_cli(
	purchasing, dovecot, mail_user, make_archive_account, crm
):
	data = InvoiceData(number=purchasing["bill_no"], seller_vat=purchasing["vat"])
	account, communication = deliver(
		dovecot, mail_user, make_archive_account, [("rechnung.xml", ubl_xml(data))], crm.address("rechnung")
	)
	filed = e_invoice_filings(communication)
	assert {
		("Supplier", purchasing["supplier"]): purchasing["vat"],
		("Purchase Invoice", purchasing["invoice"]): purchasing["bill_no"],
	}.items() <= filed.items()

	as_if_never_read(communication)
	assert list(unread_mails(account.name)) == [communication]
	einvoices_of_archived_mail.execute()  # the patch: jobs on the bulk queue
	assert jobs_done(lambda: e_invoice_filings(communication) == filed)
	assert (
		frappe.db.get_value("Mail Attachment", {"communication": communication}, "einvoice_status") == "Read"
	)
	assert list(unread_mails(account.name)) == []

	as_if_never_read(communication)
	printed = cli("read-einvoices", "--account", account.name)
	assert printed.returncode == 0, printed.stderr
	assert "1 mails with attachments not read as e-invoices yet: 1 jobs queued" in printed.stdout
	assert jobs_done(lambda: e_invoice_filings(communication) == filed)
	assert cli("read-einvoices", "--account", "no-such-account").returncode != 0

	# read before the VAT breakdown was kept: read again (the draft's tax rows need it)
	stored = json.loads(
		frappe.db.get_value("Mail Attachment", {"communication": communication}, "einvoice_json")
	)
	del stored["taxes"]
	frappe.db.set_value(
		"Mail Attachment", {"communication": communication}, "einvoice_json", json.dumps(stored)
	)
	frappe.db.commit()
	assert list(unread_mails(account.name)) == [communication]
	einvoices_of_archived_mail.execute()
	assert jobs_done(
		lambda: '"taxes":'
		in frappe.db.get_value("Mail Attachment", {"communication": communication}, "einvoice_json")
	)
	assert list(unread_mails(account.name)) == [] and e_invoice_filings(communication) == filed


def purchase_invoice(purchasing, supplier, bill_no, register):
	doc = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"supplier": supplier,
			"company": purchasing["company"],
			"bill_no": bill_no,
			"items": [{"item_code": purchasing["item"], "qty": 1, "rate": 59.5}],
		}
	).insert(ignore_permissions=True)
	register("Purchase Invoice", doc.name)
	return doc


def test_a_purchase_invoice_made_later_files_the_past_e_invoice_mail_of_its_supplier_only(
	purchasing, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	number = f"SPAET-{crm.tag}"
	data = InvoiceData(number=number, seller_vat=purchasing["vat"], order_reference="")
	_account, communication = deliver(
		dovecot, mail_user, make_archive_account, [("rechnung.xml", cii_xml(data))], crm.address("rechnung")
	)
	assert (
		frappe.db.get_value("Mail Attachment", {"communication": communication}, "einvoice_number") == number
	)
	assert e_invoice_filings(communication) == {("Supplier", purchasing["supplier"]): purchasing["vat"]}

	# another supplier's invoice with the same number: not this mail's
	foreign = purchase_invoice(purchasing, purchasing["other_supplier"], number, committed_cleanup)
	assert jobs_done(lambda: True)
	assert ("Purchase Invoice", foreign.name) not in e_invoice_filings(communication)

	# the supplier's own, entered without the number first, then given it
	own = purchase_invoice(purchasing, purchasing["supplier"], f"VORLAEUFIG-{crm.tag}", committed_cleanup)
	assert jobs_done(lambda: True)
	assert ("Purchase Invoice", own.name) not in e_invoice_filings(communication)
	own.reload()
	own.bill_no = number
	own.save(ignore_permissions=True)
	assert jobs_done(lambda: ("Purchase Invoice", own.name) in e_invoice_filings(communication))
	assert e_invoice_filings(communication)[("Purchase Invoice", own.name)] == number
	assert ("Purchase Invoice", foreign.name) not in filed_at(communication)


def test_a_private_mail_is_not_filed_at_a_purchase_invoice_made_later(
	purchasing, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	number = f"PRIVAT-{crm.tag}"
	data = InvoiceData(number=number, seller_vat=purchasing["vat"], order_reference="")
	_account, communication = deliver(
		dovecot, mail_user, make_archive_account, [("rechnung.xml", ubl_xml(data))], crm.address("rechnung")
	)
	frappe.db.set_value("Communication", communication, "mail_archive_private", 1)
	invoice = purchase_invoice(purchasing, purchasing["supplier"], number, committed_cleanup)
	assert jobs_done(lambda: True)
	assert ("Purchase Invoice", invoice.name) not in filed_at(communication)


def test_the_patch_keeps_the_number_of_e_invoices_read_before(
	purchasing, dovecot, mail_user, make_archive_account, crm
):
	data = InvoiceData(number=f"ALT-{crm.tag}", seller_vat=purchasing["vat"])
	_account, communication = deliver(
		dovecot,
		mail_user,
		make_archive_account,
		[("rechnung.pdf", zugferd_pdf(data))],
		crm.address("rechnung"),
	)
	frappe.db.set_value("Mail Attachment", {"communication": communication}, "einvoice_number", None)
	einvoice_number_of_read_attachments.execute()
	assert frappe.db.get_value("Mail Attachment", {"communication": communication}, "einvoice_number") == (
		data.number
	)


def test_the_endpoints_obey_the_read_rule_and_the_right_to_create(holder_with_einvoice):
	holder, communication, attachment, data = holder_with_einvoice
	sales = make_user("Sales User")
	frappe.share.add("Communication", communication, sales, read=1)
	frappe.set_user(sales)  # reads the mail, may not create Purchase Invoices
	assert api.get_einvoice(communication)[0]["invoice_number"] == data.number
	with pytest.raises(frappe.PermissionError):
		api.prefill_purchase_invoice(communication, attachment)
	with pytest.raises(frappe.PermissionError):
		api.create_purchase_invoice(communication, attachment, {})

	# marked private, the mail is its holder's alone: who may create Purchase Invoices and read
	# the Supplier and Purchase Order it is filed at reads neither the mail nor its e-invoice
	frappe.set_user("Administrator")
	frappe.db.set_value("Communication", communication, "mail_archive_private", 1)
	accountant = make_user("Purchase User", "Accounts User")
	frappe.set_user(accountant)
	for call in (
		lambda: api.get_einvoice(communication),
		lambda: api.prefill_purchase_invoice(communication, attachment),
		lambda: api.create_purchase_invoice(communication, attachment, {}),
	):
		with pytest.raises(frappe.PermissionError):
			call()
	frappe.set_user(holder)  # the holder still reads it
	assert api.get_einvoice(communication)[0]["status"] == "Read"
	frappe.set_user("Administrator")
	assert not frappe.db.exists("Purchase Invoice", {"bill_no": data.number})
