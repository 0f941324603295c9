"""What every test shares: where the bench and the test site are, users with roles, mail builders,
CRM builders, what the archive holds, background jobs, and the browser. Fixtures that hand these
out live in conftest.py; tests import helpers from here and from nowhere else in tests/."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import frappe

TEST_SITE = os.environ.get("CRM_MAIL_ARCHIVE_TEST_SITE", "test.mail-archive.localhost")
SCRATCH_SITE = os.environ.get("CRM_MAIL_ARCHIVE_SCRATCH_SITE", "scratch.mail-archive.localhost")
CHECKOUT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent / ".artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# --- the bench --------------------------------------------------------------------------------


def sites_path() -> Path:
	# the test command runs pytest from the bench's sites directory
	return Path(os.environ.get("CRM_MAIL_ARCHIVE_SITES_PATH", os.getcwd())).resolve()


def bench_path() -> Path:
	return sites_path().parent


def bench_command(*args: str) -> list[str]:
	"""argv for `bench <args>` run by the bench's Python (what `bench` itself execs, minus the CLI)."""
	return [str(bench_path() / "env" / "bin" / "python"), "-m", "frappe.utils.bench_helper", "frappe", *args]


def worker_command(queues: str = "short,default,long", burst: bool = True) -> list[str]:
	"""argv of an RQ worker for the test site's own queues (devtools/worker.py): the test site's
	jobs never reach a running development bench's worker, and its jobs never reach the tests."""
	return [
		str(bench_path() / "env" / "bin" / "python"),
		"-m",
		"devtools.worker",
		"--site",
		TEST_SITE,
		"--queue",
		queues,
		*(["--burst"] if burst else []),
	]


def checkout_env() -> dict[str, str]:
	"""The environment of a process that runs devtools/ (and this checkout's app) beside the tests."""
	paths = [str(CHECKOUT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
	return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}


def run_background_jobs() -> None:
	"""What the bench's worker does once a request or a test has committed: run the test site's
	queued jobs now (a burst worker of its own queues)."""
	subprocess.run(
		worker_command(),
		cwd=bench_path() / "sites",
		env=checkout_env(),
		check=True,
		capture_output=True,
		timeout=600,
	)


def eventually(condition: Callable[[], bool], timeout: float = 60) -> bool:
	"""Wait for something another process commits (a fresh snapshot each round)."""
	deadline = time.monotonic() + timeout
	while True:
		frappe.db.rollback()
		if condition():
			return True
		if time.monotonic() > deadline:
			return False
		time.sleep(0.3)


def jobs_done(condition: Callable[[], bool], timeout: float = 60) -> bool:
	"""Commit, let the queued jobs run, and wait for their effect."""
	frappe.db.commit()
	run_background_jobs()
	return eventually(condition, timeout)


def remove_queued_sync(account_name: str) -> bool:
	"""Take a queued sync job off the long queue again (the test runs the sync itself)."""
	from frappe.utils.background_jobs import create_job_id, get_redis_conn
	from rq.exceptions import NoSuchJobError
	from rq.job import Job

	from crm_mail_archive.accounts.sync import job_id

	try:
		Job.fetch(create_job_id(job_id(account_name)), connection=get_redis_conn()).delete()
	except NoSuchJobError:
		return False
	return True


# --- users ------------------------------------------------------------------------------------


def make_user(
	*roles: str, password: str | None = None, website: bool = False, first_name: str = "Test", email: str = ""
) -> str:
	"""A user with these roles (a Website User when `website`); not committed."""
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email or f"user-{uuid.uuid4().hex[:10]}@mail.test",
			"first_name": first_name,
			"send_welcome_email": 0,
			"new_password": password,
			"user_type": "Website User" if website else "System User",
		}
	).insert(ignore_permissions=True)
	if roles:
		user.add_roles(*roles)
	return user.name


# --- mail -------------------------------------------------------------------------------------


