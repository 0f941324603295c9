"""The kind of a mailbox on the Mail Archive Account form, in Chromium, in German: the archive's
manager makes an account an archive address ("Archivadresse"), where the form then asks who may
drop mail ("Interne Absender" by default, or "Jeder"); an outsider's drop with a hostile address is
quarantined, and its reason shows on the quarantined copy as text."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, eventually, logged_in_page, make_user

pytestmark = pytest.mark.slow

HOSTILE_ADDRESS = '"<img src=x data-pwn=1 onerror=__pwn(1)>"@fremd.example'
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"
INJECTION_PROBE = "() => ({ ran: window.__pwned, elements: document.querySelectorAll('[data-pwn]').length })"


@pytest.fixture
def manager(committed_cleanup) -> tuple[str, str]:
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user("System Manager", password=password, first_name="Marta")
	frappe.db.set_value("User", email, "language", "de")
	committed_cleanup("User", email)
	frappe.db.commit()
	return email, password


def db_value(doctype: str, name: str, field: str):
	frappe.db.rollback()  # the web server committed it
	return frappe.db.get_value(doctype, name, field)


def test_the_manager_makes_an_account_an_archive_address_and_chooses_who_may_drop(
	browser, web_server, manager, dovecot, mail_user, make_archive_account
):
	account = make_archive_account(mail_user)
	ARTIFACTS.mkdir(exist_ok=True)
	page = logged_in_page(browser, web_server, manager, locale="de-DE")
	page.add_init_script(INIT_SCRIPT)
	try:
		page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")
		kind = page.locator(".frappe-control[data-fieldname='account_kind']")
		kind.wait_for(timeout=60_000)
		assert "Art des Postfachs" in kind.inner_text()
		options = kind.locator("select option").all_inner_texts()
		assert {"Postfach", "Journal-Postfach", "Archivadresse"} <= set(options), options
		who = page.locator(".frappe-control[data-fieldname='drop_senders']")
		assert not who.is_visible()  # a mailbox has no droppers

		kind.locator("select").select_option("Archive Drop")
		who.wait_for(state="visible", timeout=30_000)
		assert "Wer E-Mails einwerfen darf" in who.inner_text()
		assert who.locator("select option:checked").inner_text() == "Interne Absender"
		page.keyboard.press("Control+s")
		assert eventually(
			lambda: db_value("Mail Archive Account", account.name, "account_kind") == "Archive Drop"
		)
		page.screenshot(path=str(ARTIFACTS / "mailbox-kind-archive-drop-de.png"))

		# an outsider drops a mail: refused, kept with the reason, shown as text
		dovecot.append(mail_user, a_mail("Bitte archivieren", sender=HOSTILE_ADDRESS, to=mail_user))
		frappe.db.rollback()
		sync_account(account.name)
		copy = frappe.db.get_value(
			"Mailbox Copy", {"account": account.name}, ["name", "status"], as_dict=True
		)
		assert copy.status == "Quarantined"
		page.goto(f"{web_server}/app/mailbox-copy/{quote(copy.name)}")
		reason = page.locator(".frappe-control[data-fieldname='quarantine_reason']")
		reason.wait_for(timeout=60_000)
		assert "may not drop mail at this archive address" in reason.inner_text()
		assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}

		# anyone may drop
		page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")
		who = page.locator(".frappe-control[data-fieldname='drop_senders']")
		who.wait_for(state="visible", timeout=60_000)
		who.locator("select").select_option("Anyone")
		assert who.locator("select option:checked").inner_text() == "Jeder"
		page.keyboard.press("Control+s")
		assert eventually(lambda: db_value("Mail Archive Account", account.name, "drop_senders") == "Anyone")
		assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
	finally:
		page.context.close()
