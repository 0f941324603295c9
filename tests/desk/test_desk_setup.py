"""An administrator with a German desk in Debian's Chromium: a mailbox is connected in one dialog
(a preset fills the servers, the connection test says in German why a wrong password fails, saving
makes the account and the first sync shows in its status line, folders by their German names), and
the dialogs a new user stumbled over read right: the blocklist warning, the erasure (preview first,
Erase only when something would be erased) and the import result. Mail is hostile throughout.
Screenshots go to tests/.artifacts/."""

from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import run_sync_job, sync_account
from crm_mail_archive.mailbox.presets import PRESETS
from tests.support import (
	ARTIFACTS,
	a_mail,
	close_dialogs,
	copies_of,
	import_result,
	logged_in_page,
	make_user,
	remove_archive_of,
	remove_queued_sync,
	run_background_jobs,
)

pytestmark = pytest.mark.slow

HOSTILE = "<img src=x onerror=window.__hit=1>"


@pytest.fixture
def german_admin(committed_cleanup) -> tuple[str, str]:
	password = f"Pw-{frappe.generate_hash(length=16)}"
	email = make_user("System Manager", "Sales Manager", "Sales User", password=password, first_name="Greta")
	frappe.db.set_value("User", email, "language", "de")
	frappe.db.commit()
	committed_cleanup("User", email)
	return email, password


@pytest.fixture
def german_page(browser, web_server, german_admin):
	page = logged_in_page(browser, web_server, german_admin, locale="de-DE")
	page.errors = []
	page.on("pageerror", lambda error: page.errors.append(str(error)))
	yield page
	page.context.close()


@pytest.fixture
def accounts_made_in_the_desk():
	made: list[str] = []
	yield made
	frappe.db.rollback()
	for name in made:
		remove_queued_sync(name)
		remove_archive_of(name)
	frappe.db.commit()


# every string the page asks __() for from here on that the German catalogue lacks
RECORD_UNTRANSLATED = """() => {
	window.__untranslated = [];
	if (window.__recording) return;
	window.__recording = true;
	const german = new Set(Object.values(frappe._messages));
	const translate = window.__;
	window.__ = function (text, replace, context) {
		const known = (context && frappe._messages[`${text}:${context}`]) || frappe._messages[text];
		// not: German already (a translated label translated again), field names, HTML, numbers
		const words = typeof text === "string" && /[A-Z][a-z]/.test(text) && !/^[a-z_0-9]+$/.test(text) && !/[<>]/.test(text);
		if (words && !known && !german.has(text)) window.__untranslated.push(text);
		return translate.apply(this, arguments);
	};
}"""


PROVIDER_NAMES = {item.label for item in PRESETS}  # names, not words


def untranslated(page) -> list[str]:
	return sorted(set(page.evaluate("() => window.__untranslated")))


def field(dialog, fieldname: str, tag: str = "input"):
	return dialog.locator(f"{tag}[data-fieldname='{fieldname}']")


