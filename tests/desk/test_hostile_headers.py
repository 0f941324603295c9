"""Everything a mail or a mail server says is text on every desk surface: hostile subjects, display
names, encoded-word subjects, attachment names, a Content-ID that tries to break out of `src`, and a
hostile server folder name are synced, filed at a Customer, and then every surface that shows them
is opened in Debian's Chromium (Customer with its timeline and Email Archive tab, Contact, each mail,
the Communication list and report, the account with its folder dialogs and sync progress, the
mailbox copies, the file list). Nothing may run, no element may be injected, no dialog may open."""

import base64
import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, logged_in_page, original_of

pytestmark = pytest.mark.slow

# every payload calls __pwn (defined before the desk loads) and carries data-pwn on its element
INIT_SCRIPT = "window.__pwned = []; window.__pwn = (where) => window.__pwned.push(String(where));"
INJECTION_PROBE = """() => ({
	ran: window.__pwned,
	elements: document.querySelectorAll('[data-pwn]').length,
	handlers: [...document.querySelectorAll('*')].filter((element) =>
		[...element.attributes].some((a) => a.name.startsWith('on') && a.value.includes('__pwn'))).length,
})"""


def img(where: str) -> str:
	return f"<img src=x data-pwn=1 onerror=__pwn('{where}')>"


def encoded_word(text: str) -> str:
	return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def hostile_mails(customer_address: str, mailbox: str) -> list[bytes]:
	tag = uuid.uuid4().hex[:8]
	headers_mail = f"""From: "{img("from-name")}" <{customer_address}>
To: "\\"><svg data-pwn=1 onload=__pwn('to-name')>" <{mailbox}>
Cc: "<script data-pwn=1>__pwn('cc-name')</script>" <{customer_address}>
Subject: {img("subject")} Angebot
Message-ID: <headers-{tag}@kunde.example>
Date: Tue, 01 Dec 2026 10:00:00 +0100
Content-Type: text/plain; charset=utf-8

Guten Tag, anbei die Kopfzeilen.
"""
	encoded_mail = f"""From: Kunde <{customer_address}>
To: {mailbox}
Subject: {encoded_word("<script data-pwn=1>__pwn('encoded-subject')</script>")} {encoded_word(img("encoded-img"))}
Message-ID: <encoded-{tag}@kunde.example>
Date: Tue, 01 Dec 2026 10:01:00 +0100
Content-Type: text/plain; charset=utf-8

Kodierter Betreff.
"""
	cid = 'y" style="x" onerror="__pwn(\'cid\')'
	png = base64.b64encode(
		bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
	).decode()
	cid_mail = f"""From: Kunde <{customer_address}>
To: {mailbox}
Subject: Logo im Anhang
Message-ID: <cid-{tag}@kunde.example>
Date: Tue, 01 Dec 2026 10:02:00 +0100
MIME-Version: 1.0
Content-Type: multipart/related; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<p>Unser Logo:</p><img src="cid:y&quot; style=&quot;x&quot; onerror=&quot;__pwn('cid')"><p>cid:{cid}</p>
--b1
Content-Type: image/png; name="logo.png"
Content-Transfer-Encoding: base64
Content-ID: <{cid}>

{png}
--b1
Content-Type: application/pdf; name="{img("file")}.pdf"
Content-Disposition: attachment; filename="{img("file")}.pdf"
Content-Transfer-Encoding: base64

{base64.b64encode(b"%PDF-1.4 Angebot").decode()}
--b1--
"""
	folder_mail = f"""From: Kunde <{customer_address}>
To: {mailbox}
Subject: Im seltsamen Ordner
Message-ID: <folder-{tag}@kunde.example>
Date: Tue, 01 Dec 2026 10:03:00 +0100
Content-Type: text/plain; charset=utf-8

Ordnerpost.
"""
	return [m.replace("\n", "\r\n").encode() for m in (headers_mail, encoded_mail, cid_mail, folder_mail)]


HOSTILE_FOLDER = "<img src=x data-pwn=1 onerror=__pwn('folder')>"
# on the server but not synced: offered by the Add Folder dialog
UNSYNCED_HOSTILE_FOLDER = "\"><svg data-pwn=1 onload=__pwn('unsynced-folder')>"