def a_mail(
	subject: str,
	sender: str = "kunde@beispiel.de",
	to: str = "vertrieb@mail.test",
	message_id: bool | str = True,
	attachments: list[tuple[str, bytes]] = (),
	html: str | None = None,
	text: str | None = None,
	sender_name: str = "Kunde",
) -> bytes:
	"""A mail as a mail client would send it."""
	message = EmailMessage()
	message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
	message["To"] = to
	message["Subject"] = subject
	message["Date"] = format_datetime(frappe.utils.now_datetime().astimezone())
	if message_id:
		message["Message-ID"] = (
			message_id if isinstance(message_id, str) else make_msgid(domain="beispiel.de")
		)
	message.set_content(text if text is not None else f"Text zu {subject}\n")
	if html is not None:
		message.add_alternative(html, subtype="html")
	for name, content in attachments:
		message.add_attachment(content, maintype="application", subtype="octet-stream", filename=name)
	return bytes(message)


def with_headers(raw: bytes, **headers: str) -> bytes:
	"""The mail with more headers (In_Reply_To= → In-Reply-To:)."""
	message = email.message_from_bytes(raw)
	for name, value in headers.items():
		message[name.replace("_", "-")] = value
	return message.as_bytes()


def message_id_of(raw: bytes) -> str:
	return email.message_from_bytes(raw)["Message-ID"].strip("<>")


# --- what the archive holds -------------------------------------------------------------------


def communication_with(message_id: str) -> str:
	return frappe.db.get_value("Communication", {"message_id": message_id})


def communications_of(account) -> list[dict]:
	names = frappe.get_all(
		"Mailbox Copy", {"account": account.name, "status": "Stored"}, pluck="communication"
	)
	return frappe.get_all(
		"Communication",
		filters={"name": ("in", names or [""])},
		fields=["name", "subject", "sent_or_received", "seen", "sender", "has_attachment"],
	)


def copies_of(account, **filters) -> list[dict]:
	return frappe.get_all(
		"Mailbox Copy",
		filters={"account": account.name, **filters},
		fields=[
			"name",
			"folder",
			"uid",
			"uidvalidity",
			"communication",
			"status",
			"quarantine_reason",
			"seen",
		],
	)


def only_communication(account) -> str:
	(copy,) = copies_of(account)
	return copy.communication


def filed_at(communication: str) -> set[tuple[str, str]]:
	"""Where a mail is filed; the provenance rows and the stock timeline rows must agree."""
	timeline = {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name"]
		)
	}
	stock = {
		(r.link_doctype, r.link_name)
		for r in frappe.get_all(
			"Communication Link", {"parent": communication}, ["link_doctype", "link_name"]
		)
	}
	assert timeline == stock
	return timeline


def original_of(communication: str) -> bytes:
	"""A mail's original message as the archive gives it back (checked against its SHA-256)."""
	from crm_mail_archive.storage.files import original_of as archived_original

	return archived_original(communication)


def attachments_of(communication: str) -> list[dict]:
	"""A mail's Mail Attachments in the mail's order, each with its bytes (`content`)."""
	from crm_mail_archive.storage.files import attachment_bytes

	rows = frappe.get_all(
		"Mail Attachment",
		{"communication": communication},
		["name", "file_name", "file_size", "sha256", "stored_file", "content_id", "viewable_type"],
		order_by="position asc",
	)
	for row in rows:
		row.content = attachment_bytes(row.name)
	return rows


def filing_sources(communication: str) -> dict[tuple[str, str], str]:
	return {
		(row.link_doctype, row.link_name): row.source
		for row in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name", "source"]
		)
	}


def remove_archive_of(email_account: str) -> None:
	"""Everything the archive made for an Email Account, and the account (as the app's erasure
	does: archived mail is otherwise kept for its retention period)."""
	from crm_mail_archive.retention.guard import removing_by_the_app

	with removing_by_the_app():
		_remove_archive_of(email_account)