def test_an_admin_connects_a_mailbox_in_one_dialog_and_follows_the_first_sync(
	german_page, web_server, socketio, dovecot, mail_user, german_admin, accounts_made_in_the_desk
):
	page = german_page
	dovecot.append(mail_user, a_mail(f"{HOSTILE} Erste Anfrage"))
	dovecot.append(
		mail_user, a_mail("Unser Angebot", sender=mail_user, to="kunde@beispiel.de"), folder="Sent"
	)
	page.goto(f"{web_server}/app/mail-archive-account/new")
	dialog = page.locator(".modal.show", has_text="Postfach einrichten")
	dialog.wait_for(timeout=60_000)  # a new account opens the dialog by itself
	page.wait_for_timeout(500)  # shown, not still fading in
	dialog.locator(".btn-modal-close").click()
	dialog.wait_for(state="hidden", timeout=30_000)
	assert page.locator(".modal.show").count() == 0  # offered once
	# opened again from its button, every string it asks for is recorded
	page.evaluate(RECORD_UNTRANSLATED)
	page.locator(
		".page-actions button:visible, .form-inner-toolbar button:visible", has_text="Postfach einrichten"
	).first.click()
	dialog.wait_for(timeout=30_000)

	# a provider's preset fills the servers
	field(dialog, "preset", "select").select_option("ionos")
	assert field(dialog, "imap_host").input_value() == "imap.ionos.de"
	assert field(dialog, "imap_port").input_value() == "993"
	assert field(dialog, "smtp_host").input_value() == "smtp.ionos.de"
	assert field(dialog, "smtp_port").input_value() == "587"

	# the test Dovecot, entered by hand; a wrong password first
	field(dialog, "preset", "select").select_option("manual")
	field(dialog, "email_address").fill(mail_user)
	field(dialog, "imap_host").fill("127.0.0.1")
	field(dialog, "imap_port").fill(str(dovecot.imap_port))
	field(dialog, "imap_security", "select").select_option("plain")
	field(dialog, "smtp_host").fill("")
	field(dialog, "password").fill("falsches-Passwort")
	dialog.locator(".btn-modal-secondary", has_text="Verbindung testen").click()
	failed = dialog.locator(".mail-archive-connection-failed")
	try:
		failed.wait_for(timeout=60_000)  # Dovecot delays a refused login; the machine is shared
	except Exception:
		page.screenshot(path=str(ARTIFACTS / "mailbox-setup-debug.png"))
		raise AssertionError(page.locator(".modal.show").all_inner_texts()) from None
	assert "Der Server hat die Anmeldung abgelehnt" in failed.inner_text()
	assert "falsches-Passwort" not in dialog.locator(".mail-archive-connection-result").inner_text()
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "mailbox-setup-wrong-password.png"))

	field(dialog, "password").fill(dovecot.password(mail_user))
	dialog.locator(".btn-modal-secondary", has_text="Verbindung testen").click()
	connected = dialog.locator(".mail-archive-connection-ok")
	connected.wait_for(timeout=30_000)
	assert "Verbunden." in connected.inner_text()
	assert dialog.locator(".mail-archive-connection-failed").count() == 0
	missing = untranslated(page)
	assert [
		text for text in missing if text not in PROVIDER_NAMES
	] == [], missing  # the dialog, its presets and both connection results

	dialog.locator(".btn-modal-primary, .btn-primary", has_text="Speichern").first.click()
	page.wait_for_url(f"**/app/mail-archive-account/{quote(mail_user)}", timeout=60_000)
	frappe.db.rollback()  # the web server committed it
	account = frappe.db.get_value("Mail Archive Account", {"email_account": mail_user})
	assert account
	accounts_made_in_the_desk.append(account)
	assert frappe.db.get_value("Mail Archive Account", account, "account_owner") == german_admin[0]
	assert frappe.db.get_value("Email Account", mail_user, ["enable_incoming", "use_imap"]) == (0, 1)
	assert remove_queued_sync(account), "saving queued no first sync"

	# the first sync, run here: its progress in the status line, folder by folder, nothing covering the form
	page.locator(".mail-archive-status").wait_for(timeout=60_000)
	page.wait_for_function("() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30_000)
	run_sync_job(account)
	progress = page.locator(".mail-archive-sync-progress")
	page.wait_for_function(
		"""() => { const text = document.querySelector('.mail-archive-sync-progress')?.innerText || '';
		return text.includes('Posteingang: 1 von 1 E-Mails') && text.includes('Gesendet: 1 von 1 E-Mails'); }""",
		timeout=30_000,
	)
	assert page.locator(".modal.show").count() == 0
	# the reloaded form: the folders by their German names, the last sync counted both; the
	# finished progress stays
	page.locator(".mail-archive-last-result", has_text="2 neue E-Mails").wait_for(timeout=30_000)
	assert "Synchronisierung abgeschlossen" in progress.inner_text()
	assert "Gesendet: 1 von 1 E-Mails" in progress.inner_text()
	grid = page.locator(".frappe-control[data-fieldname='folders'] .grid-body")
	assert "Posteingang" in grid.inner_text() and "INBOX" not in grid.inner_text()
	page.screenshot(path=str(ARTIFACTS / "mailbox-setup-first-sync.png"))

	# a folder named like markup: its progress is text
	hostile_folder = "Kunden <img src=y onerror=window.__hit=2>"
	dovecot.append(mail_user, a_mail("Im Ordner"), folder=hostile_folder)
	run_sync_job(account, folder=hostile_folder)
	progress.filter(has_text=hostile_folder).wait_for(timeout=30_000)
	assert progress.locator("img, [onerror]").count() == 0
	assert "Posteingang" not in progress.inner_text()  # a new sync starts a new line
	assert page.evaluate("() => window.__hit") is None and page.errors == []


def test_the_email_account_of_an_archived_mailbox_offers_no_pull(
	german_page, web_server, mail_user, make_archive_account
):
	page = german_page
	account = make_archive_account(mail_user)
	frappe.db.set_value("Email Account", account.email_account, "enable_incoming", 1)  # as an admin might
	frappe.db.commit()
	page.goto(f"{web_server}/app/email-account/{quote(account.email_account)}")
	intro = page.locator(".form-message", has_text="E-Mail-Archiv-Konto")
	intro.wait_for(timeout=60_000)
	assert "nicht hier abgerufen" in intro.inner_text()
	page.wait_for_timeout(1000)  # stock's refresh has added its buttons by now
	assert page.locator("button:visible", has_text="E-Mails abrufen").count() == 0


@pytest.fixture
def german_seller_page(browser, web_server, committed_cleanup):
	"""A Sales User with a German desk (the holder of the mailbox)."""
	password = f"Pw-{frappe.generate_hash(length=16)}"
	email = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", email, "language", "de")
	frappe.db.commit()
	committed_cleanup("User", email)
	page = logged_in_page(browser, web_server, (email, password), locale="de-DE")
	page.user = email
	page.errors = []
	page.on("pageerror", lambda error: page.errors.append(str(error)))
	yield page
	page.context.close()


def test_blocklist_erasure_and_import_dialogs_read_right_in_german(
	german_page,
	german_seller_page,
	web_server,
	socketio,
	dovecot,
	mail_user,
	make_archive_account,
	crm,
	tmp_path,
):
	page, seller = german_page, german_seller_page
	customer = crm.customer("Sperrkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	dovecot.append(mail_user, a_mail(f"{HOSTILE} Anfrage", sender=sender, sender_name=f"{HOSTILE} Anna"))
	account = make_archive_account(mail_user, account_owner=seller.user)
	sync_account(account.name)
	(copy,) = copies_of(account)

	# the holder reads the mail: its folder by its German name, archived (not "created by you")
	seller.goto(f"{web_server}/app/communication/{quote(copy.communication)}")
	seller.locator(".mail-archive-mail").wait_for(timeout=60_000)
	assert "Posteingang" in seller.locator(".mail-archive-headers").inner_text()
	created = seller.locator(".form-sidebar .created-by")
	created.wait_for(timeout=30_000)
	assert created.inner_text().startswith(f"Archiviert aus {account.email_account}")
	assert "Von Ihnen erstellt" not in seller.locator(".form-sidebar, .new-timeline").first.inner_text()

	# the blocklist warning: who the domain belongs to, and the filings in words
	page.goto(f"{web_server}/app/archive-blocklist/new")
	page.locator("select[data-fieldname='entry_type']").wait_for(timeout=60_000)
	page.locator("select[data-fieldname='entry_type']").select_option("Domain")
	page.locator("input[data-fieldname='value']").fill(sender.split("@")[1])
	page.keyboard.press("Control+s")
	warning = page.locator(".modal.show", has_text="Trotzdem sperren?")
	warning.wait_for(timeout=30_000)
	owners = warning.locator(".blocklist-owners").inner_text()
	assert "gehört zu diesen Kunden und Lieferanten:" in owners
	assert customer in warning.locator("li").first.inner_text()
	assert (
		warning.locator(".blocklist-filings").inner_text()
		== "Die Sperre entfernt 2 automatische Ablagen bereits abgelegter E-Mails."
	)
	page.screenshot(path=str(ARTIFACTS / "blocklist-warning-de.png"))
	warning.locator(".btn-modal-secondary, .btn-secondary", has_text="Nein").first.click()
	warning.wait_for(state="hidden", timeout=30_000)

	# erasure: the preview first; nothing erasable, nothing to press; then the reason
	page.goto(f"{web_server}/app/mail-archive-settings")
	page.locator(".page-title").wait_for(timeout=60_000)
	page.evaluate(RECORD_UNTRANSLATED)
	page.locator(
		".page-actions button, .form-inner-toolbar button", has_text="Personenbezogene Daten"
	).first.click(timeout=60_000)
	dialog = page.locator(".modal.show", has_text="Personenbezogene Daten")
	dialog.wait_for(timeout=30_000)
	assert dialog.locator("textarea[data-fieldname='reason']:visible").count() == 0
	field(dialog, "address").fill(sender)
	dialog.locator(".btn-primary", has_text="Zeigen, was getilgt").click()
	preview = dialog.locator(".mail-erasure-preview")
	preview.wait_for(timeout=30_000)
	assert preview.inner_text() == "0 E-Mails würden getilgt, 1 bleiben erhalten."  # within its retention
	erase = dialog.locator(".btn-primary", has_text="Tilgen")
	assert erase.is_disabled()
	assert dialog.locator("textarea[data-fieldname='reason']:visible").count() == 0
	frappe.db.set_value(
		"Communication",
		copy.communication,
		"communication_date",
		"2012-03-01 10:00:00",
		update_modified=False,
	)
	frappe.db.commit()
	page.keyboard.press("Escape")
	dialog.wait_for(state="hidden", timeout=30_000)
	page.locator(
		".page-actions button, .form-inner-toolbar button", has_text="Personenbezogene Daten"
	).first.click()
	dialog.wait_for(timeout=30_000)
	field(dialog, "address").fill(sender)
	dialog.locator(".btn-primary", has_text="Zeigen, was getilgt").click()
	dialog.locator(".mail-erasure-preview", has_text="1 E-Mail würde getilgt").wait_for(timeout=30_000)
	assert dialog.locator("textarea[data-fieldname='reason']:visible").count() == 1
	assert not dialog.locator(".btn-primary", has_text="Tilgen").is_disabled()
	page.screenshot(path=str(ARTIFACTS / "erasure-preview-de.png"))
	assert untranslated(page) == []
	page.keyboard.press("Escape")
	assert frappe.db.exists("Communication", copy.communication)  # nothing erased without the reason

	# the holder imports files: green words for what worked, German reasons for what did not
	good = tmp_path / "angebot.eml"
	good.write_bytes(a_mail(f"{HOSTILE} Altes Angebot", sender=sender))
	binary = tmp_path / "bild.eml"
	binary.write_bytes(b"\x00\x01\x02 kein Text")
	seller.goto(f"{web_server}/app/customer/{quote(customer)}")
	seller.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	seller.locator(".mail-archive-import").wait_for(timeout=30_000)
	with seller.expect_file_chooser() as chooser:
		seller.locator(".mail-archive-import").click()
	chooser.value.set_files([str(good), str(binary)])
	result = import_result(seller)  # the import runs in the test's burst worker
	text = result.inner_text()
	assert "2 E-Mails aus den Dateien gelesen: 1 neu, 0 schon im Archiv." in text
	assert "1 konnten nicht gelesen werden" in text
	reason = seller.locator(".mail-import-reason").first.inner_text()
	assert reason.endswith("bild.eml: Die Datei enthält Binärdaten, keine E-Mail."), reason
	assert "NotAMail" not in reason
	# some files unreadable: orange, not red
	shown = seller.locator(".modal.show:has(.mail-import-result)")
	assert shown.locator(".modal-header .indicator.orange").count() == 1
	assert "einige unlesbar" in shown.locator(".modal-title").inner_text()
	seller.screenshot(path=str(ARTIFACTS / "import-result-de.png"))
	close_dialogs(seller)

	# every file read: green
	other = tmp_path / "zweites-angebot.eml"
	other.write_bytes(a_mail("Zweites Angebot", sender=sender))
	with seller.expect_file_chooser() as chooser:
		seller.locator(".mail-archive-import").click()
	chooser.value.set_files([str(other)])
	shown = seller.locator(".modal.show:has(.mail-import-result)")
	for _attempt in range(20):
		run_background_jobs()
		try:
			shown.wait_for(timeout=3_000)
			break
		except Exception:
			continue
	assert shown.locator(".modal-header .indicator.green").count() == 1
	assert shown.locator(".modal-title").inner_text().strip() == "E-Mails importiert"
	assert "1 E-Mail aus der Datei gelesen: 1 neu" in shown.locator(".mail-import-result").inner_text()
	assert seller.evaluate("() => window.__hit") is None and seller.errors == []
	assert page.evaluate("() => window.__hit") is None and page.errors == []
