"""The open deal in the desk, in Chromium, in German: a salesperson (a Sales User holding her
mailbox) reads a customer's mail and sees in its filings that it went to the customer's one open
Opportunity ("Offene Verkaufschance", with the customer that led there); the Opportunity's own
E-Mail-Archiv tab lists the mail. The mail's hostile subject and sender name stay text."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, logged_in_page, make_user, only_communication
from tests.support.deals import an_opportunity

pytestmark = pytest.mark.slow

HOSTILE = "<img src=x data-pwn=1 onerror=__pwn('deal')>"
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"
INJECTION_PROBE = "() => ({ ran: window.__pwned, elements: document.querySelectorAll('[data-pwn]').length })"


@pytest.fixture
def deal_mail(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	customer = crm.customer("Verhandlungskunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	deal = an_opportunity(crm, "Customer", customer)
	an_opportunity(crm, "Customer", customer, status="Lost")
	password = f"Pw-{uuid.uuid4().hex}"
	seller = make_user("Sales User", password=password, first_name="Selma")
	frappe.db.set_value("User", seller, "language", "de")
	committed_cleanup("User", seller)
	frappe.db.commit()
	dovecot.append(
		mail_user,
		a_mail(f"Angebot {HOSTILE}", sender=sender, sender_name=f"Einkauf {HOSTILE}", text="Preise?"),
	)
	account = make_archive_account(mail_user, account_owner=seller)
	sync_account(account.name)
	communication = only_communication(account)
	frappe.db.commit()
	frappe.clear_cache(user=seller)
	german_catalog()
	return {"seller": (seller, password), "customer": customer, "deal": deal, "mail": communication}


def german_catalog() -> None:
	"""This checkout's German catalog, compiled and cached for the site."""
	from frappe.gettext.translate import compile_translations
	from frappe.translate import clear_cache, get_all_translations

	compile_translations("crm_mail_archive", "de", force=True)
	clear_cache()
	assert get_all_translations("de")["Open Opportunity"] == "Offene Verkaufschance"


def test_a_sales_user_sees_the_mail_at_the_open_deal_with_its_reason(browser, web_server, deal_mail):
	ARTIFACTS.mkdir(exist_ok=True)
	page = logged_in_page(browser, web_server, deal_mail["seller"], locale="de-DE")
	page.add_init_script(INIT_SCRIPT)
	try:
		page.goto(f"{web_server}/app/communication/{quote(deal_mail['mail'])}")
		filings = page.locator(".mail-archive-mail .mail-archive-filings")
		filings.wait_for(timeout=60_000)
		row = filings.locator("tr", has_text="Offene Verkaufschance")
		assert row.count() == 1
		cells = row.locator("td")
		assert cells.nth(0).inner_text().startswith("Verkaufschance: ")
		assert (
			cells.nth(0).locator("a").get_attribute("href") == f"/app/opportunity/{quote(deal_mail['deal'])}"
		)
		assert cells.nth(1).inner_text() == "Offene Verkaufschance"
		assert cells.nth(2).inner_text() == deal_mail["customer"]  # the party that led there
		assert f"Angebot {HOSTILE}" in page.locator(".mail-archive-subject").inner_text()
		assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
		page.screenshot(path=str(ARTIFACTS / "open-deal-reader-de.png"))

		page.goto(f"{web_server}/app/opportunity/{quote(deal_mail['deal'])}")
		tab = page.locator("button.nav-link[data-fieldname='mail_archive_tab']")
		tab.click(timeout=60_000)
		page.locator(".mail-archive-row").first.wait_for(timeout=30_000)
		rows = page.locator(".mail-archive-row")
		assert rows.count() == 1
		assert rows.first.get_attribute("data-name") == deal_mail["mail"]
		assert f"Angebot {HOSTILE}" in rows.first.inner_text()
		assert page.locator(".mail-archive-count").inner_text().startswith("1 E-Mail")
		assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
		page.screenshot(path=str(ARTIFACTS / "open-deal-opportunity-tab-de.png"))
	finally:
		page.context.close()
