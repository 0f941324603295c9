"""Hostile mail HTML in the desk (Debian's Chromium): nothing of it runs, nothing navigates, and
remote images (tracking beacons) load only when the reader asks."""

import re
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.storage.content import safe_mail_html
from tests.support import ARTIFACTS, copies_of, logged_in_page

PIXEL = bytes.fromhex(
	"47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


class Beacon:
	"""A local web server that counts requests for its tracking pixel."""

	def __init__(self):
		hits = self.hits = []

		class Handler(BaseHTTPRequestHandler):
			def do_GET(self):
				hits.append(self.path)
				self.send_response(200)
				self.send_header("Content-Type", "image/gif")
				self.end_headers()
				self.wfile.write(PIXEL)

			def log_message(self, *args):
				pass

		self.server = HTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_port}"
		threading.Thread(target=self.server.serve_forever, daemon=True).start()


def hostile_html(beacon: str) -> str:
	return f"""<html><head><meta http-equiv="refresh" content="0;url={beacon}/refresh">
	<style>body {{ background: url({beacon}/css-bg) }}</style>
	<script>window.__pwned = "script"; fetch("{beacon}/script")</script></head><body>
	<p>Sehr geehrte Damen und Herren,</p>
	<img src="{beacon}/pixel.gif" width="1" height="1">
	<img src="x" onerror="window.__pwned = 'onerror'; fetch('{beacon}/onerror')">
	<a href="javascript:window.__pwned='href'">Angebot ansehen</a>
	<svg onload="window.__pwned='svg'"><circle r="10"/></svg>
	<iframe src="javascript:parent.__pwned='iframe'"></iframe>
	<iframe srcdoc="<script>parent.__pwned='srcdoc'</script>"></iframe>
	<form action="{beacon}/form"><input name="password"><button>Senden</button></form>
	<div style="width: expression(alert(1)); background-image: url({beacon}/style-bg)">Stil</div>
	<object data="{beacon}/object"></object><embed src="{beacon}/embed">
	<body onload="window.__pwned='body'">
	<p>Mit freundlichen Grüßen</p></body></html>"""


def test_the_sanitizer_leaves_no_active_content_and_holds_back_remote_images():
	html = safe_mail_html(hostile_html("http://tracker.example"))
	lowered = html.lower()
	for needle in (
		"<script",
		"onerror",
		"onload",
		"javascript:",
		"<svg",
		"<iframe",
		"<form",
		"<meta",
		"expression(",
		"<object",
		"<embed",
		"srcdoc",
	):
		assert needle not in lowered, needle
	assert not re.search(r'\ssrc="https?://', html)  # no image loads by itself
	assert 'data-mail-archive-src="http://tracker.example/pixel.gif"' in html
	assert "Mit freundlichen Grüßen" in html


@pytest.mark.slow
def test_hostile_mail_runs_nothing_in_the_desk_and_remote_images_wait_for_the_reader(
	browser,
	web_server,
	desk_user,
	dovecot,
	mail_user,
	make_archive_account,
):
	beacon = Beacon()
	message = EmailMessage()
	message["From"] = "Angreifer <boese@angreifer.example>"
	message["To"] = mail_user
	message["Subject"] = "Ihre Rechnung"
	message.set_content("Bitte HTML ansehen.")
	message.add_alternative(hostile_html(beacon.url), subtype="html")
	dovecot.append(mail_user, bytes(message))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)

	page = logged_in_page(browser, web_server, desk_user)
	dialogs = []
	page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
	try:
		url = f"{web_server}/app/communication/{quote(copy.communication)}"
		page.goto(url)
		page.locator(".mail-archive-state").wait_for(timeout=60_000)
		page.wait_for_timeout(2000)  # give anything hostile the time to run
		assert page.evaluate("() => window.__pwned") is None
		assert dialogs == []
		assert page.url == url
		assert beacon.hits == []  # no tracking pixel, no CSS background, nothing
		assert page.locator("img[data-mail-archive-src]").count() >= 1
		ARTIFACTS.mkdir(exist_ok=True)
		page.screenshot(path=str(ARTIFACTS / "hostile-mail-held-back.png"))

		page.locator("button", has_text="Show Remote Images").first.click()
		page.wait_for_function(
			"() => !document.querySelector('.mail-archive-mail img[data-mail-archive-src]')", timeout=30_000
		)
		page.wait_for_timeout(1000)
		assert "/pixel.gif" in beacon.hits  # loaded because the reader asked
		assert page.evaluate("() => window.__pwned") is None
	finally:
		page.context.close()
		beacon.server.shutdown()
	frappe.db.rollback()
