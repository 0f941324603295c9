"""The archive's files as a salesperson meets them, and as an attacker sends them (issue 21 and 22):
a Sales User holding one mailbox, her desk in German, opens a mail whose attachments are a PDF, a
picture and every file type a browser might run (.shtml, .xhtml, .svg, .html, .xml, unknown,
a "picture" that is HTML): each is listed once, with its size and type, downloads through the app;
the PDF and the picture preview in the reader, the body's inline picture shows; nothing a mail
names is ever rendered in the desk's origin (attachment disposition, no sniffing, a sandboxing
CSP), and no stock /private/files link reaches the archive."""

from __future__ import annotations

import html
import io
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

import frappe
import pytest
import requests
from PIL import Image

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, copies_of, logged_in_page, make_user

pytestmark = pytest.mark.slow

SCRIPT = "<script>document.title='PWNED';parent.document.title='PWNED'</script>"
HOSTILE = {  # file name → bytes: everything here would run script if a browser rendered it
	"bestellung.shtml": f"<html><body>{SCRIPT}</body></html>".encode(),
	"bestellung.xhtml": f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{SCRIPT}</body></html>'.encode(),
	"logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\'PWNED\'"><script>document.title="PWNED"</script></svg>',
	"seite.html": f"<html>{SCRIPT}</html>".encode(),
	"daten.xml": b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">document.title="PWNED"</x:script>',
	"unbekannt.qqq": f"<html>{SCRIPT}</html>".encode(),
	"bild.png": f"<html>{SCRIPT}</html>".encode(),  # named a picture, is HTML: downloaded only
	'<img src=x onerror="document.title=1">.html': f"<html>{SCRIPT}</html>".encode(),
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png(color: str) -> bytes:
	buffer = io.BytesIO()
	Image.new("RGB", (24, 16), color).save(buffer, "PNG")
	return buffer.getvalue()


def hostile_mail(sender: str, to: str) -> bytes:
	message = EmailMessage()
	message["From"] = f"Anna Kunde <{sender}>"
	message["To"] = to
	message["Subject"] = "Bestellung mit Anlagen"
	message["Date"] = format_datetime(frappe.utils.now_datetime().astimezone())
	message["Message-ID"] = make_msgid(domain="kunde.example")
	message.set_content("Anbei die Bestellung.\n")
	message.add_alternative(
		'<p>Anbei die Bestellung.</p><p><img src="cid:logo-4711@kunde.example" alt="Logo"></p>',
		subtype="html",
	)
	message.get_payload()[1].add_related(
		png("red"), maintype="image", subtype="png", cid="<logo-4711@kunde.example>", filename="signatur.png"
	)
	message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Bestellschein-4711.pdf")
	message.add_attachment(png("blue"), maintype="image", subtype="png", filename="Foto.png")
	for name, content in HOSTILE.items():
		# declared as HTML: what the mail says of its type counts for nothing
		message.add_attachment(content, maintype="text", subtype="html", filename=name)
	return bytes(message)


@pytest.fixture
def seller_with_mail(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	"""A Sales User (German desk) who holds the mailbox the hostile mail arrived in; the mail is
	filed at a Customer."""
	customer = crm.customer("Anlagenkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	password = f"Pw-{uuid.uuid4().hex}"
	seller = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", seller, "language", "de")
	committed_cleanup("User", seller)
	dovecot.append(mail_user, hostile_mail(sender, mail_user))
	account = make_archive_account(mail_user, account_owner=seller)
	sync_account(account.name)
	(copy,) = copies_of(account)
	frappe.db.commit()
	frappe.clear_cache(user=seller)
	return (seller, password), customer, copy.communication


def session_of(web_server: str, user: tuple[str, str]) -> requests.Session:
	session = requests.Session()
	assert session.post(f"{web_server}/api/method/login", data={"usr": user[0], "pwd": user[1]}).ok
	return session


def test_every_attachment_is_served_as_its_bytes_say_and_never_rendered_as_a_page(
	web_server, seller_with_mail
):
	user, _customer, communication = seller_with_mail
	session = session_of(web_server, user)
	view = session.get(
		f"{web_server}/api/method/crm_mail_archive.api.get_mail_view", params={"communication": communication}
	).json()["message"]
	attachments = {attachment["file_name"]: attachment for attachment in view["attachments"]}
	assert set(attachments) >= {"Bestellschein-4711.pdf", "Foto.png", "signatur.png"}
	assert len(attachments) == len(view["attachments"])  # each once
	assert "cid:" not in view["content"] and "/private/files/" not in view["content"]
	# the inline picture, at the app's URL for it
	assert html.escape(attachments["signatur.png"]["preview_url"]) in view["content"]
	for name, attachment in attachments.items():
		for url in (attachment["download_url"], attachment["download_url"] + "&inline=1"):
			response = session.get(f"{web_server}{url}")
			assert response.status_code == 200, (name, response.text[:200])
			headers = response.headers
			assert headers["X-Content-Type-Options"] == "nosniff", name
			assert "default-src 'none'" in headers["Content-Security-Policy"], name
			shown = url.endswith("inline=1") and attachment["viewable_type"]
			if shown:
				assert headers["Content-Type"].startswith(attachment["viewable_type"]), name
				assert headers["Content-Disposition"].startswith("inline"), name
			else:
				assert headers["Content-Type"].startswith("application/octet-stream"), (name, headers)
				assert headers["Content-Disposition"].startswith("attachment"), (name, headers)
			if headers["Content-Type"] != "application/pdf":
				assert "sandbox" in headers["Content-Security-Policy"], name
	assert attachments["Bestellschein-4711.pdf"]["viewable_type"] == "application/pdf"
	assert attachments["Foto.png"]["viewable_type"] == "image/png"
	hostile = [
		a
		for a in view["attachments"]
		if a["file_name"] not in ("Bestellschein-4711.pdf", "Foto.png", "signatur.png")
	]
	assert len(hostile) == len(HOSTILE)
	for attachment in hostile:  # by their bytes: none of them is anything the desk shows
		assert not attachment["viewable_type"] and not attachment["preview_url"], attachment["file_name"]
	original = session.get(
		f"{web_server}/api/method/crm_mail_archive.api.download_original",
		params={"communication": communication},
	)
	assert original.ok and original.headers["Content-Disposition"].startswith("attachment")
	assert original.headers["X-Content-Type-Options"] == "nosniff"


def test_a_german_sales_user_opens_previews_and_downloads_attachments_and_nothing_runs(
	browser, web_server, seller_with_mail
):
	user, customer, communication = seller_with_mail
	page = logged_in_page(browser, web_server, user, locale="de-DE")
	dialogs: list[str] = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	try:
		page.goto(f"{web_server}/app/communication/{quote(communication)}")
		page.locator(".mail-archive-mail").wait_for(timeout=60_000)
		listed = page.locator(".mail-archive-attachment")
		assert listed.count() == 3 + len(HOSTILE)  # each once: no stock attachment list beside it
		assert page.locator("a[href*='/private/files/']").count() == 0
		pdf = page.locator(".mail-archive-attachment", has_text="Bestellschein-4711.pdf")
		assert "PDF" in pdf.inner_text() and "KB" in pdf.inner_text()
		# the body's inline picture shows (through the app's URL)
		page.wait_for_function(
			"() => { const i = document.querySelector('.mail-archive-body img[alt=Logo]'); return i && i.naturalWidth === 24; }",
			timeout=30_000,
		)
		# the picture and the PDF preview in the reader
		page.locator(".mail-archive-attachment", has_text="Foto.png").locator(
			".mail-archive-show-attachment"
		).click()
		page.wait_for_function(
			"() => { const i = document.querySelector('.mail-archive-preview-image'); return i && i.naturalWidth === 24; }",
			timeout=30_000,
		)
		with page.expect_response(
			lambda response: "inline=1" in response.url
			and response.request.resource_type in ("document", "sub_frame", "iframe")
		) as shown:
			pdf.locator(".mail-archive-show-attachment").click()
		assert shown.value.status == 200 and shown.value.headers["content-type"] == "application/pdf"
		page.screenshot(path=str(ARTIFACTS / "reader-attachments-de.png"))
		# a hostile file: downloaded (a download, not a page), whichever way it is asked for
		for name in ("bestellung.shtml", "logo.svg", "seite.html", "bild.png"):
			row = page.locator(".mail-archive-attachment", has_text=name).first
			assert row.locator(".mail-archive-show-attachment").count() == 0, name
			with page.expect_download() as download:
				row.locator(".mail-archive-download").click()
			assert download.value.suggested_filename == name
		href = (
			page.locator(".mail-archive-attachment", has_text="seite.html").locator("a").get_attribute("href")
		)
		for url in (href, href + "&inline=1"):
			other = page.context.new_page()
			try:
				with other.expect_download():
					try:
						other.goto(f"{web_server}{url}")
					except Exception:  # Playwright reports a navigation that became a download
						pass
			finally:
				assert other.title() != "PWNED"
				other.close()
		# the tab's preview lists and previews the same way
		page.goto(f"{web_server}/app/customer/{quote(customer)}")
		page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
		page.locator(".mail-archive-row").first.click(timeout=30_000)
		preview = page.locator(".mail-archive-preview-body")
		preview.locator(".mail-archive-attachment").first.wait_for(timeout=30_000)
		assert preview.locator(".mail-archive-attachment").count() == 3 + len(HOSTILE)
		preview.locator(".mail-archive-attachment", has_text="Foto.png").locator(
			".mail-archive-show-attachment"
		).click()
		page.wait_for_function(
			"() => { const i = document.querySelector('.mail-archive-preview-body .mail-archive-preview-image'); return i && i.naturalWidth === 24; }",
			timeout=30_000,
		)
		page.screenshot(path=str(ARTIFACTS / "customer-tab-attachment-preview-de.png"))
		assert page.title() != "PWNED" and dialogs == [] and errors == []
	finally:
		page.context.close()
