"""Retention in the desk, as a Mail Archive Manager with a hostile mail: the legal hold, the
retention dialog, the erasure preview; nothing of the mail runs."""

from __future__ import annotations

import frappe

from crm_mail_archive.transfer.imports import MailImport
from tests.support import (
	ARTIFACTS,
	a_mail,
	logged_in_page,
	make_user,
	menu_item,
)


def test_a_manager_holds_a_hostile_mail_sees_its_retention_and_previews_an_erasure_in_the_desk(
	browser, web_server, dovecot, mail_user, make_archive_account, crm, committed_cleanup, tmp_path
):
	customer = crm.customer("Sperrkunde")
	address = crm.address("sperre")
	crm.contact([address], links=[("Customer", customer)])
	account = make_archive_account(mail_user)
	hostile = "<img src=x onerror=window.__hit=1> Vertrag"
	path = tmp_path / "vertrag.eml"
	path.write_bytes(a_mail(hostile, sender=address, sender_name="<svg/onload=window.__hit=2> Anwalt"))
	(communication,) = (
		MailImport(account.name, ("Customer", customer)).run([(str(path), "vertrag.eml")]).communications
	)
	password = f"Pw-{frappe.generate_hash(length=16)}"
	manager = make_user("Mail Archive Manager", "System Manager", password=password, first_name="Maria")
	committed_cleanup("User", manager)
	frappe.db.commit()

	page = logged_in_page(browser, web_server, (manager, password))
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	page.goto(f"{web_server}/app/communication/{communication}")
	page.locator(
		".mail-archive-reader, .frappe-control[data-fieldname='mail_archive_reader']"
	).first.wait_for(timeout=60_000)
	menu_item(page, "Archive", "Set Legal Hold").click()
	for _attempt in range(30):
		frappe.db.commit()  # a fresh snapshot: the web server set it
		if frappe.db.get_value("Communication", communication, "mail_archive_legal_hold"):
			break
		page.wait_for_timeout(500)
	assert frappe.db.get_value("Communication", communication, "mail_archive_legal_hold") == 1
	assert frappe.db.exists(
		"Mail Archive Audit Event", {"communication": communication, "action": "Legal Hold Set"}
	)

	# the form reloads after the hold (its buttons are rebuilt): the group then offers the release
	page.locator(".inner-group-button .dropdown-menu a", has_text="Release Legal Hold").first.wait_for(
		state="attached", timeout=30_000
	)
	page.wait_for_timeout(500)
	menu_item(page, "Archive", "Retention").click()
	dialog = page.locator(".modal:visible")
	dialog.locator(".mail-retention-end").wait_for(timeout=30_000)
	assert f"{frappe.utils.getdate().year + 6}" in dialog.locator(".mail-retention-end").inner_text()
	assert "legal hold on the mail" in dialog.locator(".mail-retention-hold").inner_text()
	assert dialog.locator("textarea").count() == 0  # within its retention: nothing to delete
	page.keyboard.press("Escape")
	page.screenshot(path=str(ARTIFACTS / "communication-legal-hold.png"))

	page.goto(f"{web_server}/app/mail-archive-settings")
	page.locator(
		".page-actions button, .form-inner-toolbar button", has_text="Erase Personal Data"
	).first.click(timeout=60_000)
	dialog = page.locator(".modal:visible")
	dialog.locator("input[data-fieldname='address']").fill(address)
	dialog.locator(".btn-primary", has_text="Show What Would Be Erased").click()
	preview = dialog.locator(".mail-erasure-preview")
	preview.wait_for(timeout=30_000)
	assert "0 e-mails would be erased, 1 are kept." in preview.inner_text()
	assert "legal hold on the mail: 1" in dialog.inner_text()
	# nothing to erase: no reason asked, Erase cannot be pressed
	assert dialog.locator("textarea[data-fieldname='reason']:visible").count() == 0
	assert dialog.locator(".btn-primary", has_text="Erase").is_disabled()
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "erasure-preview.png"))
	assert page.evaluate("() => window.__hit") is None and dialogs == [] and errors == []
	page.context.close()
	assert frappe.db.exists("Communication", communication)
