"""Search in the Email Archive tab in Chromium: the words are marked in the results, and nothing of
a hostile mail runs."""

from __future__ import annotations

from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, a_pdf, copies_of, jobs_done, logged_in_page


@pytest.mark.slow
def test_search_in_the_tab_marks_the_words_and_runs_nothing_of_a_hostile_mail(
	browser, web_server, dovecot, mail_user, make_archive_account, crm, desk_user
):
	customer = crm.customer("Markierkunde")
	sender = crm.address("angriff")
	crm.contact([sender], links=[("Customer", customer)])
	hostile = "<img src=x onerror=window.__hit=1> Preisliste"
	dovecot.append(
		mail_user,
		a_mail(
			hostile,
			sender=sender,
			sender_name="<svg/onload=window.__hit=2> Preis",
			attachments=[("<img src=y onerror=window.__hit=3>.pdf", a_pdf("Preisliste Sommer"))],
		),
	)
	account = make_archive_account(mail_user, account_owner=desk_user[0])
	sync_account(account.name)
	(copy,) = copies_of(account)
	assert jobs_done(
		lambda: "Sommer"
		in (frappe.db.get_value("Mail Search Text", copy.communication, "attachment_text") or "")
	)
	page = logged_in_page(browser, web_server, desk_user)
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	page.goto(f"{web_server}/app/customer/{quote(customer)}")
	page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	page.locator(".mail-archive-row").first.wait_for(timeout=30_000)
	page.locator(".mail-archive-search").fill("preis sommer")
	page.locator(".mail-archive-snippet mark").first.wait_for(timeout=30_000)
	row = page.locator(".mail-archive-row").first
	assert row.locator("td mark").first.inner_text() == "Preis"  # in the subject "Preisliste"
	assert "<img src=x onerror=window.__hit=1> Preisliste" in row.inner_text()  # shown as text
	assert row.locator("img, script, [onerror], [onload]").count() == 0  # (its svg are our icons)
	assert page.evaluate("() => window.__hit") is None and dialogs == []
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "customer-email-archive-search.png"))
	page.locator(".mail-archive-search").fill("winter")
	page.locator(".mail-archive-empty", has_text="No mail matches").wait_for(timeout=30_000)

	refused = []  # a request of the page the server refused
	page.on("response", lambda response: refused.append(response.url) if response.status >= 400 else None)
	# the same words on the Mail Search page, over all mail the user may read
	page.goto(f"{web_server}/app/mail-search")
	words = page.locator(".page-form input[data-fieldname='text']")
	words.wait_for(timeout=60_000)
	words.fill("preis sommer")
	words.press("Tab")
	try:
		page.locator(".mail-search-row .mail-search-snippet mark").first.wait_for(timeout=30_000)
	except Exception:
		page.screenshot(path=str(ARTIFACTS / "mail-search-failed.png"))
		raise AssertionError(f"no result on the Mail Search page: {errors}, refused {refused}") from None
	row = page.locator(".mail-search-row", has_text="Preisliste").first
	assert row.locator("td mark").first.inner_text() == "Preis"
	assert "<img src=x onerror=window.__hit=1> Preisliste" in row.inner_text()
	assert page.locator(".mail-search-results").locator("img, svg, script, [onerror], [onload]").count() == 0
	assert page.evaluate("() => window.__hit") is None and dialogs == [] and errors == [] and refused == []
	page.screenshot(path=str(ARTIFACTS / "mail-search.png"))
	page.context.close()
