"""E-invoices in the desk, in Chromium, in German. A Purchase User (who also books invoices:
Accounts User) holding the mailbox opens a supplier's mail with a ZUGFeRD PDF and a hostile XML:
the "E-Rechnung" panel shows the invoice's values as text (a seller name full of markup stays
text), the rejected file with its note; "Eingangsrechnung erstellen" opens the review, and the
draft Purchase Invoice it saves is opened, the mail filed there. A Sales User who may read the
mail sees the panel, but no create button, and the server refuses her the draft."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.data.einvoices import InvoiceData, xxe_xml, zugferd_pdf
from tests.support import ARTIFACTS, a_mail, jobs_done, logged_in_page, make_user
from tests.support.purchasing import purchasing_records, restore

pytestmark = pytest.mark.slow

HOSTILE = "<img src=x data-pwn=1 onerror=__pwn('einvoice')>"
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"
INJECTION_PROBE = "() => ({ ran: window.__pwned, elements: document.querySelectorAll('[data-pwn]').length })"


def german_user(committed_cleanup, first_name: str, *roles: str) -> tuple[str, str]:
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user(*roles, password=password, first_name=first_name)
	frappe.db.set_value("User", email, "language", "de")
	committed_cleanup("User", email)
	return email, password


def german_catalog() -> None:
	from frappe.gettext.translate import compile_translations
	from frappe.translate import clear_cache, get_all_translations

	compile_translations("crm_mail_archive", "de", force=True)
	clear_cache()
	assert get_all_translations("de")["Create Purchase Invoice"] == "Eingangsrechnung erstellen"


def db_value(doctype: str, filters, field: str):
	frappe.db.rollback()  # a fresh snapshot: the browser's request committed
	return frappe.db.get_value(doctype, filters, field)


@pytest.fixture
def supplier_mail(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	records = purchasing_records(crm.tag, committed_cleanup)
	buyer = german_user(committed_cleanup, "Paula", "Purchase User", "Accounts User")
	seller = german_user(committed_cleanup, "Sabine", "Sales User")
	data = InvoiceData(
		number=f"ZF-{crm.tag}",
		seller=f"Schrauben {HOSTILE} GmbH",
		seller_vat=records["vat"],
		order_reference=records["order"],
	)
	subject = f"Ihre Rechnung {crm.tag}"
	dovecot.append(
		mail_user,
		a_mail(
			subject,
			sender=crm.address("rechnung"),
			attachments=[("rechnung.pdf", zugferd_pdf(data)), ("boese.xml", xxe_xml())],
		),
	)
	account = make_archive_account(mail_user, account_owner=buyer[0])
	sync_account(account.name)
	communication = frappe.db.get_value("Communication", {"subject": subject})
	assert communication
	assert jobs_done(
		lambda: frappe.db.count(
			"Mail Attachment", {"communication": communication, "einvoice_status": ("is", "set")}
		)
		== 2
	)
	frappe.share.add("Communication", communication, seller[0], read=1)
	frappe.db.commit()
	for user in (buyer, seller):
		frappe.clear_cache(user=user[0])
	german_catalog()
	yield {"records": records, "buyer": buyer, "seller": seller, "communication": communication, "data": data}
	restore(records)


def open_reader(page, web_server, communication):
	page.goto(f"{web_server}/app/communication/{quote(communication)}")
	page.locator(".mail-archive-einvoice[data-status='read']").wait_for(timeout=60_000)
	return page.locator(".mail-archive-einvoices")


def test_a_purchase_user_reads_the_e_invoice_and_creates_the_draft(browser, web_server, supplier_mail):
	ARTIFACTS.mkdir(exist_ok=True)
	communication, data = supplier_mail["communication"], supplier_mail["data"]
	records = supplier_mail["records"]
	page = logged_in_page(browser, web_server, supplier_mail["buyer"], locale="de-DE")
	page.add_init_script(INIT_SCRIPT)
	try:
		panel = open_reader(page, web_server, communication)
		text = panel.inner_text()
		assert "E-Rechnung" in text and "ZUGFeRD / Factur-X" in text
		assert f"Rechnungsnummer\t{data.number}" in text or f"Rechnungsnummer {data.number}" in text
		assert f"Schrauben {HOSTILE} GmbH" in text  # the seller's markup, as text
		assert f"USt-IdNr. {records['vat']}" in text
		assert "70.80 EUR" in text and "2026-12-30" in text and records["order"] in text
		assert "Sechskantschrauben M8" in text
		rejected = page.locator(".mail-archive-einvoice[data-status='rejected']")
		assert "Diese Datei wurde nicht als E-Rechnung gelesen" in rejected.inner_text()
		assert "DOCTYPE" in rejected.inner_text()
		assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
		page.screenshot(path=str(ARTIFACTS / "einvoice-panel-de.png"))

		page.locator(".mail-archive-create-purchase-invoice", has_text="Eingangsrechnung erstellen").click()
		dialog = page.locator(".modal.show", has_text="Neue Eingangsrechnung aus dieser E-Rechnung")
		dialog.wait_for(timeout=30_000)
		assert dialog.locator("input[data-fieldname='bill_no']").input_value() == data.number
		assert dialog.locator("input[data-fieldname='supplier']").input_value() == records["supplier"]
		assert "Sechskantschrauben M8" in dialog.inner_text()
		taxes = dialog.locator("table.mail-archive-einvoice-taxes")
		assert "Vorsteuer 19 %" in taxes.inner_text() and "59.50" in taxes.inner_text()
		assert "11.30" in taxes.inner_text()
		dialog.locator(".btn-primary", has_text="Entwurf erstellen").click()
		page.wait_for_url("**/app/purchase-invoice/**", timeout=60_000)
		created = db_value("Purchase Invoice", {"bill_no": data.number}, "name")
		assert created and page.url.endswith(quote(created))
		assert db_value("Purchase Invoice", created, "docstatus") == 0
		assert db_value("Purchase Invoice", created, "supplier") == records["supplier"]
		assert db_value("Purchase Invoice", created, "net_total") == 59.5
		assert db_value("Purchase Invoice", created, "grand_total") == 70.8
		assert db_value("Purchase Taxes and Charges", {"parent": created}, "description") == "Vorsteuer 19 %"
		assert (
			db_value(
				"Timeline Link",
				{"communication": communication, "link_doctype": "Purchase Invoice", "link_name": created},
				"source",
			)
			== "Created From"
		)
		page.screenshot(path=str(ARTIFACTS / "einvoice-draft-de.png"))
	finally:
		page.context.close()
		frappe.db.rollback()
		for name in frappe.get_all("Purchase Invoice", {"bill_no": data.number}, pluck="name"):
			frappe.delete_doc("Purchase Invoice", name, force=True, ignore_permissions=True)
		frappe.db.commit()


def test_a_sales_user_sees_the_panel_but_may_not_create_the_draft(browser, web_server, supplier_mail):
	communication, data = supplier_mail["communication"], supplier_mail["data"]
	page = logged_in_page(browser, web_server, supplier_mail["seller"], locale="de-DE")
	page.add_init_script(INIT_SCRIPT)
	try:
		panel = open_reader(page, web_server, communication)
		assert data.number in panel.inner_text()
		assert page.locator(".mail-archive-create-purchase-invoice").count() == 0
		assert "Eingangsrechnung erstellen" not in panel.inner_text()
		attachment = frappe.db.get_value(
			"Mail Attachment", {"communication": communication, "einvoice_status": "Read"}, "name"
		)
		status = page.evaluate(
			"""([communication, attachment]) => fetch("/api/method/crm_mail_archive.api.einvoice.create_purchase_invoice", {
				method: "POST",
				headers: { "Content-Type": "application/json", "X-Frappe-CSRF-Token": frappe.csrf_token },
				body: JSON.stringify({ communication, attachment }),
			}).then((response) => response.status)""",
			[communication, attachment],
		)
		assert status == 403
		assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
		assert not db_value("Purchase Invoice", {"bill_no": data.number}, "name")
	finally:
		page.context.close()
