"""Stock's Reply All from a Customer's timeline, on a mail stored as its true text: the composer
addresses the right people, and the hostile subject and names stay text."""

import uuid
from urllib.parse import quote

import frappe
import pytest
from frappe.utils import parse_addr, split_emails

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import make_user

HOSTILE_SUBJECT = "<img src=x onerror=window.__hit=1> Angebot & Preise 1 < 2"


def a_named_mail(sender: str, mailbox: str, colleague: str, tag: str) -> bytes:
	return (
		f'From: "Bernd <b>Muster</b>" <{sender}>\r\n'
		f'To: "Vertrieb, Muster Handels" <{mailbox}>\r\n'
		f'Cc: "Muster, Anna" <{colleague}>, "<svg onload=window.__hit=2>" <third-{tag}@kunde.example>\r\n'
		f"Subject: {HOSTILE_SUBJECT}\r\n"
		f"Message-ID: <true-text-{tag}@kunde.example>\r\n"
		"Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"Guten Tag, anbei das Angebot.\r\n"
	).encode()


@pytest.fixture
def named_mail(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	tag = uuid.uuid4().hex[:8]
	customer = crm.customer("Klartext Kunde")
	sender = crm.address("bernd")
	colleague = crm.address("anna")
	crm.contact([sender], links=[("Customer", customer)])
	password = f"Pw-{uuid.uuid4().hex}"
	holder = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", holder, "language", "de")
	committed_cleanup("User", holder)
	frappe.db.commit()
	account = make_archive_account(mail_user, account_owner=holder)
	dovecot.append(mail_user, a_named_mail(sender, mail_user, colleague, tag))
	sync_account(account.name)
	communication = frappe.db.get_value("Communication", {"message_id": f"true-text-{tag}@kunde.example"})
	assert communication
	frappe.db.commit()
	return {
		"holder": (holder, password),
		"customer": customer,
		"communication": communication,
		"sender": sender,
		"mailbox": mail_user,
		"colleague": colleague,
		"third": f"third-{tag}@kunde.example",
	}


def test_stock_reply_all_from_the_customer_timeline_addresses_the_right_people(
	browser, web_server, socketio, named_mail
):
	from tests.support import logged_in_page

	page = logged_in_page(browser, web_server, named_mail["holder"], locale="de-DE")
	page.add_init_script("window.__hit = 0;")
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	try:
		page.goto(f"{web_server}/app/customer/{quote(named_mail['customer'])}")
		box = page.locator(".timeline-message-box", has_text="Angebot").first
		box.wait_for(timeout=60_000)
		# the subject and the sender's name are shown as text
		assert "<img src=x onerror=window.__hit=1> Angebot" in box.inner_text()
		box.locator(".reply-all").first.click(force=True)
		page.wait_for_function(
			"() => window.cur_dialog && cur_dialog.fields_dict.cc && cur_dialog.display", timeout=30_000
		)
		values = page.evaluate(
			"() => ({recipients: cur_dialog.get_value('recipients'), cc: cur_dialog.get_value('cc')})"
		)
		assert page.evaluate("() => window.__hit") == 0
	finally:
		page.context.close()
	assert parse_addr(values["recipients"].strip(", "))[1] == named_mail["sender"]
	cc = split_emails(values["cc"])
	assert named_mail["colleague"] in cc and named_mail["third"] in cc
	assert "&lt;" not in values["cc"] + values["recipients"]
	assert dialogs == []
