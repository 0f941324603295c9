"""A company's old Outlook file comes in through the desk, in German: the Sales User who holds
the mailbox chooses a .pst (named like an attack) on a Customer's E-Mail-Archiv tab; its mails are
imported and filed there, the damaged item is named in the result as text, and nothing of the
file's name or mails runs."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import frappe
import pytest

from tests.data.outlook_files import outlook_file, with_damaged_item
from tests.support import ARTIFACTS, close_dialogs, copies_of, import_result, logged_in_page, make_user
from tests.support.desk import german_catalog

pytestmark = pytest.mark.slow
pytest.importorskip("pypff", reason="libpff-python is a dependency of the app")


def test_a_pst_chosen_on_the_tab_is_imported_filed_and_its_damaged_item_named_in_german(
	browser, web_server, socketio, dovecot, mail_user, make_archive_account, crm, committed_cleanup, tmp_path
):
	password = f"Pw-{uuid.uuid4().hex}"
	seller = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", seller, "language", "de")
	committed_cleanup("User", seller)
	customer = crm.customer("Outlook-Umzug GmbH")
	account = make_archive_account(mail_user, account_owner=seller)  # she holds the mailbox
	hostile_name = "<img src=x onerror=window.__hit=1>postfach.pst"
	pst = with_damaged_item(
		outlook_file("aspose-outlook.pst", tmp_path), "Sent Items", 0, tmp_path / hostile_name
	)
	frappe.db.commit()
	frappe.clear_cache(user=seller)
	german_catalog()

	page = logged_in_page(browser, web_server, (seller, password), locale="de-DE")
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	page.goto(f"{web_server}/app/customer/{quote(customer)}")
	page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	page.locator(".mail-archive-empty").wait_for(timeout=30_000)
	button = page.locator(".mail-archive-import")
	assert ".pst" in button.get_attribute("title") and ".ost" in button.get_attribute("title")
	with page.expect_file_chooser() as chooser:
		button.click()
	assert ".pst" in (chooser.value.element.get_attribute("accept") or "")
	chooser.value.set_files([str(pst)])
	result = import_result(page, attempts=40)  # the import runs in the test's burst worker
	text = result.inner_text()
	assert "14 E-Mails aus den Dateien gelesen: 13 neu, 0 schon im Archiv." in text
	assert "13 hier abgelegt." in text and "1 konnten nicht gelesen werden" in text
	assert page.locator(".modal:visible .modal-title", has_text="E-Mails importiert, einige unlesbar").count()
	reason = page.locator(".mail-import-reason").first.inner_text()
	# the file's name as the upload kept it (no handler), the item by its folder, shown as text
	assert reason.endswith("postfach.pst: Sent Items #1: Ein beschädigtes Element der Outlook-Datendatei.")
	assert page.locator(".modal:visible").locator("img, [onerror], [onload]").count() == 0
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "email-archive-pst-import.png"))
	close_dialogs(page)
	# the tab lists the imported mails
	page.locator(".mail-archive-row", has_text="Multiple attachments").first.wait_for(timeout=30_000)

	frappe.db.commit()  # a fresh snapshot: the worker committed
	stored = copies_of(account, status="Stored")
	assert len(stored) == 13 and {copy.folder for copy in stored} == {"Import/Inbox", "Import/Sent Items"}
	for copy in stored:
		assert frappe.db.exists(
			"Timeline Link",
			{"communication": copy.communication, "link_doctype": "Customer", "link_name": customer},
		)
	assert not frappe.db.exists(
		"File", {"file_name": ("like", "%postfach.pst"), "attached_to_name": ("is", "not set")}
	)
	assert page.evaluate("() => window.__hit") is None and dialogs == [] and errors == []
	page.context.close()