@pytest.fixture
def hostile_world(dovecot, mail_user, make_archive_account, crm, desk_user):
	customer = crm.customer("Feindkunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	headers, encoded, cid, folder = hostile_mails(sender, mail_user)
	for raw in (headers, encoded, cid):
		dovecot.append(mail_user, raw)
	dovecot.create_folder(mail_user, HOSTILE_FOLDER)
	dovecot.create_folder(mail_user, UNSYNCED_HOSTILE_FOLDER)
	dovecot.append(mail_user, folder, folder=HOSTILE_FOLDER)
	account = make_archive_account(mail_user, account_owner=desk_user[0])
	sync_account(account.name)
	sync_account(account.name, folder=HOSTILE_FOLDER)
	communications = frappe.get_all(
		"Mailbox Copy", {"account": account.name, "status": "Stored"}, pluck="communication"
	)
	assert len(set(communications)) == 4, "every hostile mail is archived"
	frappe.db.commit()
	return account, customer, contact, sorted(set(communications))


def visit(page, url: str, ready: str, surface: str, found: dict) -> None:
	page.goto(url)
	page.locator(ready).first.wait_for(timeout=60_000)
	probe(page, surface, found)


def probe(page, surface: str, found: dict) -> None:
	page.wait_for_timeout(1500)  # give anything hostile the time to run
	found[surface] = page.evaluate(INJECTION_PROBE)


def test_no_mail_or_server_value_becomes_markup_on_any_desk_surface(
	browser,
	web_server,
	socketio,
	desk_user,
	hostile_world,
):
	account, customer, contact, communications = hostile_world
	page = logged_in_page(browser, web_server, desk_user)
	page.add_init_script(INIT_SCRIPT)
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	found: dict[str, dict] = {}
	ARTIFACTS.mkdir(exist_ok=True)
	try:
		visit(
			page,
			f"{web_server}/app/customer/{quote(customer)}",
			".timeline-message-box",
			"customer timeline",
			found,
		)
		page.locator(".form-tabs .nav-link", has_text="Email Archive").click()
		page.locator(".mail-archive-row").first.wait_for(timeout=30_000)
		probe(page, "customer email archive tab", found)
		page.screenshot(path=str(ARTIFACTS / "hostile-headers-customer.png"))

		visit(
			page,
			f"{web_server}/app/contact/{quote(contact)}",
			".timeline-message-box",
			"contact timeline",
			found,
		)

		for communication in communications:
			url = f"{web_server}/app/communication/{quote(communication)}"
			visit(page, url, ".mail-archive-state", f"mail {communication}", found)

		visit(
			page,
			f"{web_server}/printview?doctype=Communication&name={quote(communications[0])}",
			".print-format",
			"print view",
			found,
		)

		visit(
			page,
			f"{web_server}/app/communication?email_account={quote(account.email_account)}",
			".list-row-container",
			"communication list",
			found,
		)
		visit(
			page,
			f"{web_server}/app/communication/view/report?email_account={quote(account.email_account)}",
			".dt-row",
			"communication report",
			found,
		)

		page.goto(f"{web_server}/app/mail-archive-account/{quote(account.name)}")
		page.locator("button", has_text="Sync Now").first.wait_for(timeout=60_000)
		probe(page, "account form", found)
		for button in ("Add Folder", "Sync Folder…"):
			page.locator("button", has_text=button).first.click()
			page.locator(".modal.show select").first.wait_for(timeout=30_000)
			probe(page, f"account {button} dialog", found)
			page.keyboard.press("Escape")
			page.locator(".modal.show").wait_for(state="detached", timeout=10_000)
		page.wait_for_function(
			"() => frappe.realtime.socket && frappe.realtime.socket.connected", timeout=30_000
		)
		frappe.publish_realtime(
			"mail_archive_sync_progress",
			{"account": account.name, "folder": HOSTILE_FOLDER, "done": 1, "total": 2},
			doctype="Mail Archive Account",
			docname=account.name,
			after_commit=False,
		)
		# the progress is shown in the account's status line, the folder's name as text
		page.locator(".mail-archive-sync-progress .mail-archive-folder-progress").wait_for(timeout=30_000)
		probe(page, "sync progress", found)
		page.screenshot(path=str(ARTIFACTS / "hostile-headers-progress.png"))

		visit(
			page,
			f"{web_server}/app/mailbox-copy?account={quote(account.name)}",
			".list-row-container",
			"mailbox copy list",
			found,
		)
		hostile_copy = frappe.get_all(
			"Mailbox Copy", {"account": account.name, "folder": HOSTILE_FOLDER}, pluck="name"
		)[0]
		visit(
			page,
			f"{web_server}/app/mailbox-copy/{quote(hostile_copy)}",
			".frappe-control[data-fieldname='folder']",
			"mailbox copy form",
			found,
		)
	finally:
		page.context.close()

	hits = {
		surface: result
		for surface, result in found.items()
		if result["ran"] or result["elements"] or result["handlers"]
	}
	assert hits == {}, hits
	assert dialogs == []
	assert len(found) == 12 + len(communications)  # every surface was really looked at
	# (the File list shows none of their attachments: the archive keeps them, not File records)
	assert not frappe.get_all(
		"File", {"attached_to_doctype": "Communication", "attached_to_name": ("in", communications)}
	)


def test_the_hostile_values_are_stored_as_the_mails_own_text(hostile_world):
	"""Inert where they are shown (above), exact where they are kept: the data is the mail's text."""
	account, _customer, _contact, communications = hostile_world
	rows = frappe.get_all(
		"Communication",
		{"name": ("in", communications)},
		["subject", "sender_full_name", "recipients", "cc", "content", "imap_folder"],
	)
	subjects = {row.subject for row in rows}
	assert f"{img('subject')} Angebot" in subjects
	# (the space between two encoded words is not part of the text: RFC 2047)
	assert "<script data-pwn=1>__pwn('encoded-subject')</script>" + img("encoded-img") in subjects
	assert img("from-name") in {row.sender_full_name for row in rows}
	assert HOSTILE_FOLDER in {row.imap_folder for row in rows}
	for row in rows:  # addresses as addresses: the names are kept beside them
		for field in ("subject", "sender_full_name", "recipients", "cc", "imap_folder"):
			assert "&lt;" not in (row[field] or ""), (field, row[field])
		assert "<" not in (row.recipients or "") + (row.cc or "")
		assert "onerror" not in row.content.replace("&quot;", '"').split("<p>cid:")[0]
	files = frappe.get_all("Mail Attachment", {"communication": ("in", communications)}, pluck="file_name")
	assert "_img src=x data-pwn=1 onerror=__pwn(_file_)_.pdf" in files
	# the exact headers stay in the original message
	assert any(b"onerror=__pwn('subject')" in original_of(name) for name in communications)
	assert frappe.db.exists("Mailbox Copy", {"account": account.name, "folder": HOSTILE_FOLDER})
