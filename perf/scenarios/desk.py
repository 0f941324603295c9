"""P15: cold desk page loads as a Sales User holding a mailbox (German desk), ours against stock's:
the Customer form with the Email Archive tab against the same ERPNext Customer form on a site
without this app, and the reader of an archived mail against stock's Communication form of a mail
that is not archived, on the same site."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from perf.measure import Figure, log
from perf.processes import BenchProcess, private_dovecot
from perf.site import make_accounts

DESK_LOADS = 5  # each a new browser profile (empty cache), logged in; the median is taken
READY = {
	"form": "(name) => window.cur_frm && cur_frm.doc && cur_frm.doc.name === name && !!document.querySelector('.form-layout .frappe-control')",
	"reader": "(name) => window.cur_frm && cur_frm.doc && cur_frm.doc.name === name && !!document.querySelector('.mail-archive-mail .mail-archive-body')",
}
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
]


class DeskSite:
	"""A site's web server (`bench serve`) and a Sales User of it, set up over its REST API."""

	def __init__(self, site: str, admin_password: str):
		from devtools.dovecot import free_port

		self.site, self.port = site, free_port()
		self.server = BenchProcess(
			"--site", site, "serve", "--port", str(self.port), "--noreload", "--nothreading"
		)
		self.url = f"http://{site}:{self.port}"
		try:
			self.admin = self.session("Administrator", admin_password)
		except BaseException:
			self.stop()
			raise

	def __enter__(self) -> DeskSite:
		return self

	def __exit__(self, *exc) -> None:
		self.stop()

	def session(self, user: str, password: str):
		import requests

		deadline = time.monotonic() + 120
		while True:
			session = requests.Session()
			try:
				if session.post(f"{self.url}/api/method/login", data={"usr": user, "pwd": password}).ok:
					return session
			except requests.ConnectionError:
				pass
			if time.monotonic() > deadline:
				raise RuntimeError(f"{self.site}: no login for {user}")
			time.sleep(0.5)

	def insert(self, doc: dict) -> str:
		response = self.admin.post(f"{self.url}/api/resource/{doc['doctype']}", json=doc)
		response.raise_for_status()
		return response.json()["data"]["name"]

	def sales_user(self, tag: str) -> tuple[str, str]:
		email, password = f"desk-{tag}@bench.example", f"Pw-{tag}-{os.urandom(6).hex()}"
		self.insert(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Sina",
				"language": "de",
				"send_welcome_email": 0,
				"new_password": password,
				"roles": [{"role": "Sales User"}],
			}
		)
		return email, password

	def stop(self) -> None:
		self.server.stop()


def cold_load_seconds(
	browser, site: DeskSite, user: tuple[str, str], path: str, name: str, ready: str
) -> float:
	"""Median seconds from navigation to the page being ready, each in a fresh browser profile."""
	seconds = []
	for _ in range(DESK_LOADS):
		context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE")
		try:
			assert context.request.post(
				f"{site.url}/api/method/login", form={"usr": user[0], "pwd": user[1]}
			).ok
			page = context.new_page()
			started = time.perf_counter()
			page.goto(f"{site.url}{path}")
			page.wait_for_function(READY[ready], arg=name, timeout=120_000)
			seconds.append(time.perf_counter() - started)
		finally:
			context.close()
	return statistics.median(seconds)


def desk_rows(site: str, stock_site: str) -> list[Figure]:
	"""P15a (the Customer form) and P15b (the reader), each against stock's page."""
	tag = os.urandom(4).hex()
	password = os.environ.get("ADMIN_PASSWORD", "admin")
	with (
		DeskSite(site, password) as ours,
		DeskSite(stock_site, password) as stock,
		private_dovecot() as dovecot,
	):
		user, stock_user = ours.sales_user(tag), stock.sales_user(tag)
		customers = {
			desk.site: desk.insert(
				{"doctype": "Customer", "customer_name": f"Ladekunde {tag}", "customer_type": "Company"}
			)
			for desk in (ours, stock)
		}
		archived, plain = desk_mail(dovecot, tag, user[0], customers[site])
		pages = (
			(ours, user, f"/app/customer/{customers[site]}", customers[site], "form"),
			(stock, stock_user, f"/app/customer/{customers[stock_site]}", customers[stock_site], "form"),
			(ours, user, f"/app/communication/{archived}", archived, "reader"),
			(ours, user, f"/app/communication/{plain}", plain, "form"),
		)
		form, stock_form, reader, stock_reader = cold_loads(pages)
	rows = []
	for key, what, measured, reference in (
		("P15a", "Customer form, cold (Email Archive tab) vs ERPNext's without the app", form, stock_form),
		("P15b", "an archived mail's reader, cold vs stock's Communication form", reader, stock_reader),
	):
		ratio = measured / reference
		rows.append(
			Figure(
				key,
				what,
				f"{measured:.2f} s vs {reference:.2f} s: {ratio:.2f}×",
				"",
				"≤ 1.05× (no slower, within the noise)",
				ratio <= 1.05,
			)
		)
		log(f"{key}: {measured:.2f} s vs {reference:.2f} s ({ratio:.2f}×)")
	return rows


def desk_mail(dovecot, tag: str, user: str, customer: str) -> tuple[str, str]:
	"""(an archived mail filed at the Customer, in a mailbox `user` holds; a stock Communication on
	the Customer that `user` owns, not archived)."""
	import frappe

	from crm_mail_archive.transfer.imports import MailImport

	mailbox = dovecot.add_user(f"lade-{tag}@mail.test")
	account = make_accounts(dovecot, mailbox)
	frappe.db.set_value("Mail Archive Account", account, "account_owner", user)
	sender = f"einkauf@lade-{tag}.example"
	frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Anna",
			"email_ids": [{"email_id": sender, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customer}],
		}
	).insert(ignore_permissions=True)
	path = os.path.join(tempfile.mkdtemp(), "anfrage.eml")
	message = EmailMessage()
	message["From"], message["To"], message["Subject"] = sender, mailbox, f"Anfrage {tag}"
	message["Date"] = format_datetime(datetime.now(timezone.utc))
	message.set_content("Bitte um ein Angebot.\n" * 40)
	message.add_attachment(b"%PDF-1.4 Anlage", maintype="application", subtype="pdf", filename="anlage.pdf")
	with open(path, "wb") as handle:
		handle.write(bytes(message))
	(archived,) = MailImport(account, ("Customer", customer)).run([(path, "anfrage.eml")]).communications
	plain = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"subject": f"Notiz {tag}",
			"content": "<p>" + "Eine Notiz. " * 80 + "</p>",
			"sent_or_received": "Sent",
			"reference_doctype": "Customer",
			"reference_name": customer,
		}
	).insert(ignore_permissions=True)
	plain.db_set("owner", user)  # stock lets its owner read it
	frappe.db.commit()
	return archived, plain.name


def cold_loads(pages: tuple) -> list[float]:
	"""Median cold load of each (desk site, user, path, document name, ready check), in order."""
	from playwright.sync_api import sync_playwright

	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(
			executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
		)
		try:
			return [cold_load_seconds(browser, *page) for page in pages]
		finally:
			browser.close()
