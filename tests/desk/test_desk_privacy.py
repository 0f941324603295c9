"""Privacy in the desk, in Chromium, in German: salesperson A (a Sales User holding her mailbox)
sets her account to "Nur Kopfzeilen" and marks one mail private in the reader; her colleague B (a
Sales User who reads the Customer) sees on the Customer's E-Mail-Archiv tab exactly that — the
other mail by its headers (hostile subject and sender name as text), with a notice instead of its
text and no attachments, and the private mail not at all. A then shares the mail again from the
tab's row action."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, eventually, logged_in_page, make_user, menu_item

pytestmark = pytest.mark.slow

HOSTILE = "<img src=x data-pwn=1 onerror=__pwn('privacy')>"
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"
INJECTION_PROBE = "() => ({ ran: window.__pwned, elements: document.querySelectorAll('[data-pwn]').length })"


def german_sales_user(committed_cleanup, first_name: str) -> tuple[str, str]:
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user("Sales User", password=password, first_name=first_name)
	frappe.db.set_value("User", email, "language", "de")
	committed_cleanup("User", email)
	return email, password


@pytest.fixture
def team(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	customer = crm.customer("Datenschutzkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	tag = uuid.uuid4().hex[:8]
	shown_body, private_body = f"NURKOPF-{tag}", f"GEHEIM-{tag}"
	dovecot.append(
		mail_user,
		a_mail(
			f"Angebot {HOSTILE}",
			sender=sender,
			sender_name=f"Anna {HOSTILE}",
			text=f"Preise {shown_body}",
			attachments=[("preisliste.bin", b"Preisliste")],
		),
	)
	dovecot.append(mail_user, a_mail("Persönliche Nachricht", sender=sender, text=f"Privat {private_body}"))
	anna = german_sales_user(committed_cleanup, "Anna")
	bernd = german_sales_user(committed_cleanup, "Bernd")
	# the owner holds the mailbox: saving the account gives her its User Email (compose/senders.py)
	account = make_archive_account(mail_user, account_owner=anna[0])
	assert frappe.db.exists("User Email", {"parent": anna[0], "email_account": account.email_account})
	sync_account(account.name)
	mails = {
		row.subject: row.name
		for row in frappe.get_all(
			"Communication", {"email_account": account.email_account}, ["name", "subject"]
		)
	}
	frappe.db.commit()
	frappe.clear_cache(user=anna[0])
	frappe.clear_cache(user=bernd[0])
	german_catalog()
	return {
		"account": account.name,
		"customer": customer,
		"shown": next(name for subject, name in mails.items() if subject.startswith("Angebot")),
		"private": mails["Persönliche Nachricht"],
		"shown_body": shown_body,
		"private_body": private_body,
		"anna": anna,
		"bernd": bernd,
	}


def german_catalog() -> None:
	"""This checkout's German catalog, compiled and cached for the site (the server merged the one
	it found when it started)."""
	from frappe.gettext.translate import compile_translations
	from frappe.translate import clear_cache, get_all_translations

	compile_translations("crm_mail_archive", "de", force=True)
	clear_cache()
	assert get_all_translations("de")["Set Visibility"] == "Sichtbarkeit festlegen"


def db_value(doctype: str, name: str, field: str):
	frappe.db.rollback()  # a fresh snapshot: the browser's request committed
	return frappe.db.get_value(doctype, name, field)


def test_headers_only_and_a_private_mail_as_a_colleague_sees_them(browser, web_server, team):
	ARTIFACTS.mkdir(exist_ok=True)
	anna = logged_in_page(browser, web_server, team["anna"], locale="de-DE")
	try:
		# A sets "Nur Kopfzeilen" on her account
		anna.goto(f"{web_server}/app/mail-archive-account/{quote(team['account'])}")
		anna.locator("button", has_text="Sichtbarkeit festlegen").first.click(timeout=60_000)
		dialog = anna.locator(".modal.show", has_text="Wer die E-Mails dieses Postfachs liest")
		dialog.wait_for(timeout=30_000)
		dialog.locator("select[data-fieldname='visibility']").select_option("Headers only")
		assert "Nur Kopfzeilen" in dialog.locator("select[data-fieldname='visibility']").inner_text()
		dialog.locator(".btn-primary", has_text="Sichtbarkeit festlegen").click()
		assert eventually(
			lambda: db_value("Mail Archive Account", team["account"], "visibility") == "Headers only"
		)

		# ... and marks one mail private in the reader
		anna.goto(f"{web_server}/app/communication/{quote(team['private'])}")
		anna.locator(".mail-archive-mail").wait_for(timeout=60_000)
		menu_item(anna, "Aktionen", "Als privat markieren").click()
		assert eventually(lambda: db_value("Communication", team["private"], "mail_archive_private") == 1)
		anna.locator(".mail-archive-private-pill").wait_for(timeout=30_000)
		assert anna.locator(".mail-archive-private-pill").inner_text().strip() == "Privat"
		assert team["private_body"] in anna.locator(".mail-archive-mail").inner_text()  # hers to read
		anna.screenshot(path=str(ARTIFACTS / "privacy-reader-private-de.png"))
	finally:
		anna.context.close()

	bernd = logged_in_page(browser, web_server, team["bernd"], locale="de-DE")
	bernd.add_init_script(INIT_SCRIPT)
	try:
		bernd.goto(f"{web_server}/app/customer/{quote(team['customer'])}")
		tab = bernd.locator("button.nav-link[data-fieldname='mail_archive_tab']")
		tab.click(timeout=60_000)
		bernd.locator(".mail-archive-row").first.wait_for(timeout=30_000)
		rows = bernd.locator(".mail-archive-row")
		assert rows.count() == 1  # the private mail is not there at all
		row = rows.first
		assert row.get_attribute("data-name") == team["shown"]
		text = row.inner_text()
		assert f"Angebot {HOSTILE}" in text and HOSTILE in text  # the headers, as text
		assert "Nur Kopfzeilen" in text
		assert "preisliste.bin" not in text and "Als privat markieren" not in text
		# (the count also says how many of them are unread in the mailbox)
		assert bernd.locator(".mail-archive-count").inner_text().split(",")[0] == "1 E-Mail"

		row.click()
		preview = bernd.locator(".mail-archive-preview .mail-archive-mail")
		preview.wait_for(timeout=30_000)
		notice = preview.locator(".mail-archive-headers-only")
		assert notice.inner_text().startswith("Von dieser E-Mail sind nur die Kopfzeilen für Sie freigegeben")
		shown = preview.inner_text()
		assert team["shown_body"] not in shown and "preisliste.bin" not in shown
		assert preview.locator(".mail-archive-body, .mail-archive-attachments").count() == 0
		assert not bernd.locator(".mail-archive-preview .mail-archive-reply").is_visible()
		page_text = bernd.locator("body").inner_text()
		assert team["private_body"] not in page_text and "Persönliche Nachricht" not in page_text
		assert bernd.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
		bernd.screenshot(path=str(ARTIFACTS / "privacy-customer-tab-headers-only-de.png"))
	finally:
		bernd.context.close()

	# A shares the mail again from the tab's row action (her tab lists both, nothing held back)
	anna = logged_in_page(browser, web_server, team["anna"], locale="de-DE")
	try:
		anna.goto(f"{web_server}/app/customer/{quote(team['customer'])}")
		anna.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
		private_row = anna.locator(f".mail-archive-row[data-name='{team['private']}']")
		private_row.wait_for(timeout=30_000)
		assert anna.locator(".mail-archive-row").count() == 2
		assert anna.locator(".mail-archive-headers-only-pill").count() == 0
		assert "Privat" in private_row.locator(".mail-archive-private-pill").inner_text()
		anna.screenshot(path=str(ARTIFACTS / "privacy-customer-tab-holder-de.png"))
		private_row.locator(".mail-archive-toggle-private", has_text="Wieder freigeben").click()
		assert eventually(lambda: db_value("Communication", team["private"], "mail_archive_private") == 0)
		private_row.locator(".mail-archive-toggle-private", has_text="Als privat markieren").wait_for(
			timeout=30_000
		)
		assert (
			anna.locator(".mail-archive-preview .mail-archive-mail").count() == 0
		)  # the action opened nothing
	finally:
		anna.context.close()
