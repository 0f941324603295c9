"""The Mail Archive Account form in a real browser (Debian's Chromium): add a server folder
through the dialog and queue a sync. Screenshots go to tests/.artifacts/."""

import shutil
import uuid
from pathlib import Path
from urllib.parse import quote

import frappe
import pytest

from tests.test_sync import a_mail

ARTIFACTS = Path(__file__).parent / ".artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
	from playwright.sync_api import sync_playwright

	assert Path(CHROMIUM).exists(), "Chromium is missing: the setup command installs Debian's chromium"
	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(
			executable_path=CHROMIUM,
			headless=True,
			args=[
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
				"--no-first-run",
			],
		)
		yield browser
		browser.close()


@pytest.fixture
def desk_user(committed_cleanup):
	email = f"desk-{uuid.uuid4().hex[:8]}@mail.test"
	password = f"Pw-{uuid.uuid4().hex}"
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": "Desk",
			"send_welcome_email": 0,
			"new_password": password,
		}
	).insert(ignore_permissions=True)
	user.add_roles("System Manager", "Sales Manager")  # ERPNext's CRM forms need a sales role
	frappe.db.commit()
	committed_cleanup("User", email)
	return email, password


def logged_in_page(browser, web_server, desk_user):
	context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
	email, password = desk_user
	response = context.request.post(f"{web_server}/api/method/login", form={"usr": email, "pwd": password})
	assert response.ok, response.text()
	return context.new_page()


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
	assert "Angebote 2026" in options and "INBOX" in options
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


def remove_queued_sync(account_name: str) -> bool:
	"""Take the queued job off the long queue again (no worker runs for the test site)."""
	from frappe.utils.background_jobs import create_job_id, get_redis_conn
	from rq.exceptions import NoSuchJobError
	from rq.job import Job

	from crm_mail_archive.archive.accounts import job_id

	try:
		Job.fetch(create_job_id(job_id(account_name)), connection=get_redis_conn()).delete()
	except NoSuchJobError:
		return False
	return True


@pytest.mark.slow
def test_a_running_sync_shows_its_progress_in_the_open_form(
	browser, web_server, socketio, desk_user, dovecot, mail_user, make_archive_account
):
	from crm_mail_archive.archive.accounts import run_sync_job

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
		title = page.evaluate("() => frappe.cur_progress && frappe.cur_progress.title")
		assert title == "Syncing INBOX"
		page.screenshot(path=str(ARTIFACTS / "mail-archive-account-progress.png"))
	finally:
		page.context.close()
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", 100)
		frappe.db.commit()
		frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")
