"""The Email Archive tab is live and reading follows the reader, in Debian's Chromium as a German
Sales User holding their own mailbox: new mail synced from Dovecot appears in the open tab without a
reload (socket.io), inert however hostile its subject and sender; opening a mail in the reader and
previewing it for the settings' delay mark it read, in the desk and on the server (\\Seen read back
from Dovecot); selected rows are marked read, unread and trashed on the server in one go; sent mail
shows whom it went to ("An: …") in the list, the preview and the reader."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from tests.support import (
	ARTIFACTS,
	a_mail,
	copies_of,
	eventually,
	logged_in_page,
	make_user,
	run_background_jobs,
)

pytestmark = pytest.mark.slow

HOSTILE_SUBJECT = "Angebot <img src=x onerror=window.__mail_xss=1> Fräsen"
HOSTILE_NAME = "<img src=x onerror=window.__mail_xss=2>Eve"
QUOTED_HOSTILE_NAME = f'"{HOSTILE_NAME}"'  # as a mail client writes a display name with < and >


@pytest.fixture
def sales_mailbox(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	"""A German Sales User holding their own mailbox (with Sent and Trash folders) and a Customer
	whose Contact wrote once: the account synced, the mail filed at the Customer."""
	password = f"Pw-{uuid.uuid4().hex}"
	user = make_user("Sales User", password=password, first_name="Greta")
	frappe.db.set_value("User", user, "language", "de")
	frappe.db.commit()
	committed_cleanup("User", user)
	for folder in ("Sent", "Trash"):
		dovecot.create_folder(mail_user, folder)
	customer = crm.customer("Livekunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	dovecot.append(mail_user, a_mail("Erste Anfrage", sender=sender, sender_name="Anna Müller"))
	account = make_archive_account(mail_user, account_owner=user)
	# their mailbox in their User Emails too, as stock keeps it (stock's Communication list and
	# counts show a non-manager only the mail of those accounts): saving the account gave it them
	assert frappe.db.exists("User Email", {"parent": user, "email_account": account.email_account})
	frappe.db.commit()
	sync_account(account.name)
	frappe.clear_cache(user=user)
	return {"user": (user, password), "account": account, "customer": customer, "sender": sender}


@pytest.fixture
def german_page(browser, web_server, socketio, sales_mailbox):
	page = logged_in_page(browser, web_server, sales_mailbox["user"], locale="de-DE")
	page.errors = []
	page.on("pageerror", lambda error: page.errors.append(str(error)))
	yield page
	page.context.close()


def open_tab(page, web_server: str, customer: str) -> None:
	page.goto(f"{web_server}/app/customer/{quote(customer)}")
	page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	page.locator(".mail-archive-row").first.wait_for(timeout=30_000)
	page.wait_for_function("() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30_000)


def communication_with_subject(account, subject: str) -> str:
	return frappe.get_all(
		"Communication", {"email_account": account.email_account, "subject": subject}, pluck="name"
	)[0]


def server_flags(dovecot, mail_user: str, account, communication: str) -> set[str]:
	"""The \\Seen and other flags Dovecot holds for the mail (its INBOX copy)."""
	frappe.db.rollback()
	(copy,) = copies_of(account, communication=communication)
	return dovecot.flags(mail_user, copy.folder)[copy.uid]


def test_new_mail_appears_in_the_open_tab_without_reload_and_stays_inert(
	german_page, web_server, sales_mailbox, dovecot, mail_user
):
	page, account = german_page, sales_mailbox["account"]
	open_tab(page, web_server, sales_mailbox["customer"])
	assert page.locator(".mail-archive-row").count() == 1
	assert page.locator(".mail-archive-count").inner_text() == "1 E-Mail, 1 ungelesen"
	page.evaluate("() => { window.__not_reloaded = true; }")

	dovecot.append(
		mail_user, a_mail(HOSTILE_SUBJECT, sender=sales_mailbox["sender"], sender_name=QUOTED_HOSTILE_NAME)
	)
	sync_account(account.name)  # stores, files and tells the readers after its commit

	page.locator(".mail-archive-row", has_text="Fräsen").wait_for(timeout=30_000)
	assert page.evaluate("() => window.__not_reloaded") is True
	row = page.locator(".mail-archive-row", has_text="Fräsen")
	assert "<img src=x" in row.inner_text()  # shown as the text it is
	assert "Eve" in row.locator(".mail-archive-counterpart").inner_text()
	assert page.locator(".mail-archive-rows img").count() == 0
	assert page.evaluate("() => window.__mail_xss") is None
	# unread: bold, and counted
	assert "mail-archive-unread" in row.get_attribute("class")
	assert row.locator(".mail-archive-subject-cell.bold").count() == 1
	assert page.locator(".mail-archive-count").inner_text() == "2 E-Mails, 2 ungelesen"
	assert page.errors == []
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "email-archive-live-de.png"))


def test_opening_a_mail_in_the_reader_marks_it_read_on_the_server(
	german_page, web_server, sales_mailbox, dovecot, mail_user
):
	page, account = german_page, sales_mailbox["account"]
	communication = communication_with_subject(account, "Erste Anfrage")
	assert "\\Seen" not in server_flags(dovecot, mail_user, account, communication)

	page.goto(f"{web_server}/app/communication/{quote(communication)}")
	page.locator(".mail-archive-mail").wait_for(timeout=60_000)
	assert eventually(lambda: frappe.db.get_value("Communication", communication, "seen") == 1, 30)
	run_background_jobs()  # the server action's job, as the bench's worker runs it
	assert "\\Seen" in server_flags(dovecot, mail_user, account, communication)
	# the reader's header says who wrote, with the direction
	assert "Von: Anna Müller" in page.locator(".mail-archive-counterpart-line").inner_text()


def test_previewing_marks_read_after_the_settings_delay(
	german_page, web_server, sales_mailbox, dovecot, mail_user
):
	page, account = german_page, sales_mailbox["account"]
	frappe.db.set_single_value("Mail Archive Settings", "mark_read_after_seconds", 3)
	frappe.db.commit()
	try:
		communication = communication_with_subject(account, "Erste Anfrage")
		open_tab(page, web_server, sales_mailbox["customer"])
		page.locator(".mail-archive-row").first.click()
		page.locator(".mail-archive-preview .mail-archive-mail").wait_for(timeout=30_000)
		page.wait_for_timeout(1000)
		frappe.db.rollback()
		assert frappe.db.get_value("Communication", communication, "seen") == 0  # not yet
		assert eventually(lambda: frappe.db.get_value("Communication", communication, "seen") == 1, 30)
		# the list follows: no longer bold, no longer counted
		page.locator(".mail-archive-count", has_text="1 E-Mail").wait_for(timeout=30_000)
		page.wait_for_function(
			"() => !document.querySelector('.mail-archive-row.mail-archive-unread')", timeout=30_000
		)
		assert page.locator(".mail-archive-count").inner_text() == "1 E-Mail"
		run_background_jobs()
		assert "\\Seen" in server_flags(dovecot, mail_user, account, communication)
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "mark_read_after_seconds", 2)
		frappe.db.commit()


def test_bulk_read_unread_and_trash_on_selected_rows_reach_the_server(
	german_page, web_server, sales_mailbox, dovecot, mail_user
):
	page, account = german_page, sales_mailbox["account"]
	dovecot.append(
		mail_user, a_mail("Zweite Anfrage", sender=sales_mailbox["sender"], sender_name="Anna Müller")
	)
	sync_account(account.name)
	first = communication_with_subject(account, "Erste Anfrage")
	second = communication_with_subject(account, "Zweite Anfrage")
	open_tab(page, web_server, sales_mailbox["customer"])
	page.locator(".mail-archive-row").nth(1).wait_for(timeout=30_000)
	assert page.locator(".mail-archive-bulk:visible").count() == 0

	page.locator(".mail-archive-select-all").check()
	bulk = page.locator(".mail-archive-bulk")
	assert "2 ausgewählt" in bulk.inner_text()
	bulk.locator("button", has_text="Als gelesen markieren").click()
	assert eventually(
		lambda: {frappe.db.get_value("Communication", name, "seen") for name in (first, second)} == {1}, 30
	)
	run_background_jobs()
	assert all("\\Seen" in server_flags(dovecot, mail_user, account, name) for name in (first, second))
	page.wait_for_function(
		"() => !document.querySelector('.mail-archive-row.mail-archive-unread')", timeout=30_000
	)

	page.locator(f".mail-archive-row[data-name='{second}'] .mail-archive-select").check()
	bulk.locator("button", has_text="Als ungelesen markieren").click()
	assert eventually(lambda: frappe.db.get_value("Communication", second, "seen") == 0, 30)
	run_background_jobs()
	assert "\\Seen" not in server_flags(dovecot, mail_user, account, second)
	assert "\\Seen" in server_flags(dovecot, mail_user, account, first)
	page.locator(f".mail-archive-row.mail-archive-unread[data-name='{second}']").wait_for(timeout=30_000)

	# the row's own toggle: read again
	page.locator(f".mail-archive-row[data-name='{second}'] .mail-archive-toggle-read").click()
	assert eventually(lambda: frappe.db.get_value("Communication", second, "seen") == 1, 30)

	page.locator(f".mail-archive-row[data-name='{first}'] .mail-archive-select").check()
	bulk.locator("button", has_text="In den Papierkorb verschieben").click()
	page.locator(".modal:visible .btn-primary", has_text="Ja").click()
	assert eventually(lambda: frappe.db.get_value("Communication", first, "email_status") == "Trash", 30)
	run_background_jobs()
	frappe.db.rollback()
	(copy,) = copies_of(account, communication=first)
	assert copy.folder == "Trash"
	assert copy.uid in dovecot.flags(mail_user, "Trash")
	assert page.errors == []


def test_sent_mail_shows_whom_it_went_to_in_the_list_the_preview_and_the_reader(
	german_page, web_server, sales_mailbox, dovecot, mail_user
):
	page, account = german_page, sales_mailbox["account"]
	dovecot.append(
		mail_user,
		a_mail(
			"Unser Angebot",
			sender=mail_user,
			sender_name="Greta Vertrieb",
			to=f"{QUOTED_HOSTILE_NAME} <{sales_mailbox['sender']}>, zweite@kunde.example",
		),
		folder="Sent",
	)
	sync_account(account.name)
	sent = communication_with_subject(account, "Unser Angebot")
	assert frappe.db.get_value("Communication", sent, "sent_or_received") == "Sent"
	open_tab(page, web_server, sales_mailbox["customer"])
	row = page.locator(f".mail-archive-row[data-name='{sent}']")
	row.wait_for(timeout=30_000)
	counterpart = row.locator(".mail-archive-counterpart").inner_text()
	assert counterpart.startswith("An: ") and "Eve" in counterpart and "+1" in counterpart
	assert "Greta" not in counterpart  # never our own address
	received = page.locator(".mail-archive-row", has_text="Erste Anfrage").locator(
		".mail-archive-counterpart"
	)
	assert received.inner_text().strip() == "Anna Müller"

	row.click()
	line = page.locator(".mail-archive-preview .mail-archive-counterpart-line")
	line.wait_for(timeout=30_000)
	assert line.inner_text().strip().startswith("An: ") and sales_mailbox["sender"] in line.inner_text()

	page.goto(f"{web_server}/app/communication/{quote(sent)}")
	reader_line = page.locator(".mail-archive-counterpart-line")
	reader_line.wait_for(timeout=60_000)
	assert reader_line.inner_text().strip().startswith("An: ")
	assert page.locator(".mail-archive-mail img[src='x']").count() == 0
	assert page.evaluate("() => window.__mail_xss") is None
	assert page.errors == []


def test_the_mail_search_page_and_the_workspace_counter_follow_new_mail(
	german_page, web_server, sales_mailbox, dovecot, mail_user
):
	page, account = german_page, sales_mailbox["account"]
	page.goto(f"{web_server}/app/mail-search")
	words = page.locator("input[data-fieldname='text']")
	words.wait_for(timeout=60_000)
	page.wait_for_function("() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30_000)
	words.fill("Nachzügler")
	page.locator(".mail-search-empty", has_text="Keine E-Mail").wait_for(timeout=30_000)

	dovecot.append(
		mail_user,
		a_mail("Nachzügler Anfrage", sender="fremd@unbekannt.example", sender_name=QUOTED_HOSTILE_NAME),
	)
	sync_account(account.name)
	row = page.locator(".mail-search-row", has_text="Nachzügler")
	row.wait_for(timeout=30_000)
	assert "mail-search-unread" in row.get_attribute("class")
	assert "Eve" in row.locator(".mail-search-counterpart").inner_text()
	assert page.evaluate("() => window.__mail_xss") is None

	page.goto(f"{web_server}/app/mail-archive")
	pill = page.locator("[shortcut_name='Unfiled Mail'] .indicator-pill")
	pill.wait_for(timeout=60_000)
	page.wait_for_function("() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30_000)
	page.wait_for_function(
		"() => document.querySelector(\"[shortcut_name='Unfiled Mail'] .indicator-pill\").innerText.trim() === '1 offen'",
		timeout=30_000,
	)
	page.evaluate("() => { window.__not_reloaded = true; }")
	dovecot.append(mail_user, a_mail("Noch ein Fremder", sender="zweiter@unbekannt.example"))
	sync_account(account.name)
	page.wait_for_function(
		"() => document.querySelector(\"[shortcut_name='Unfiled Mail'] .indicator-pill\").innerText.trim() === '2 offen'",
		timeout=30_000,
	)
	assert page.evaluate("() => window.__not_reloaded") is True
	assert page.errors == []


def test_reading_marks_read_only_in_ones_own_mailbox(sales_mailbox, committed_cleanup):
	"""What the reader and the preview are told: the holder's reading marks their mail read; a
	manager may change it but reading leaves it; a colleague who reads it by the Customer may not."""
	account = sales_mailbox["account"]
	communication = communication_with_subject(account, "Erste Anfrage")
	manager = make_user("System Manager")
	colleague = make_user("Sales User")
	frappe.db.commit()
	committed_cleanup("User", manager)
	committed_cleanup("User", colleague)
	seen = {}
	for user in (sales_mailbox["user"][0], manager, colleague):
		frappe.set_user(user)
		view = api.get_mail_view(communication)
		seen[user] = (view.own_mailbox, view.may_change, view.mark_read_after)
	frappe.set_user("Administrator")
	assert seen == {
		sales_mailbox["user"][0]: (True, True, 2.0),
		manager: (False, True, 2.0),
		colleague: (False, False, 2.0),
	}
	assert frappe.db.get_value("Communication", communication, "seen") == 0  # reading alone changes nothing