def _remove_archive_of(email_account: str) -> None:
	from crm_mail_archive.storage.files import forget_files_of

	candidates = set(frappe.get_all("Communication", {"email_account": email_account}, pluck="name"))
	candidates |= set(
		frappe.get_all(
			"Mailbox Copy", {"account": email_account, "communication": ("is", "set")}, pluck="communication"
		)
	)
	frappe.db.delete("Mailbox Copy", {"account": email_account})
	frappe.db.delete("Mail Server Action", {"account": email_account})
	for name in candidates:
		if frappe.db.exists("Mailbox Copy", {"communication": name}):
			continue  # still in another (test) account's mailbox
		for file in frappe.get_all(
			"File", {"attached_to_doctype": "Communication", "attached_to_name": name}, pluck="name"
		):
			frappe.delete_doc("File", file, force=True, ignore_permissions=True)
		forget_files_of(name)  # its attachments and original, once the caller commits
		frappe.db.delete("Communication", {"name": name})
		frappe.db.delete("Communication Link", {"parent": name})
		frappe.db.delete("Timeline Link", {"communication": name})
		frappe.db.delete("Mail Address Index", {"communication": name})
		frappe.db.delete("Mail Search Text", {"communication": name})
	frappe.db.delete("Mail Archive Folder", {"parent": email_account})
	frappe.db.delete("Mail Archive Account", {"name": email_account})
	frappe.delete_doc("Email Account", email_account, force=True, ignore_permissions=True)


# --- CRM records ------------------------------------------------------------------------------


class CrmBuilder:
	"""Committed CRM records (the sync commits), each registered for removal after the test."""

	def __init__(self, register: Callable[[str, str], None]):
		self.tag = uuid.uuid4().hex[:6]
		self.register = register

	def customer(self, name: str) -> str:
		doc = frappe.get_doc(
			{"doctype": "Customer", "customer_name": f"{name} {self.tag}", "customer_type": "Company"}
		).insert(ignore_permissions=True)
		self.register("Customer", doc.name)
		return doc.name

	def contact(self, emails: list[str], links: list[tuple[str, str]] = ()) -> str:
		doc = frappe.get_doc({"doctype": "Contact", "first_name": f"Kontakt {self.tag}"})
		for index, address in enumerate(emails):
			doc.append("email_ids", {"email_id": address, "is_primary": int(index == 0)})
		for doctype, name in links:
			doc.append("links", {"link_doctype": doctype, "link_name": name})
		doc.insert(ignore_permissions=True)
		self.register("Contact", doc.name)
		return doc.name

	def lead(self, address: str) -> str:
		doc = frappe.get_doc(
			{"doctype": "Lead", "lead_name": f"Lead {self.tag}", "email_id": address}
		).insert(ignore_permissions=True)
		self.register("Lead", doc.name)
		# ERPNext makes a Contact for a Lead with an address
		for contact in self.contacts_of("Lead", doc.name):
			self.register("Contact", contact)
		return doc.name

	def contacts_of(self, doctype: str, name: str) -> list[str]:
		return frappe.get_all(
			"Dynamic Link",
			{"parenttype": "Contact", "link_doctype": doctype, "link_name": name},
			pluck="parent",
		)

	def address(self, local: str, domain: str = "kunde-{tag}.example") -> str:
		return f"{local}@{domain.format(tag=self.tag)}"


# --- the browser ------------------------------------------------------------------------------


def logged_in_page(browser, web_server: str, user: tuple[str, str], locale: str = "en-US"):
	"""A new browser context logged in as (email, password), and a page in it."""
	context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=locale)
	email_address, password = user
	response = context.request.post(
		f"{web_server}/api/method/login", form={"usr": email_address, "pwd": password}
	)
	assert response.ok, response.text()
	return context.new_page()


def menu_item(page, group: str, label: str):
	"""An item of a form's button group, its menu open. The form may re-render its buttons after
	loading (stock and app scripts add them): the menu is opened again until the item shows."""
	from urllib.parse import quote

	item = page.locator(".inner-group-button .dropdown-menu a:visible", has_text=label).first
	for _attempt in range(4):
		page.locator(f".inner-group-button[data-label='{quote(group)}'] button:visible").first.click()
		try:
			item.wait_for(timeout=7_500)
			return item
		except Exception:  # the menu was re-rendered under the click: open it again
			page.keyboard.press("Escape")
	return item
