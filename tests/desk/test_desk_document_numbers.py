"""A mail filed by document number shows why in the reader, in German, to a Sales User who reads
the Customer: the Quotation, the source "Belegnummer" and the number as found — the mail's hostile
subject around it shown as text."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, communication_with, logged_in_page, make_user, message_id_of
from tests.support.erp import ErpBuilder

pytestmark = pytest.mark.slow

HOSTILE = "<img src=x data-pwn=1 onerror=__pwn('docnum')>"
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"


def test_a_german_sales_user_sees_the_document_number_a_mail_was_filed_by(
	browser, web_server, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	customer = crm.customer("Belegkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	quotation = ErpBuilder(crm, committed_cleanup).document(
		"Quotation", quotation_to="Customer", party_name=customer
	)
	password = f"Pw-{uuid.uuid4().hex}"
	reader = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", reader, "language", "de")
	committed_cleanup("User", reader)
	frappe.db.commit()
	raw = a_mail(f"{HOSTILE} AW: Angebot {quotation}", sender=sender, sender_name=HOSTILE)
	dovecot.append(mail_user, raw)
	sync_account(make_archive_account(mail_user).name)
	communication = communication_with(message_id_of(raw))

	page = logged_in_page(browser, web_server, (reader, password), locale="de-DE")
	page.add_init_script(INIT_SCRIPT)
	try:
		page.goto(f"{web_server}/app/communication/{quote(communication)}")
		page.locator(".mail-archive-mail").wait_for(timeout=60_000)
		row = page.locator(".mail-archive-mail tr", has_text=quotation).first
		row.wait_for(timeout=30_000)
		cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
		assert cells[0] == f"Angebot: {quotation}"
		assert cells[1] == "Belegnummer"
		assert cells[2] == quotation  # the reason: the number as the mail wrote it
		assert HOSTILE in page.locator(".mail-archive-mail").inner_text()  # shown as text
		assert page.evaluate("() => window.__pwned") == []
		assert page.locator("[data-pwn]").count() == 0
		page.screenshot(path=str(ARTIFACTS / "reader-document-number-de.png"))
	finally:
		page.context.close()
