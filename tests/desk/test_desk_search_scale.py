"""Counts at scale in Chromium, in German: where a count stops at its cap, the Email Archive tab
and the Mail Search page say "mehr als 1000 E-Mails" and the tab's badge "1000+"; the pages go
on past the cap. The mail is the benchmark's generated archive (perf.scale_data), 2,500 mails."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.views.email_archive import COUNT_CAP
from perf.scale_data import ScaleArchive, generate, remove
from tests.support import logged_in_page, make_user


@pytest.fixture(scope="module")
def archive() -> ScaleArchive:
	frappe.set_user("Administrator")
	generated = generate(2500, 10, 50, seed=6, tag="desk", big_shares=(0.8, 0.05), log=lambda _: None)
	yield generated
	frappe.db.rollback()
	remove("desk")


def german_user(committed_cleanup, *roles: str) -> tuple[str, str]:
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user(*roles, password=password, first_name="Sina")
	frappe.db.set_value("User", email, "language", "de")
	frappe.db.commit()
	committed_cleanup("User", email)
	return email, password


@pytest.mark.slow
def test_the_tab_says_more_than_the_cap_for_a_german_sales_user(
	archive, browser, web_server, committed_cleanup
):
	page = logged_in_page(browser, web_server, german_user(committed_cleanup, "Sales User"), locale="de-DE")
	try:
		page.goto(f"{web_server}/app/customer/{quote(archive.big[0])}")
		tab = page.locator("button.nav-link[data-fieldname='mail_archive_tab']")
		tab.click(timeout=60_000)
		page.locator(".mail-archive-row").first.wait_for(timeout=60_000)
		count = page.locator(".mail-archive-count")
		count.filter(has_text="mehr als").wait_for(timeout=30_000)
		assert count.inner_text().startswith(f"mehr als {COUNT_CAP} E-Mails")
		assert tab.locator(".mail-archive-badge").inner_text() == f"{COUNT_CAP}+"
		assert page.locator(".mail-archive-older").is_enabled()
		# a rare word: its hits counted exactly, of the filed mail beyond the cap
		page.locator(".mail-archive-search").fill("Zollplombe")
		count.filter(has_text="5 E-Mails").wait_for(timeout=30_000)
		assert count.inner_text().startswith(f"5 E-Mails von mehr als {COUNT_CAP},")
	finally:
		page.context.close()


@pytest.mark.slow
def test_the_mail_search_page_says_more_than_the_cap(archive, browser, web_server, committed_cleanup):
	user = german_user(committed_cleanup, "System Manager", "Sales User")  # a stock reader: counted
	page = logged_in_page(browser, web_server, user, locale="de-DE")
	try:
		page.goto(f"{web_server}/app/mail-search")
		words = page.locator("input[data-fieldname='text']")
		words.wait_for(timeout=60_000)
		words.fill("die")
		count = page.locator(".mail-search-count")
		count.filter(has_text="mehr als").wait_for(timeout=30_000)
		assert count.inner_text() == f"mehr als {COUNT_CAP} E-Mails"
		assert page.locator(".mail-search-older").is_enabled()
	finally:
		page.context.close()
