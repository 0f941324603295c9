"""Working with an archived mail in the desk, in Debian's Chromium: where it is filed, File at…,
Un-file, Mark as Read reaching the server, a blocklist entry taking the automatic
filing away, and the Email Archive tab on the Contact. Screenshots go to tests/.artifacts/."""

import time
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.actions.service import run_apply_job
from tests.support import (
	ARTIFACTS,
	a_mail,
	copies_of,
	eventually,
	menu_item,
	remove_archive_of,
	remove_queued_sync,
	run_background_jobs,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def filed_mail(dovecot, mail_user, make_archive_account, crm, desk_user):
	customer = crm.customer("Browserkunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	uid = dovecot.append(mail_user, a_mail("Anfrage Frästeile", sender=sender))
	account = make_archive_account(mail_user, account_owner=desk_user[0])
	sync_account(account.name)
	(copy,) = copies_of(account)
	return account, customer, contact, copy.communication, uid, sender


def open_mail(page, web_server, communication: str) -> None:
	page.goto(f"{web_server}/app/communication/{quote(communication)}")
	page.locator(".mail-archive-state").wait_for(timeout=60_000)


def timeline_sources(communication: str) -> dict[tuple[str, str], str]:
	frappe.db.rollback()  # see what the web server committed
	return {
		(row.link_doctype, row.link_name): row.source
		for row in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name", "source"]
		)
	}


def test_the_mail_form_shows_its_filings_and_files_and_unfiles_by_hand(desk, web_server, filed_mail, crm):
	_account, customer, contact, communication, _uid, _sender = filed_mail
	other = crm.customer("Handablage")
	frappe.db.commit()
	open_mail(desk, web_server, communication)
	state = desk.locator(".mail-archive-state")
	contact_title = frappe.db.get_value("Contact", contact, "full_name")  # titles, not IDs
	assert "Automatic" in state.inner_text() and customer in state.inner_text()
	assert contact_title in state.inner_text()
	ARTIFACTS.mkdir(exist_ok=True)
	desk.screenshot(path=str(ARTIFACTS / "communication-filed-at.png"))

	desk.locator("button", has_text="File at…").first.click()
	dialog = desk.locator(".modal.show")
	desk.wait_for_function("() => window.cur_dialog && cur_dialog.fields_dict.doctype", timeout=30_000)
	desk.evaluate("() => cur_dialog.set_value('doctype', 'Customer')")
	desk.evaluate(f"() => cur_dialog.set_value('name', {other!r})")
	desk.screenshot(path=str(ARTIFACTS / "communication-file-at-dialog.png"))
	dialog.locator(".btn-primary").click()
	desk.locator(f".mail-archive-unfile[data-name='{other}']").wait_for(timeout=30_000)
	assert timeline_sources(communication)[("Customer", other)] == "Manual"

	desk.locator(f".mail-archive-unfile[data-name='{other}']").click()
	desk.locator(f".mail-archive-unfile[data-name='{other}']").wait_for(state="detached", timeout=30_000)
	assert ("Customer", other) not in timeline_sources(communication)


def test_opening_marks_read_and_mark_as_unread_clears_seen_on_the_server(
	desk, web_server, filed_mail, dovecot, mail_user
):
	account, _customer, _contact, communication, uid, _sender = filed_mail
	open_mail(desk, web_server, communication)  # its holder reads it: read, on the server too
	desk.wait_for_function("() => cur_frm.doc.seen === 1", timeout=30_000)
	wait_for_flag(dovecot, mail_user, uid, account.name, present=True)
	menu_item(desk, "Actions", "Mark as Unread").click()
	desk.locator(".alert-message", has_text="Sent to the mail server").wait_for(timeout=30_000)
	frappe.db.rollback()
	assert frappe.db.get_value("Communication", communication, "seen") == 0
	wait_for_flag(dovecot, mail_user, uid, account.name, present=False)


def test_a_failed_server_action_shows_on_the_form(desk, web_server, filed_mail):
	account, _customer, _contact, communication, _uid, _sender = filed_mail
	from crm_mail_archive import api

	api.move_mail(communication, "Gibt es nicht")
	frappe.db.commit()
	run_apply_job(account.name)
	open_mail(desk, web_server, communication)
	desk.locator(".mail-archive-server-actions", has_text="Move: Failed").wait_for(timeout=30_000)
	desk.screenshot(path=str(ARTIFACTS / "communication-server-action-failed.png"))


def test_a_blocklist_entry_made_in_the_desk_unfiles_the_automatic_link(
	desk, web_server, filed_mail, committed_cleanup
):
	_account, customer, contact, communication, _uid, sender = filed_mail
	domain = sender.split("@")[1]
	desk.goto(f"{web_server}/app/archive-blocklist/new")
	desk.locator("select[data-fieldname='entry_type']").wait_for(timeout=60_000)
	desk.locator("select[data-fieldname='entry_type']").select_option("Domain")
	desk.locator("input[data-fieldname='value']").fill(domain)
	desk.keyboard.press("Control+s")
	# the domain belongs to a customer: the desk asks first
	desk.locator(".modal.show", has_text="Block it anyway?").locator(".btn-primary").click(timeout=30_000)
	desk.wait_for_function("() => !cur_frm.is_new()", timeout=30_000)
	entry = desk.evaluate("() => cur_frm.doc.name")
	committed_cleanup("Archive Blocklist", entry)
	run_background_jobs()  # the un-filing runs in the background, not in the request
	assert eventually(lambda: timeline_sources(communication) == {}), timeline_sources(communication)

	desk.goto(f"{web_server}/app/contact/{quote(contact)}")
	desk.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	desk.locator(".mail-archive-count").wait_for(timeout=30_000)
	assert desk.locator(".mail-archive-row").count() == 0
	desk.screenshot(path=str(ARTIFACTS / "contact-email-archive-after-blocklist.png"))


def test_the_contact_form_shows_the_email_archive_tab(desk, web_server, filed_mail):
	_account, _customer, contact, communication, _uid, _sender = filed_mail
	desk.goto(f"{web_server}/app/contact/{quote(contact)}")
	tab = desk.locator("button.nav-link[data-fieldname='mail_archive_tab']")
	tab.click(timeout=60_000)
	desk.locator(".mail-archive-row").first.wait_for(timeout=30_000)
	assert desk.locator(".mail-archive-row").count() == 1
	assert "Anfrage Frästeile" in desk.locator(".mail-archive-row").first.inner_text()
	desk.screenshot(path=str(ARTIFACTS / "contact-email-archive-tab.png"))
	desk.locator(".mail-archive-row").first.click()  # the preview, beside the list
	desk.locator(".mail-archive-preview .mail-archive-open").click(timeout=30_000)
	desk.wait_for_url(f"**/app/communication/{communication}", timeout=30_000)


def test_a_german_user_works_in_german(browser, web_server, filed_mail, desk_user):
	_account, _customer, _contact, communication, _uid, _sender = filed_mail
	email, password = desk_user
	frappe.db.set_value("User", email, "language", "de")
	frappe.db.commit()
	frappe.cache.delete_key("translations")  # the web server reads the compiled German strings anew
	frappe.clear_cache(user=email)
	context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE")
	try:
		assert context.request.post(f"{web_server}/api/method/login", form={"usr": email, "pwd": password}).ok
		page = context.new_page()
		open_mail(page, web_server, communication)
		state = page.locator(".mail-archive-state").inner_text()
		assert "Abgelegt bei" in state and "Automatisch" in state and "Ablage aufheben" in state
		assert page.locator("button", has_text="Ablegen bei…").count() >= 1
		page.screenshot(path=str(ARTIFACTS / "communication-filed-at-de.png"))
		page.goto(f"{web_server}/app/mail-archive")
		page.locator(".widget.shortcut-widget-box", has_text="Nicht abgelegte E-Mails").first.wait_for(
			timeout=60_000
		)
		page.screenshot(path=str(ARTIFACTS / "mail-archive-workspace-de.png"))
	finally:
		context.close()


def test_set_up_an_account_in_the_desk_sync_it_and_mark_a_mail_unread_again(
	desk,
	web_server,
	dovecot,
	mail_user,
	crm,
	desk_user,
):
	from crm_mail_archive.accounts.syncing import run_sync_job

	customer = crm.customer("Einrichtungskunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	uid = dovecot.append(mail_user, a_mail("Erste Anfrage", sender=sender))
	email_account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": mail_user,
			"email_id": mail_user,
			"password": dovecot.password(mail_user),
			"email_server": "127.0.0.1",
			"use_imap": 1,
			"incoming_port": dovecot.imap_port,
			"use_ssl": 0,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	try:
		desk.goto(f"{web_server}/app/mail-archive-account/new")
		desk.wait_for_function(
			"() => window.cur_frm && cur_frm.doctype === 'Mail Archive Account'", timeout=60_000
		)
		# a new account offers the setup dialog; this test links an existing Email Account instead
		setup = desk.locator(".modal.show", has_text="Set up mailbox")
		setup.wait_for(timeout=30_000)
		desk.wait_for_timeout(500)
		setup.locator(".btn-modal-close").click()
		setup.wait_for(state="hidden", timeout=30_000)
		desk.evaluate(f"() => cur_frm.set_value('email_account', {email_account.name!r})")
		desk.evaluate(f"() => cur_frm.set_value('account_owner', {desk_user[0]!r})")
		desk.keyboard.press("Control+s")
		desk.wait_for_function("() => !cur_frm.is_new()", timeout=30_000)
		desk.locator("button", has_text="Sync Now").first.click(timeout=30_000)
		desk.locator(".alert-message", has_text="Sync queued").wait_for(timeout=30_000)
		desk.screenshot(path=str(ARTIFACTS / "mail-archive-account-set-up.png"))
		remove_queued_sync(email_account.name)
		# what the worker does with the queued job (or is doing, if the bench's worker took it)
		deadline = time.monotonic() + 60
		while time.monotonic() < deadline:
			frappe.db.rollback()
			run_sync_job(email_account.name)
			if frappe.db.exists("Mailbox Copy", {"account": email_account.name, "uid": uid}):
				break
			time.sleep(0.5)

		desk.goto(f"{web_server}/app/customer/{quote(customer)}")
		desk.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
		desk.locator(".mail-archive-row", has_text="Erste Anfrage").wait_for(timeout=30_000)
		desk.locator(".mail-archive-row").first.click()
		desk.locator(".mail-archive-preview .mail-archive-open").click(timeout=30_000)
		desk.locator(".mail-archive-mail .mail-archive-state").wait_for(timeout=60_000)
		# opened by its holder: read, on the server too
		desk.wait_for_function("() => cur_frm.doc.seen === 1", timeout=30_000)
		wait_for_flag(dovecot, mail_user, uid, email_account.name, present=True)
		open_mail(
			desk,
			web_server,
			frappe.db.get_value("Mailbox Copy", {"account": email_account.name}, "communication"),
		)
		menu_item(desk, "Actions", "Mark as Unread").click()
		desk.locator(".alert-message", has_text="Sent to the mail server").first.wait_for(timeout=30_000)
		frappe.db.rollback()
		assert frappe.db.exists(
			"Mail Server Action", {"account": email_account.name, "action": "Mark Unread"}
		)
		wait_for_flag(dovecot, mail_user, uid, email_account.name, present=False)
	finally:
		frappe.db.rollback()
		remove_archive_of(email_account.name)
		frappe.db.commit()


def wait_for_flag(dovecot, user: str, uid: int, account: str, present: bool) -> None:
	"""Apply the queued action and see the server. The bench's worker may be applying it right
	now; then run_apply_job finds the account locked and the loop waits for the worker."""
	deadline = time.monotonic() + 30
	while ("\\Seen" in dovecot.flags(user)[uid]) != present and time.monotonic() < deadline:
		frappe.db.rollback()  # a fresh snapshot: the desk queued the action after ours began
		run_apply_job(account)
		time.sleep(0.5)
	frappe.db.rollback()
	actions = frappe.get_all("Mail Server Action", {"account": account}, ["action", "status", "last_error"])
	assert ("\\Seen" in dovecot.flags(user)[uid]) == present, actions
