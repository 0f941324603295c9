"""The Email Archive tab on a Customer and the Communication list in Chromium: the tab lists the
Customer's mail, the list marks filed mail and filters on it."""

from urllib.parse import quote

import pytest

from tests.support import ARTIFACTS, logged_in_page


@pytest.mark.slow
def test_the_customer_form_shows_the_email_archive_tab(
	customer_with_mail,
	browser,
	web_server,
	desk_user,
):
	customer, _account = customer_with_mail
	page = logged_in_page(browser, web_server, desk_user)
	try:
		page.goto(f"{web_server}/app/customer/{quote(customer)}")
		page.locator(".form-tabs").first.wait_for(timeout=60_000)
		tab = page.locator("button.nav-link[data-fieldname='mail_archive_tab']")
		if not tab.count():
			ARTIFACTS.mkdir(exist_ok=True)
			page.screenshot(path=str(ARTIFACTS / "customer-form-debug.png"))
			names = page.eval_on_selector_all(
				".form-tabs .nav-link", "els => els.map(e => e.dataset.fieldname)"
			)
			pytest.fail(f"no Email Archive tab; tabs: {names}")
		tab.click(timeout=60_000)
		page.locator(".mail-archive-row").first.wait_for(timeout=30_000)
		assert page.locator(".mail-archive-row").count() == 20
		assert tab.locator(".mail-archive-badge").inner_text() == "25"
		assert page.locator(".mail-archive-row").first.inner_text().count("Bestellung 00") == 1
		ARTIFACTS.mkdir(exist_ok=True)
		page.screenshot(path=str(ARTIFACTS / "customer-email-archive-tab.png"))
		page.locator(".mail-archive-row").first.click()  # the preview, beside the list
		page.locator(".mail-archive-preview .mail-archive-open").click(timeout=30_000)
		page.wait_for_url("**/app/communication/**", timeout=30_000)
	finally:
		page.context.close()


@pytest.mark.slow
def test_the_communication_list_marks_filed_mail_and_filters_on_it(
	customer_with_mail,
	browser,
	web_server,
	desk_user,
):
	page = logged_in_page(browser, web_server, desk_user)
	try:
		page.goto(f"{web_server}/app/communication?mail_archive_filing=Filed")
		# the list renders once before the route's filter and our settings apply: wait for both
		page.locator(".list-row-container .indicator-pill", has_text="Filed").first.wait_for(timeout=60_000)
		page.wait_for_load_state("networkidle")
		page.wait_for_function(
			"""() => [...document.querySelectorAll('.list-row-container')].every(
				(row) => [...row.querySelectorAll('.indicator-pill')].some((pill) => pill.innerText.includes('Filed')))""",
			timeout=30_000,
		)
		rows = page.locator(".list-row-container")
		assert rows.count() >= 1
		for index in range(rows.count()):  # the filter holds and every row shows the indicator
			assert rows.nth(index).locator(".indicator-pill", has_text="Filed").count() >= 1
		ARTIFACTS.mkdir(exist_ok=True)
		page.screenshot(path=str(ARTIFACTS / "communication-list-filed.png"))
	finally:
		page.context.close()
