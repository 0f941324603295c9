"""Export as evidence from the desk, as a German Sales User: from the reader and from the tab, a
hostile mail stays text."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import frappe

from tests.support import a_mail, close_dialogs


def serve_this_checkouts_german() -> None:
	"""The compiled German catalog is the bench's, shared by every checkout run against it (another
	may compile its own at any time): this checkout's is compiled and at once read into the site's
	translation cache, which the web server's requests read from."""
	from frappe.gettext.translate import compile_translations
	from frappe.translate import get_all_translations

	compile_translations("crm_mail_archive", "de", force=True)
	frappe.cache.delete_value("merged_translations")
	assert get_all_translations("de")["Export as Evidence"] == "Als Beweismittel exportieren"


def download_when_ready(page) -> dict:
	"""The export's download (the test's burst worker runs it) -> its index.json."""
	from tests.support import run_background_jobs

	link = page.locator(".mail-export-download")
	for _attempt in range(20):
		run_background_jobs()
		try:
			link.wait_for(timeout=3_000)
			break
		except Exception:
			continue
	with page.expect_download() as download:
		link.click()
	with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
		assert "verify_evidence.py" in archive.namelist()
		return json.loads(archive.read("index.json"))


def test_a_german_sales_user_exports_a_hostile_mail_as_evidence_from_the_reader_and_the_tab(
	browser, web_server, socketio, dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	from urllib.parse import quote

	from crm_mail_archive.accounts.syncing import sync_account
	from tests.support import ARTIFACTS, copies_of, logged_in_page, make_user, menu_item

	password = f"Pw-{frappe.generate_hash(length=16)}"
	seller = make_user("Sales User", password=password, first_name="Beate")
	committed_cleanup("User", seller)
	frappe.db.set_value("User", seller, "language", "de")
	customer = crm.customer("Beweiskunde")
	sender = crm.address("beweis")
	crm.contact([sender], links=[("Customer", customer)])
	hostile = "<img src=x onerror=window.__hit=1> Beweis"
	dovecot.append(
		mail_user, a_mail(hostile, sender=sender, sender_name="<svg/onload=window.__hit=2> Gegner")
	)
	account = make_archive_account(mail_user, account_owner=seller)
	sync_account(account.name)
	(copy,) = copies_of(account)
	frappe.db.commit()
	frappe.clear_cache(user=seller)
	serve_this_checkouts_german()

	page = logged_in_page(browser, web_server, (seller, password), locale="de-DE")
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	try:
		page.goto(f"{web_server}/app/communication/{quote(copy.communication)}")
		page.locator(".mail-archive-mail").wait_for(timeout=60_000)
		menu_item(page, "Aktionen", "Als Beweismittel exportieren").click()
		index = download_when_ready(page)
		assert [mail["communication"] for mail in index["mails"]] == [copy.communication]
		assert page.locator(".modal:visible").locator("img, [onerror], [onload]").count() == 0
		close_dialogs(page)

		page.goto(f"{web_server}/app/customer/{quote(customer)}")
		page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
		row = page.locator(".mail-archive-row").first
		row.wait_for(timeout=30_000)
		assert row.locator("img, script, [onerror], [onload]").count() == 0
		button = page.locator(".mail-archive-export-evidence")
		assert button.inner_text() == "Als Beweismittel exportieren"
		button.click()
		index = download_when_ready(page)
		assert [mail["communication"] for mail in index["mails"]] == [copy.communication]
		ARTIFACTS.mkdir(exist_ok=True)
		page.screenshot(path=str(ARTIFACTS / "evidence-export-de.png"))
		assert page.evaluate("() => window.__hit") is None
		assert not errors, errors
	finally:
		page.context.close()
	frappe.db.rollback()  # a fresh snapshot: the exports were committed by the web server and the worker
	exports = frappe.get_all("Mail Export", {"owner": seller}, ["name", "export_format", "scope"])
	for export in exports:
		committed_cleanup("Mail Export", export.name)
	assert sorted((export.scope, export.export_format) for export in exports) == [
		("Mail", "Evidence"),
		("Record", "Evidence"),
	]
