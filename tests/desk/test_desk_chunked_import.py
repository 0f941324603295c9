"""A big Outlook file comes in through the desk in chunks, in German: the Sales User who holds the
mailbox chooses a .pst on a Customer's E-Mail-Archiv tab; the dialog sends it in several chunks
(small ones here, so the sample file needs several), shows the upload's progress, then the
import's; its mails are imported, filed there and listed on the tab."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.transfer import uploads
from tests.data.outlook_files import outlook_file
from tests.support import ARTIFACTS, close_dialogs, copies_of, import_result, logged_in_page, make_user
from tests.support.desk import german_catalog

pytestmark = pytest.mark.slow
pytest.importorskip("pypff", reason="libpff-python is a dependency of the app")

CHUNK_BYTES = 96 * 1024


def test_a_pst_is_sent_in_chunks_from_the_tab_and_its_mails_are_shown_in_german(
	browser, web_server, socketio, dovecot, mail_user, make_archive_account, crm, committed_cleanup, tmp_path
):
	password = f"Pw-{uuid.uuid4().hex}"
	seller = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", seller, "language", "de")
	committed_cleanup("User", seller)
	customer = crm.customer("Stückweise GmbH")
	account = make_archive_account(mail_user, account_owner=seller)  # she holds the mailbox
	pst = outlook_file("aspose-outlook.pst", tmp_path)
	chunks_needed = -(-pst.stat().st_size // CHUNK_BYTES)
	assert chunks_needed >= 4
	frappe.db.commit()
	frappe.clear_cache(user=seller)
	german_catalog()

	staged_before = set(uploads.staging_folder().iterdir())
	page = logged_in_page(browser, web_server, (seller, password), locale="de-DE")
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	chunk_requests: list[str] = []
	page.on(
		"request",
		lambda request: "send_import_chunk" in request.url and chunk_requests.append(request.url),
	)
	page.goto(f"{web_server}/app/customer/{quote(customer)}")
	page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	page.locator(".mail-archive-empty").wait_for(timeout=30_000)
	page.evaluate(f"() => {{ crm_mail_archive.upload_chunk_bytes = {CHUNK_BYTES}; }}")
	with page.expect_file_chooser() as chooser:
		page.locator(".mail-archive-import").click()
	chooser.value.set_files([str(pst)])
	# the upload's progress, in German, while the chunks go
	page.locator(".modal:visible", has_text="Hochladen…").first.wait_for(timeout=30_000)
	result = import_result(page, attempts=40)  # the import runs in the test's burst worker
	text = result.inner_text()
	assert "14 E-Mails aus den Dateien gelesen: 14 neu, 0 schon im Archiv." in text
	assert "14 hier abgelegt." in text
	assert len(chunk_requests) == chunks_needed
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "email-archive-chunked-import.png"))
	close_dialogs(page)
	page.locator(".mail-archive-row", has_text="Multiple attachments").first.wait_for(timeout=30_000)

	frappe.db.commit()  # a fresh snapshot: the worker committed
	stored = copies_of(account, status="Stored")
	assert len(stored) == 14
	assert all(
		frappe.db.exists(
			"Timeline Link",
			{"communication": copy.communication, "link_doctype": "Customer", "link_name": customer},
		)
		for copy in stored
	)
	assert set(uploads.staging_folder().iterdir()) == staged_before  # the staged file went with the import
	assert errors == []
	page.context.close()
