"""An account's completeness in the desk, in Chromium, in German: a mailbox where two mails were
deleted on the server before the sync archived them, and a folder with a hostile name. The Mail
Archive Manager who manages the accounts, and the Sales User who holds the mailbox (she opens her
own account), both read in the status line and the "Vollständigkeit" section what the server
held, what is archived and what is missing and why; the folder's name shows as text."""

import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, logged_in_page, make_user

pytestmark = pytest.mark.slow

HOSTILE_FOLDER = "<img src=x data-pwn=1 onerror=__pwn('completeness')>"
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"
INJECTION_PROBE = "() => ({ ran: window.__pwned, elements: document.querySelectorAll('[data-pwn]').length })"


def german_user(committed_cleanup, role: str, first_name: str) -> tuple[str, str]:
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user(role, password=password, first_name=first_name)
	frappe.db.set_value("User", email, "language", "de")
	committed_cleanup("User", email)
	return email, password


@pytest.fixture
def mailbox_with_gaps(dovecot, mail_user, make_archive_account, committed_cleanup):
	holder = german_user(committed_cleanup, "Sales User", "Sina")
	dovecot.create_folder(mail_user, HOSTILE_FOLDER)
	dovecot.append(mail_user, a_mail("Im Ordner"), folder=HOSTILE_FOLDER)
	dovecot.append_many(mail_user, [a_mail("Eins"), a_mail("Zwei")])
	account = make_archive_account(mail_user, account_owner=holder[0])
	sync_account(account.name)
	sync_account(account.name, folder=HOSTILE_FOLDER)
	first, _kept, last = dovecot.append_many(mail_user, [a_mail("Weg 1"), a_mail("Bleibt"), a_mail("Weg 2")])
	with dovecot.session(mail_user) as client:  # deleted in the user's mail client before the next sync
		client.select_folder("INBOX")
		client.delete_messages([first, last])
		client.uid_expunge([first, last])
	sync_account(account.name)
	frappe.db.commit()
	return account, holder


def test_the_account_shows_its_completeness_in_german_to_its_manager_and_its_holder(
	browser, web_server, mailbox_with_gaps, committed_cleanup
):
	account, holder = mailbox_with_gaps
	manager = german_user(committed_cleanup, "Mail Archive Manager", "Martin")
	frappe.db.commit()
	for user, who in ((manager, "manager"), (holder, "holder")):
		page = logged_in_page(browser, web_server, user, locale="de-DE")
		page.add_init_script(INIT_SCRIPT)
		try:
			page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")
			section = page.locator(".mail-archive-completeness")
			section.wait_for(timeout=60_000)
			assert (
				section.locator(".mail-archive-completeness-title").inner_text().strip() == "Vollständigkeit"
			)
			# the status line: Inbox 5 held (2 + 3), 3 archived; the hostile folder 1 and 1
			line = page.locator(".mail-archive-completeness-line").inner_text().strip()
			assert line == "6 auf dem Server, 4 archiviert, 2 fehlen", who
			headers = [text.strip() for text in section.locator("th").all_inner_texts()]
			assert {"Ordner", "Gezählt seit", "Auf dem Server", "Vor der Archivierung gelöscht"} <= set(
				headers
			)
			inbox = section.locator("tr.mail-archive-completeness-folder", has_text="Posteingang")
			figures = {
				name: inbox.locator(f"[data-figure='{name}']").inner_text().strip()
				for name in ("held", "archived", "expunged_unarchived", "quarantined", "before_first_sync")
			}
			assert figures == {
				"held": "5",
				"archived": "3",
				"expunged_unarchived": "2",
				"quarantined": "0",
				"before_first_sync": "0",
			}, who
			# the server's folder name is text, not markup
			hostile = section.locator("tr.mail-archive-completeness-folder", has_text=HOSTILE_FOLDER)
			assert hostile.locator("[data-figure='archived']").inner_text().strip() == "1"
			page.wait_for_timeout(1000)  # give anything hostile the time to run
			assert page.evaluate(INJECTION_PROBE) == {"ran": [], "elements": 0}
			ARTIFACTS.mkdir(exist_ok=True)
			page.screenshot(path=str(ARTIFACTS / f"account-completeness-{who}-de.png"), full_page=True)
		finally:
			page.context.close()
