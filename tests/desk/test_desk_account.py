"""The Mail Archive Account form in a real browser (Debian's Chromium): add a server folder
through the dialog and queue a sync. Screenshots go to tests/.artifacts/."""

from urllib.parse import quote

import frappe
import pytest

from tests.support import ARTIFACTS, a_mail, logged_in_page, remove_queued_sync


@pytest.mark.slow
def test_add_folder_dialog_lists_server_folders_and_sync_now_queues(
	browser, web_server, desk_user, dovecot, mail_user, make_archive_account
):
	dovecot.create_folder(mail_user, "Angebote 2026")
	account = make_archive_account(mail_user)
	page = logged_in_page(browser, web_server, desk_user)
	page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")

	page.locator("button", has_text="Add Folder").first.click(timeout=60_000)
	dialog = page.locator(".modal.show")
	folder_select = dialog.locator("select[data-fieldname='folder']")
	folder_select.wait_for(timeout=30_000)
	options = folder_select.locator("option").all_inner_texts()
	assert "Angebote 2026" in options and "Inbox" in options  # INBOX by its English name
	folder_select.select_option("Angebote 2026")
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "mail-archive-account-add-folder.png"))
	dialog.locator(".btn-primary").click()
	dialog.wait_for(state="hidden", timeout=30_000)

	frappe.db.rollback()  # the web server committed it
	folders = {row.folder_name for row in frappe.get_doc("Mail Archive Account", account.name).folders}
	assert "Angebote 2026" in folders

	page.locator("button", has_text="Sync Now").first.click()
	page.locator(".alert-message", has_text="Sync queued").wait_for(timeout=30_000)
	page.screenshot(path=str(ARTIFACTS / "mail-archive-account-sync-queued.png"))
	page.context.close()
	assert remove_queued_sync(account.name), "Sync Now queued no job"


@pytest.mark.slow
def test_a_running_sync_shows_its_progress_in_the_open_form(
	browser, web_server, socketio, desk_user, dovecot, mail_user, make_archive_account
):
	from crm_mail_archive.accounts.syncing import run_sync_job

	dovecot.append_many(mail_user, [a_mail(f"Fortschritt {n}") for n in range(12)])
	account = make_archive_account(mail_user)
	frappe.db.set_single_value("Mail Archive Settings", "batch_size", 4)
	frappe.db.commit()
	page = logged_in_page(browser, web_server, desk_user)
	console: list[str] = []
	page.on("console", lambda message: console.append(message.text))
	try:
		page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")
		page.locator("button", has_text="Sync Now").first.wait_for(timeout=60_000)
		try:
			page.wait_for_function(
				"() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30_000
			)
		except Exception:
			pytest.fail(f"socket.io did not connect; browser console: {console}")
		page.evaluate(
			"""() => { window.__progress = [];
			frappe.realtime.on("mail_archive_sync_progress", (data) => window.__progress.push(data)); }"""
		)
		frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")
		run_sync_job(account.name)  # publishes progress to the account's document room
		page.wait_for_function("() => window.__progress.length >= 3", timeout=30_000)
		events = page.evaluate("() => window.__progress")
		assert [(e["done"], e["total"]) for e in events if e["folder"] == "INBOX"] == [
			(4, 12),
			(8, 12),
			(12, 12),
		]
		# shown in the status line, the folder by its name in the user's language; no dialog over the form
		page.locator(".mail-archive-sync-progress", has_text="Inbox: 12 of 12 e-mails").wait_for(
			timeout=30_000
		)
		assert page.locator(".modal.show").count() == 0
		page.screenshot(path=str(ARTIFACTS / "mail-archive-account-progress.png"))
	finally:
		page.context.close()
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", 100)
		frappe.db.commit()
		frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")
