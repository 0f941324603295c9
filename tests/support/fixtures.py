"""pytest against the real test site: a real MariaDB, Redis and a private Dovecot. The fixtures
here hand out what tests/support builds; the conftest of each level that needs the site
(integration/, desk/, security/) takes them with `from tests.support.fixtures import *`.

Each test runs inside a transaction that is rolled back afterwards. Code that commits
(the sync engine does, per batch) must clean up what it made: see `committed_cleanup`.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import frappe
import pytest
import requests

from crm_mail_archive.accounts.syncing import sync_account
from devtools.dovecot import DovecotServer, free_port
from devtools.smtp_sink import SmtpSink
from tests.support import (
	CHROMIUM,
	TEST_SITE,
	CrmBuilder,
	a_named_mail,
	bench_path,
	checkout_env,
	dated,
	logged_in_page,
	make_user,
	remove_archive_of,
	sites_path,
)

_site = {"connected": False}


def pytest_configure(config: pytest.Config) -> None:
	# each level's conftest brings this hook: the site is connected once
	if _site["connected"]:
		return
	_site["connected"] = True
	os.chdir(sites_path())
	frappe.init(site=TEST_SITE, sites_path=str(sites_path()))
	frappe.connect()
	frappe.flags.in_test = True
	# the suite makes users for its permission tests faster than Frappe's 60 per minute
	frappe.local.conf.throttle_user_limit = 10_000
	frappe.set_user("Administrator")


def pytest_unconfigure(config: pytest.Config) -> None:
	if not _site["connected"]:
		return
	_site["connected"] = False
	if getattr(frappe.local, "db", None):
		frappe.db.rollback()
	frappe.destroy()


@pytest.fixture(autouse=True)
def site_transaction() -> Iterator[None]:
	"""Every test starts as Administrator and its uncommitted writes are rolled back."""
	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.local.flags.pop("mail_archive", None)


@pytest.fixture
def committed_cleanup() -> Iterator[Callable[[str, str], None]]:
	"""Register (doctype, name) of committed records to delete after the test."""
	created: list[tuple[str, str]] = []
	yield lambda doctype, name: created.append((doctype, name))
	frappe.db.rollback()
	from crm_mail_archive.retention.guard import removing_by_the_app

	with removing_by_the_app():  # (archived mail is otherwise kept for its retention period)
		for doctype, name in reversed(created):
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.commit()


class OAuthIntrospection:
	"""A local RFC 7662 token introspection endpoint for Dovecot's oauth2 passdb."""

	def __init__(self):
		import json
		import threading
		from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
		from urllib.parse import parse_qs

		self.tokens: dict[str, str] = {}  # token -> user name
		tokens = self.tokens

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
				token = (parse_qs(body).get("token") or [""])[0]
				user = tokens.get(token)
				payload = {"active": "true", "username": user} if user else {"active": "false"}
				data = json.dumps(payload).encode()
				self.send_response(200)
				self.send_header("Content-Type", "application/json")
				self.send_header("Content-Length", str(len(data)))
				self.end_headers()
				self.wfile.write(data)

			def log_message(self, *args):
				pass

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def issue(self, username: str) -> str:
		token = uuid.uuid4().hex
		self.tokens[token] = username
		return token

	def stop(self) -> None:
		self.server.shutdown()


@pytest.fixture(scope="session")
def oauth_introspection() -> Iterator[OAuthIntrospection]:
	endpoint = OAuthIntrospection()
	yield endpoint
	endpoint.stop()


@pytest.fixture(scope="session")
def dovecot(oauth_introspection: OAuthIntrospection) -> Iterator[DovecotServer]:
	"""A private Dovecot for the whole session; stopped (and its files removed) at the end."""
	server = DovecotServer.start(oauth_introspection_url=oauth_introspection.url)
	try:
		yield server
	finally:
		server.stop()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> Iterator[str]:
	"""A fresh mailbox user on the private Dovecot."""
	username = dovecot.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")
	yield username
	dovecot.remove_user_mail(username)


@pytest.fixture
def make_archive_account(dovecot: DovecotServer) -> Iterator[Callable[..., object]]:
	"""Factory: an Email Account + Mail Archive Account for a Dovecot user (committed; removed
	afterwards with every Communication, copy and file the sync made for it). `server`: another
	private Dovecot than the session's (one with other capabilities, say)."""
	frappe.local.conf["mail_archive_ca_file"] = str(dovecot.cert_file)
	made: list[str] = []

	def make(username: str, tls: bool = False, server: DovecotServer | None = None, **values):
		server = server or dovecot
		email_account = frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": username,
				"email_id": username,
				"password": server.password(username),
				"email_server": "127.0.0.1",
				"use_imap": 1,
				"incoming_port": server.imaps_port if tls else server.imap_port,
				"use_ssl": int(tls),
				"enable_incoming": 0,
				"enable_outgoing": 0,
			}
		).insert(ignore_permissions=True)
		made.append(email_account.name)
		account = frappe.get_doc(
			{
				"doctype": "Mail Archive Account",
				"email_account": email_account.name,
				"account_owner": "Administrator",
				**values,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		return account

	yield make
	frappe.db.rollback()
	for email_account in made:
		remove_archive_of(email_account)
	frappe.db.commit()
	frappe.local.conf.pop("mail_archive_ca_file", None)


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
	"""A real SMTP server on a free port that keeps every mail it receives (devtools/smtp_sink.py)."""
	sink = SmtpSink().start()
	yield sink
	sink.stop()


@pytest.fixture(scope="session")
def web_server() -> Iterator[str]:
	"""`bench serve` for the test site on a free port (another process: tests commit what it must see)."""
	port = free_port()
	process = subprocess.Popen(
		# `bench serve`, with this checkout's desk files (devtools/serve.py)
		[
			str(bench_path() / "env" / "bin" / "python"),
			"-m",
			"devtools.serve",
			"--site",
			TEST_SITE,
			"--port",
			str(port),
		],
		cwd=bench_path() / "sites",
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		# a development server: the desk then reaches socket.io on its own port
		env={**checkout_env(), "DEV_SERVER": "1"},
	)
	# by name, not 127.0.0.1: socket.io takes the site from the host name (/etc/hosts maps it)
	url = f"http://{TEST_SITE}:{port}"
	try:
		deadline = time.monotonic() + 60
		while time.monotonic() < deadline:
			try:
				requests.get(f"{url}/api/method/ping", timeout=2)
				break
			except requests.ConnectionError:
				time.sleep(0.3)
		yield url
	finally:
		process.terminate()
		process.wait(timeout=20)


@pytest.fixture(scope="session")
def socketio(web_server: str) -> Iterator[int]:
	"""Frappe's socket.io server (node), started unless one already listens on the bench's port."""
	import json
	import socket

	port = int(json.loads((sites_path() / "common_site_config.json").read_text()).get("socketio_port", 9000))

	def listening() -> bool:
		with socket.socket() as probe:
			return probe.connect_ex(("127.0.0.1", port)) == 0

	process = None
	if not listening():
		process = subprocess.Popen(
			["node", "apps/frappe/socketio.js"],
			cwd=bench_path(),
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		deadline = time.monotonic() + 30
		while not listening() and time.monotonic() < deadline:
			time.sleep(0.2)
	yield port
	if process:
		process.terminate()
		process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
	"""Debian's Chromium, headless, driven by Playwright."""
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
def crm(committed_cleanup) -> CrmBuilder:
	"""Builders for committed CRM records, removed after the test."""
	builder = CrmBuilder(committed_cleanup)
	frappe.db.commit()
	return builder


@pytest.fixture
def desk_user(committed_cleanup) -> tuple[str, str]:
	"""(email, password) of a committed desk user who manages the archive and the CRM."""
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user("System Manager", "Sales Manager", "Sales User", password=password, first_name="Vera")
	frappe.db.commit()
	committed_cleanup("User", email)
	return email, password


@pytest.fixture
def desk(browser, web_server, desk_user):
	"""A browser page logged in as the desk user."""
	page = logged_in_page(browser, web_server, desk_user)
	yield page
	page.context.close()


@pytest.fixture
def chain_cleanup():
	"""The chain entries, verifications and notifications a test makes are removed afterwards
	(the test site is shared: its mail must be unsealed again)."""
	before = frappe.db.sql("select ifnull(max(sequence), 0) from `tabMail Archive Digest`")[0][0]
	started = frappe.utils.now_datetime()
	files: list[str] = []
	yield files
	frappe.db.rollback()
	entries = frappe.db.sql_list("select name from `tabMail Archive Digest` where sequence > %s", [before])
	if entries:
		frappe.db.sql(
			"update `tabCommunication` set mail_archive_digest = null where mail_archive_digest in %s",
			[tuple(entries)],
		)
		frappe.db.sql("delete from `tabMail Archive Digest` where name in %s", [tuple(entries)])
	verifications = frappe.get_all("Mail Archive Verification", {"creation": (">=", started)}, pluck="name")
	if verifications:
		frappe.db.delete("Notification Log", {"document_name": ("in", verifications)})
		frappe.db.delete("Mail Archive Verification", {"name": ("in", verifications)})
	for path in files:
		if os.path.exists(path):
			os.remove(path)
	frappe.db.commit()


# --- worlds a feature's server tests and its browser tests share ---------------------------


@pytest.fixture
def customer_with_mail(dovecot, mail_user, make_archive_account, crm):
	customer = crm.customer("Archivkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	frappe.db.commit()
	dovecot.append_many(mail_user, [dated(f"Bestellung {n:02d}", sender, days_ago=n) for n in range(25)])
	account = make_archive_account(mail_user)
	sync_account(account.name)
	return customer, account


@pytest.fixture
def named_mail(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	tag = uuid.uuid4().hex[:8]
	customer = crm.customer("Klartext Kunde")
	sender = crm.address("bernd")
	colleague = crm.address("anna")
	crm.contact([sender], links=[("Customer", customer)])
	password = f"Pw-{uuid.uuid4().hex}"
	holder = make_user("Sales User", password=password, first_name="Sina")
	frappe.db.set_value("User", holder, "language", "de")
	committed_cleanup("User", holder)
	frappe.db.commit()
	account = make_archive_account(mail_user, account_owner=holder)
	dovecot.append(mail_user, a_named_mail(sender, mail_user, colleague, tag))
	sync_account(account.name)
	communication = frappe.db.get_value("Communication", {"message_id": f"true-text-{tag}@kunde.example"})
	assert communication
	frappe.db.commit()
	return {
		"holder": (holder, password),
		"customer": customer,
		"communication": communication,
		"sender": sender,
		"mailbox": mail_user,
		"colleague": colleague,
		"third": f"third-{tag}@kunde.example",
	}
