"""The attacker matrix, over real HTTP with real users: every kind of user by every read path of
archived mail by every way to make mail reachable. Each cell asserts allow or deny, and that no
mail's body text reaches a user who may not read it. The matrix is written to
tests/.artifacts/attacker-matrix.md.

The rule (README, "Who can read archived mail"): the account's holder, stock Communication readers
and users whose role reads a document the mail is filed at; a confidential account's mail only
its owner. Filing never widens that: a record made by a user who may not keep such records files
nothing, owning or being shared a document opens nothing, and a thread is filed only as far as
the user may already read it.
"""

from __future__ import annotations

import json
import time
import uuid
from email.utils import format_datetime

import frappe
import pytest
import requests

from crm_mail_archive import events
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from crm_mail_archive.infra import archive_files
from tests.data.einvoices import InvoiceData, zugferd_pdf
from tests.support import ARTIFACTS, a_mail, run_background_jobs
from tests.support.purchasing import purchasing_records, restore

pytestmark = pytest.mark.slow

KINDS = ("guest", "website_user", "stock_user", "sales_user", "sales_manager", "owner", "system_manager")
ROLES = {
	"stock_user": ("Stock User",),
	"sales_user": ("Sales User",),
	"sales_manager": ("Sales Manager", "Sales User"),
	"owner": ("Sales User",),
	"system_manager": ("System Manager",),
}
MAILS = ("ordinary", "unfiled", "internal", "confidential")
# before any attack: who reads which mail (the Stock User reads the Customer by role)
READERS = {
	"ordinary": {"stock_user", "sales_user", "sales_manager", "owner", "system_manager"},
	"unfiled": {"owner", "system_manager"},
	"internal": {"owner", "system_manager"},
	"confidential": {"owner"},
}


def raw_mail(subject: str, sender: str, to: str, body: str, message_id: str, reply_to_id: str = "") -> bytes:
	lines = [
		f"From: {sender}",
		f"To: {to}",
		f"Subject: {subject}",
		f"Message-ID: <{message_id}>",
		f"Date: {format_datetime(frappe.utils.now_datetime().astimezone())}",
	]
	if reply_to_id:
		lines += [f"In-Reply-To: <{reply_to_id}>", f"References: <{reply_to_id}>"]
	lines += [
		"MIME-Version: 1.0",
		'Content-Type: multipart/mixed; boundary="b"',
		"",
		"--b",
		"Content-Type: text/plain; charset=utf-8",
		"",
		body,
		"--b",
		'Content-Type: application/pdf; name="beilage.pdf"',
		'Content-Disposition: attachment; filename="beilage.pdf"',
		"",
		f"%PDF-1.4 {body}",
		"--b--",
		"",
	]
	return "\r\n".join(lines).encode()


def a_user(kind: str, tag: str) -> tuple[str, str]:
	email = f"{kind.replace('_', '-')}-{tag}@matrix.test"
	password = f"Pw-{uuid.uuid4().hex}"
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": kind,
			"send_welcome_email": 0,
			"new_password": password,
			"user_type": "Website User" if kind == "website_user" else "System User",
		}
	).insert(ignore_permissions=True)
	if ROLES.get(kind):
		user.add_roles(*ROLES[kind])
	return email, password


class World:
	def __init__(self, web_server: str):
		self.web_server = web_server
		self.sessions: dict[str, requests.Session] = {}
		self.users: dict[str, str] = {}
		self.mails: dict[str, str] = {}  # kind of mail -> Communication
		self.markers: dict[str, str] = {}  # kind of mail -> text only its body holds
		self.files: dict[str, list[str]] = {}
		self.file_names: dict[str, list[str]] = {}
		self.accounts: list[str] = []  # the Mail Archive Accounts: ordinary, confidential
		self.known_address = ""  # the Contact's address: the ordinary mail's sender
		# a reply names the mail it answers (in_reply_to): where one mail is private and its reply
		# is not, only a mail's text (subject, body, attachment) says that it was shown
		self.by_text_only = False

	def login(self, kind: str, email: str | None, password: str | None) -> None:
		session = requests.Session()
		if email:
			response = session.post(
				f"{self.web_server}/api/method/login", data={"usr": email, "pwd": password}
			)
			assert response.ok, (kind, response.text)
		self.sessions[kind] = session

	def call(self, kind: str, method: str, http: str = "GET", **args) -> requests.Response:
		url = f"{self.web_server}/api/method/{method}"
		data = {
			key: json.dumps(value) if isinstance(value, list | dict) else value for key, value in args.items()
		}
		session = self.sessions[kind]
		return session.get(url, params=data) if http == "GET" else session.post(url, data=data)

	def get(self, kind: str, path: str, **params) -> requests.Response:
		params = {
			key: json.dumps(value) if isinstance(value, list | dict) else value
			for key, value in params.items()
		}
		return self.sessions[kind].get(f"{self.web_server}{path}", params=params)


@pytest.fixture
def world(web_server, dovecot, make_archive_account, crm, committed_cleanup):
	tag = uuid.uuid4().hex[:8]
	w = World(web_server)
	credentials = {}
	for kind in KINDS[1:]:
		credentials[kind] = a_user(kind, tag)
		w.users[kind] = credentials[kind][0]
		committed_cleanup("User", credentials[kind][0])
	customer = crm.customer("Matrixkunde")
	known = crm.address("einkauf")
	w.unknown_address = crm.address("neu")
	w.contact = crm.contact([known], links=[("Customer", customer)])
	w.known_address = known
	w.customer = customer

	mailbox = dovecot.add_user(f"matrix-{tag}@mail.test")
	secret = dovecot.add_user(f"geheim-{tag}@mail.test")
	for kind in MAILS:
		w.markers[kind] = f"{kind.upper()}-MARKER-{tag}"
	ordinary_id = f"ordinary-{tag}@kunde.example"
	dovecot.append(
		mailbox,
		raw_mail(
			f"Anfrage Matrix {w.markers['ordinary']}", known, mailbox, w.markers["ordinary"], ordinary_id
		),
	)
	dovecot.append(
		mailbox,
		raw_mail(
			f"Neue Adresse {w.markers['unfiled']}",
			w.unknown_address,
			mailbox,
			w.markers["unfiled"],
			f"unfiled-{tag}@x.example",
		),
	)
	dovecot.append(
		mailbox,
		raw_mail(
			f"Re: Anfrage Matrix (intern) {w.markers['internal']}",
			f"kollege-{tag}@mail.test",
			mailbox,
			w.markers["internal"],
			f"internal-{tag}@mail.test",
			reply_to_id=ordinary_id,
		),
	)
	dovecot.append(
		secret,
		raw_mail(
			f"Vertraulich {w.markers['confidential']}",
			known,
			secret,
			w.markers["confidential"],
			f"conf-{tag}@x.example",
		),
	)
	account = make_archive_account(mailbox, account_owner=w.users["owner"])
	confidential = make_archive_account(secret, account_owner=w.users["owner"], confidential=1)
	sync_account(account.name)
	sync_account(confidential.name)
	w.accounts = [account.name, confidential.name]
	by_marker = {}
	for name in frappe.get_all(
		"Mailbox Copy", {"account": ("in", [account.name, confidential.name])}, pluck="communication"
	):
		text = frappe.db.get_value("Communication", name, "text_content")
		for kind, marker in w.markers.items():
			if marker in text:
				by_marker[kind] = name
	w.mails = by_marker
	assert set(w.mails) == set(MAILS)
	links.link(w.mails["confidential"], "Customer", customer, "Manual", user=w.users["owner"])
	for kind, communication in w.mails.items():
		# what an attacker who learned the archive's file names would ask for by URL
		references = frappe.get_all("Mail Attachment", {"communication": communication}, pluck="stored_file")
		references.append(frappe.db.get_value("Communication", communication, "mail_archive_raw_file"))
		w.files[kind] = [f"/private/files/{reference}" for reference in references]
		w.file_names[kind] = frappe.get_all("Mail Attachment", {"communication": communication}, pluck="name")
	search_everywhere(w.mails.values())
	frappe.db.commit()
	w.login("guest", None, None)
	for kind in KINDS[1:]:
		w.login(kind, *credentials[kind])
	yield w
	# what the attacks made
	for doctype in ("Contact", "Lead", "ToDo", "Email Rule", "Mail Export", "File"):
		for name in frappe.get_all(doctype, {"owner": ("in", list(w.users.values()))}, pluck="name"):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.delete("Global Search DocType", {"document_type": "Communication"})
	frappe.db.delete("__global_search", {"doctype": "Communication", "name": ("in", list(w.mails.values()))})
	frappe.db.commit()
	frappe.cache.delete_key("global_search")


def search_everywhere(communications) -> None:
	"""Put the mails into global search, as if Communication were searchable there (stock refuses
	that setting for a core DocType; a direct row is what a careless patch would leave)."""
	from frappe.utils.global_search import sync_value, update_global_search

	if not frappe.db.exists("Global Search DocType", {"document_type": "Communication"}):
		row = frappe.get_doc(
			{
				"doctype": "Global Search DocType",
				"document_type": "Communication",
				"parent": "Global Search Settings",
				"parenttype": "Global Search Settings",
				"parentfield": "allowed_in_global_search",
				"idx": 99,
			}
		)
		row.db_insert()
	frappe.cache.delete_key("global_search")
	queued = []
	frappe.local.flags.pop("global_search_queue", None)
	for name in communications:
		update_global_search(frappe.get_doc("Communication", name))
	while value := frappe.cache.rpop("global_search_queue"):
		queued.append(json.loads(value))
	for value in queued:
		sync_value(value)


def names_in(response: requests.Response, world: World) -> set[str]:
	"""Which of the world's mails a response shows: by name or by body text."""
	if not response.ok:
		return set()
	text = response.text
	if world.by_text_only:
		return {kind for kind in world.mails if world.markers[kind] in text}
	return {kind for kind, name in world.mails.items() if name in text or world.markers[kind] in text}


def read_paths(w: World, kind: str) -> dict[str, set[str]]:
	"""Every way to read archived mail over HTTP -> the mails it showed the user."""
	names = list(w.mails.values())
	seen: dict[str, set[str]] = {}
	seen["REST resource (doc)"] = set().union(
		*(names_in(w.get(kind, f"/api/resource/Communication/{name}"), w) for name in names)
	)
	seen["REST resource (list)"] = names_in(
		w.get(
			kind,
			"/api/resource/Communication",
			fields=["name", "content"],
			filters=[["name", "in", names]],
			limit_page_length=0,
		),
		w,
	)
	seen["frappe.client.get_list"] = names_in(
		w.call(
			kind,
			"frappe.client.get_list",
			"POST",
			doctype="Communication",
			fields=["name", "content"],
			filters=[["name", "in", names]],
			limit_page_length=0,
		),
		w,
	)
	seen["frappe.client.get_count"] = {
		mail
		for mail, name in w.mails.items()
		if (
			r := w.call(
				kind,
				"frappe.client.get_count",
				"POST",
				doctype="Communication",
				filters=[["name", "=", name]],
			)
		).ok
		and r.json().get("message") == 1
	}
	seen["reportview"] = names_in(
		w.call(
			kind,
			"frappe.desk.reportview.get",
			"POST",
			doctype="Communication",
			fields=["`tabCommunication`.`name`", "`tabCommunication`.`content`"],
			filters=[["name", "in", names]],
		),
		w,
	)
	seen["getdoc (mail)"] = set().union(
		*(
			names_in(w.call(kind, "frappe.desk.form.load.getdoc", doctype="Communication", name=name), w)
			for name in names
		)
	)
	for doctype, name in (("Customer", w.customer), ("Contact", w.contact)):
		seen[f"getdoc timeline ({doctype})"] = names_in(
			w.call(kind, "frappe.desk.form.load.getdoc", doctype=doctype, name=name), w
		)
		seen[f"get_communications ({doctype})"] = names_in(
			w.call(kind, "frappe.desk.form.load.get_communications", doctype=doctype, name=name), w
		)
		seen[f"get_archive ({doctype})"] = names_in(
			w.call(kind, "crm_mail_archive.api.get_archive", doctype=doctype, name=name), w
		)
		# the full-text search of the tab, by the words only each mail's body holds
		seen[f"get_archive search ({doctype})"] = set().union(
			*(
				names_in(
					w.call(
						kind, "crm_mail_archive.api.get_archive", doctype=doctype, name=name, search=marker
					),
					w,
				)
				for marker in w.markers.values()
			)
		)
	for doctype in ("Contact", "Lead", "ToDo"):  # the attacker's own records
		for own in frappe.get_all(doctype, {"owner": w.users.get(kind, "-")}, pluck="name"):
			seen[f"own {doctype} timeline"] = seen.get(f"own {doctype} timeline", set()) | names_in(
				w.call(kind, "frappe.desk.form.load.getdoc", doctype=doctype, name=own), w
			)
			seen[f"own {doctype} get_archive"] = seen.get(f"own {doctype} get_archive", set()) | names_in(
				w.call(kind, "crm_mail_archive.api.get_archive", doctype=doctype, name=own), w
			)
	seen["get_filings"] = {
		mail
		for mail, name in w.mails.items()
		if w.call(kind, "crm_mail_archive.api.get_filings", communication=name).ok
	}
	files = w.get(
		kind,
		"/api/resource/File",
		fields=["name", "file_name", "attached_to_name"],
		filters=[["attached_to_name", "in", names]],
		limit_page_length=0,
	)
	seen["File list"] = names_in(files, w)
	seen["File download"] = {
		mail
		for mail, names in w.file_names.items()
		for name in names
		if w.get(kind, "/api/method/crm_mail_archive.api.download_attachment", attachment=name).status_code
		== 200
	}
	# the archive's files have no URL: asked for as private files, nobody gets them
	seen["File download (private URL)"] = {
		mail for mail, urls in w.files.items() for url in urls if w.get(kind, url).status_code == 200
	}
	seen["global search"] = set().union(
		*(
			names_in(w.call(kind, "frappe.utils.global_search.search", text=marker), w)
			for marker in w.markers.values()
		)
	)
	seen["search_mail (Mail Search page)"] = set().union(
		*(
			names_in(w.call(kind, "crm_mail_archive.api.search_mail", text=marker), w)
			for marker in w.markers.values()
		)
	)
	# answering a mail starts from its quoted text (forwarded: with copies of its attachments)
	seen["prepare_answer (forward)"] = set().union(
		*(
			names_in(
				w.call(
					kind, "crm_mail_archive.api.prepare_answer", "POST", communication=name, mode="forward"
				),
				w,
			)
			for name in names
		)
	)
	seen.update(exported(w, kind))
	seen["search_link"] = names_in(
		w.call(kind, "frappe.desk.search.search_link", doctype="Communication", txt="Matrix"), w
	)
	return seen


def exported(w: World, kind: str) -> dict[str, set[str]]:
	"""Exports (ZIP of originals with index.csv, mbox, evidence packs) the user starts, run by a
	worker and downloaded -> the mails in them."""
	import io
	import zipfile

	started = {}
	for label, args in (
		("export (Customer archive)", {"scope": "Record", "doctype": "Customer", "name": w.customer}),
		("export (search)", {"scope": "Search", "search": "marker"}),
		("export (account mbox)", {"scope": "Account", "account": w.accounts[0], "export_format": "mbox"}),
		("export (confidential account)", {"scope": "Account", "account": w.accounts[1]}),
		# the evidence pack: originals, shown renditions and proofs of the user's readable mail only
		(
			"export (Customer archive, evidence)",
			{"scope": "Record", "doctype": "Customer", "name": w.customer, "export_format": "Evidence"},
		),
		*(
			(
				f"export (evidence of the {mail} mail)",
				{"scope": "Mail", "name": w.mails[mail], "export_format": "Evidence"},
			)
			for mail in MAILS
		),
	):
		response = w.call(kind, "crm_mail_archive.api.export_mail", "POST", **args)
		started[label] = response.json()["message"]["export"] if response.ok else None
	if any(started.values()):
		run_background_jobs()
	seen = {}
	for label, export in started.items():
		seen[label] = set()
		if not export:
			continue
		download = w.get(kind, "/api/method/crm_mail_archive.api.download_export", export=export)
		if not download.ok:
			continue
		content = download.content
		if content.startswith(b"PK"):
			with zipfile.ZipFile(io.BytesIO(content)) as archive:
				content = b"".join(archive.read(member) for member in archive.namelist())
		text = content.decode("utf-8", "replace")
		seen[label] = {mail for mail, name in w.mails.items() if name in text or w.markers[mail] in text}
	return seen


# read paths that show one document or mail: they must allow every reader, not only deny others
EXACT_PATHS = (
	"REST resource (doc)",
	"getdoc (mail)",
	"get_filings",
	"File download",
	"prepare_answer (forward)",
)


def check(w: World, readers: dict[str, set[str]], table: list[tuple], step: str) -> None:
	"""One row per user and read path: what it showed, and what is wrong with that (a mail the
	user may not read, or on a path that shows one mail, a mail the user may read but was denied)."""
	for kind in KINDS:
		may_read = {mail for mail, who in readers.items() if kind in who}
		for path, seen in read_paths(w, kind).items():
			wrong = [f"LEAK {mail}" for mail in sorted(seen - may_read)]
			if path in EXACT_PATHS:
				wrong += [f"DENIED {mail}" for mail in sorted(may_read - seen)]
			table.append((step, kind, path, ", ".join(sorted(seen)) or "—", "; ".join(wrong) or "ok"))


def answer(response: requests.Response) -> str:
	if response.ok:
		return "accepted"
	try:
		reason = (response.json().get("exc_type") or "").strip()
	except ValueError:
		reason = ""
	return f"refused ({response.status_code} {reason})".replace(" )", ")")


def insert(w: World, kind: str, doc: dict) -> requests.Response:
	return w.call(kind, "frappe.client.insert", "POST", doc=doc)


def attack(w: World, kind: str, what: str) -> str:
	"""One way to make mail reachable, tried by `kind`: what the server answered."""
	user = w.users.get(kind)
	if what == "create Contact with the unknown address, linked to the Customer":
		response = insert(
			w,
			kind,
			{
				"doctype": "Contact",
				"first_name": f"Angriff {kind}",
				"email_ids": [{"email_id": w.unknown_address, "is_primary": 1}],
				"links": [{"link_doctype": "Customer", "link_name": w.customer}],
			},
		)
		if response.ok:  # what the worker does after the commit
			frappe.db.rollback()
			events.contact_changed(frappe.get_doc("Contact", response.json()["message"]["name"]))
			frappe.db.commit()
		return answer(response)
	if what == "create Lead with the unknown address":
		response = insert(
			w, kind, {"doctype": "Lead", "lead_name": f"Angriff {kind}", "email_id": w.unknown_address}
		)
		if response.ok:
			frappe.db.rollback()
			events.lead_changed(frappe.get_doc("Lead", response.json()["message"]["name"]))
			frappe.db.commit()
		return answer(response)
	if what == "create_from_mail (Lead) on the ordinary mail":
		return answer(
			w.call(
				kind,
				"crm_mail_archive.api.create_from_mail",
				"POST",
				communication=w.mails["ordinary"],
				doctype="Lead",
			)
		)
	# the ToDo is the attacker's own document (made as Administrator: a Website User may make none)
	todo = frappe.get_doc({"doctype": "ToDo", "description": f"Angriff {kind}", "allocated_to": user})
	todo.insert(ignore_permissions=True)
	todo.db_set("owner", user or "Guest")
	frappe.db.commit()
	if what == "relink the confidential mail to an own ToDo":
		return answer(
			w.call(
				kind,
				"frappe.email.relink",
				"POST",
				name=w.mails["confidential"],
				reference_doctype="ToDo",
				reference_name=todo.name,
			)
		)
	if what == "File at… an own ToDo":
		return answer(
			w.call(
				kind,
				"crm_mail_archive.api.file_mail",
				"POST",
				communications=[w.mails["confidential"], w.mails["unfiled"]],
				doctype="ToDo",
				name=todo.name,
			)
		)
	raise AssertionError(what)


ATTACKS = (
	"create Contact with the unknown address, linked to the Customer",
	"create Lead with the unknown address",
	"create_from_mail (Lead) on the ordinary mail",
	"relink the confidential mail to an own ToDo",
	"File at… an own ToDo",
)


def test_the_attacker_matrix(world):
	w = world
	readers = {mail: set(who) for mail, who in READERS.items()}
	table: list[tuple] = []
	check(w, readers, table, "before any attack")
	accepted = {}
	# the untrusted first: whatever they do, nobody's reading changes
	for kind in ("guest", "website_user", "stock_user"):
		for what in ATTACKS:
			accepted[(kind, what)] = attack(w, kind, what)
		run_background_jobs()  # whatever their attacks queued runs before anyone reads
		check(w, readers, table, f"after {kind}'s attacks")
	# a Sales User keeps CRM records: a Lead or Contact they make files the unknown address's
	# past mail, which the readers of Leads and Contacts then read (the rule); the thread of a
	# mail they create from is filed only as far as they may read it; confidential stays closed
	for what in ATTACKS:
		accepted[("sales_user", what)] = attack(w, "sales_user", what)
	run_background_jobs()  # the retroactive filing the Sales User's Contact and Lead queued
	# filed at the Customer (through the Sales User's Contact) and at their Lead: every reader of those
	readers["unfiled"] |= {"stock_user", "sales_user", "sales_manager"}
	check(w, readers, table, "after sales_user's attacks")

	ARTIFACTS.mkdir(exist_ok=True)
	lines = ["| step | user | read path | mails shown | verdict |", "|---|---|---|---|---|"]
	lines += [f"| {' | '.join(row)} |" for row in table]
	lines += ["", "| user | attack | accepted by the server |", "|---|---|---|"]
	lines += [f"| {kind} | {what} | {said} |" for (kind, what), said in accepted.items()]
	(ARTIFACTS / "attacker-matrix.md").write_text("\n".join(lines) + "\n")
	wrong = [row for row in table if row[-1] != "ok"]
	assert wrong == [], wrong
	assert all(accepted[("guest", what)].startswith("refused") for what in ATTACKS)
	assert accepted[("sales_user", "create Lead with the unknown address")] == "accepted"
	assert accepted[("sales_user", "File at… an own ToDo")].startswith("refused")
	assert not frappe.db.exists(
		"Timeline Link", {"communication": w.mails["internal"], "source": "Created From"}
	)
	assert not frappe.get_all("Email Rule", {"owner": ("in", list(w.users.values()))})


def test_changing_a_mail_needs_its_mailbox_holder_or_a_manager(world):
	w = world
	for kind in ("stock_user", "sales_user", "sales_manager"):
		for method, args in (
			("crm_mail_archive.api.mark_read", {"communications": [w.mails["ordinary"]], "read": 0}),
			("crm_mail_archive.api.mark_spam", {"communication": w.mails["ordinary"]}),
			("crm_mail_archive.api.trash_mail", {"communication": w.mails["ordinary"]}),
			(
				"frappe.email.inbox.create_email_flag_queue",
				{"names": [w.mails["ordinary"]], "action": "Read"},
			),
			(
				"frappe.email.inbox.mark_as_spam",
				{"communication": w.mails["ordinary"], "sender": "x@y.example"},
			),
		):
			response = w.call(kind, method, "POST", **args)
			assert response.status_code == 403, (kind, method, response.status_code, response.text[:300])
	# no copy left on any server: still the holder's or a manager's
	frappe.db.delete("Mailbox Copy", {"communication": w.mails["ordinary"]})
	frappe.db.commit()
	response = w.call(
		"sales_user", "crm_mail_archive.api.mark_spam", "POST", communication=w.mails["ordinary"]
	)
	assert response.status_code == 403
	assert frappe.db.get_value("Communication", w.mails["ordinary"], "email_status") != "Spam"
	assert not frappe.db.exists(
		"Email Rule", {"email_id": frappe.db.get_value("Communication", w.mails["ordinary"], "sender")}
	)
	response = w.call(
		"owner", "crm_mail_archive.api.mark_read", "POST", communications=[w.mails["ordinary"]], read=1
	)
	assert response.ok, response.text


def test_no_role_changes_an_archived_mail_or_removes_it_within_its_retention(world):
	"""GoBD: every way to change or delete archived mail over HTTP, tried by every user; only a
	manager may set a legal hold, and a manager's erasure keeps what retention keeps."""
	w = world
	ordinary = w.mails["ordinary"]
	attachment = frappe.get_all(
		"Mail Attachment", {"communication": ("in", list(w.mails.values()))}, ["name", "stored_file"]
	)
	table = []
	for kind in KINDS:
		tries = {
			"REST PUT subject": w.sessions[kind].put(
				f"{w.web_server}/api/resource/Communication/{ordinary}", json={"subject": "geändert"}
			),
			"frappe.client.set_value content": w.call(
				kind,
				"frappe.client.set_value",
				"POST",
				doctype="Communication",
				name=ordinary,
				fieldname="content",
				value="x",
			),
			"REST DELETE": w.sessions[kind].delete(f"{w.web_server}/api/resource/Communication/{ordinary}"),
			"frappe.client.delete": w.call(
				kind, "frappe.client.delete", "POST", doctype="Communication", name=ordinary
			),
			"delete_archived_mail": w.call(
				kind,
				"crm_mail_archive.api.delete_archived_mail",
				"POST",
				communication=ordinary,
				reason="weg",
			),
		}
		for row in attachment:
			tries[f"REST DELETE attachment {row.name}"] = w.sessions[kind].delete(
				f"{w.web_server}/api/resource/Mail Attachment/{row.name}"
			)
		for what, response in tries.items():
			table.append((kind, what, answer(response)))
		erase = w.call(
			kind, "crm_mail_archive.api.erase_personal_data", "POST", address=w.known_address, reason="Antrag"
		)
		table.append((kind, "erase_personal_data", answer(erase)))
		if erase.ok:  # a manager: what retention keeps is kept
			assert erase.json()["message"]["erasable"] == 0
	frappe.db.rollback()
	for mail, name in w.mails.items():
		assert frappe.db.exists("Communication", name), mail
		assert frappe.db.get_value("Communication", name, "subject") != "geändert"
	for row in attachment:  # the rows and, refused, every byte
		assert frappe.db.exists("Mail Attachment", row.name)
		assert archive_files.exists(row.stored_file)
	ARTIFACTS.mkdir(exist_ok=True)
	lines = ["| user | attempt on archived mail | answer |", "|---|---|---|"]
	lines += [f"| {kind} | {what} | {said} |" for kind, what, said in table]
	(ARTIFACTS / "attacker-matrix-retention.md").write_text("\n".join(lines) + "\n")
	refused = [row for row in table if row[1] != "erase_personal_data" and not row[2].startswith("refused")]
	assert refused == [], refused
	erasers = {
		kind for kind, what, said in table if what == "erase_personal_data" and not said.startswith("refused")
	}
	assert erasers == {"system_manager"}


# --- the archive's files: no File row, URL or deletion reaches them -------------------------------

FILE_ATTACKERS = {  # besides the world's users: the other roles that could try
	"auditor": ("Mail Archive Auditor",),
	"archive_manager": ("Mail Archive Manager",),
	"second_system_manager": ("System Manager",),
	"sales_user_with_mailbox": ("Sales User",),
}


def file_attacks(w: World, kind: str, attachment: str, original: str) -> dict[str, str]:
	"""Every way to reach an archive file through stock File, tried by `kind` who learned its name:
	what came of each ("refused…", or what got through)."""
	session, base = w.sessions[kind], w.web_server
	alias = {"doctype": "File", "file_name": "beilage.pdf", "is_private": 1}
	tries = {
		"create File aliasing an attachment": insert(
			w, kind, {**alias, "file_url": f"/private/files/{attachment}"}
		),
		"create File aliasing the original": insert(
			w, kind, {**alias, "file_url": f"/private/files/{original}"}
		),
		"create File aliasing by dot segments": insert(
			w, kind, {**alias, "file_url": f"/private/files/x/../{attachment}"}
		),
		"create File aliasing percent-encoded": insert(
			w, kind, {**alias, "file_url": "/private/files/" + attachment.replace("/", "%2F")}
		),
		"create public File aliasing an attachment": insert(
			w, kind, {**alias, "is_private": 0, "file_url": f"/files/../../private/files/{attachment}"}
		),
		"GET the attachment by its private URL": session.get(f"{base}/private/files/{attachment}"),
		"GET the original by its private URL": session.get(f"{base}/private/files/{original}"),
		"GET the attachment as a public file": session.get(f"{base}/files/{attachment}"),
	}
	own = insert(w, kind, {"doctype": "File", "file_name": "eigene.txt", "content": "eigen", "is_private": 1})
	if own.ok:
		name = own.json()["message"]["name"]
		tries["re-point an own File at an attachment"] = session.put(
			f"{base}/api/resource/File/{name}", json={"file_url": f"/private/files/{attachment}"}
		)
	# a File row pointing into the archive made past every check (by SQL), the attacker's own
	planted = frappe.generate_hash(length=10)
	frappe.db.sql(
		"""insert into `tabFile` (name, file_name, file_url, is_private, owner, creation, modified)
		values (%s, 'geplant.pdf', %s, 1, %s, now(), now())""",
		[planted, f"/private/files/{attachment}", w.users.get(kind, "Guest")],
	)
	frappe.db.commit()
	tries["download through a planted File row"] = session.get(f"{base}/private/files/{attachment}")
	tries["publish a planted File row (is_private 0)"] = session.put(
		f"{base}/api/resource/File/{planted}", json={"is_private": 0}
	)
	tries["delete a planted File row"] = session.delete(f"{base}/api/resource/File/{planted}")
	frappe.db.rollback()
	frappe.db.delete("File", {"name": planted})
	frappe.db.commit()
	mail_attachment = frappe.db.get_value("Mail Attachment", {"stored_file": attachment})
	tries["REST DELETE the Mail Attachment"] = session.delete(
		f"{base}/api/resource/Mail Attachment/{mail_attachment}"
	)
	tries["frappe.client.delete the Mail Attachment"] = w.call(
		kind, "frappe.client.delete", "POST", doctype="Mail Attachment", name=mail_attachment
	)
	bulk = w.call(
		kind,
		"frappe.desk.reportview.delete_items",
		"POST",
		doctype="Mail Attachment",
		items=[mail_attachment],
	)
	content = archive_files.read(attachment)
	verdicts = {}
	for what, response in tries.items():
		if what.startswith(("GET", "download")):  # whatever the status: never the bytes
			verdicts[what] = f"LEAK {response.status_code}" if content in response.content else "refused"
		else:
			verdicts[what] = answer(response)
	# (bulk delete answers 200 and reports what it could not delete)
	frappe.db.rollback()
	kept = frappe.db.exists("Mail Attachment", mail_attachment) and archive_files.read(attachment) == content
	verdicts["bulk delete the Mail Attachment"] = f"refused ({bulk.status_code}, kept)" if kept else "DELETED"
	return verdicts


def test_no_file_row_url_or_deletion_reaches_an_archive_file(
	world, dovecot, make_archive_account, committed_cleanup
):
	"""Issue 21: File aliasing (create, change the URL, publish), URL guessing and deletion of the
	archive's files, by every role: all refused (or finding nothing), every byte where it was."""
	w = world
	tag = uuid.uuid4().hex[:8]
	for kind, roles in FILE_ATTACKERS.items():
		email, password = f"{kind.replace('_', '-')}-{tag}@matrix.test", f"Pw-{uuid.uuid4().hex}"
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": kind,
				"send_welcome_email": 0,
				"new_password": password,
			}
		).insert(ignore_permissions=True)
		user.add_roles(*roles)
		committed_cleanup("User", email)
		w.users[kind] = email
		credentials = (email, password)
		if kind == "sales_user_with_mailbox":  # holds a mailbox of their own, not this one
			make_archive_account(dovecot.add_user(f"andere-{tag}@mail.test"), account_owner=email)
		frappe.db.commit()
		w.login(kind, *credentials)
	(attachment,) = frappe.get_all(
		"Mail Attachment", {"communication": w.mails["ordinary"]}, pluck="stored_file"
	)
	original = frappe.db.get_value("Communication", w.mails["ordinary"], "mail_archive_raw_file")
	files = {
		reference: archive_files.read(reference)
		for reference in frappe.get_all(
			"Mail Attachment", {"communication": ("in", list(w.mails.values()))}, pluck="stored_file"
		)
	}
	originals = {mail: original_bytes(name) for mail, name in w.mails.items()}
	table = []
	for kind in (*KINDS, *FILE_ATTACKERS):
		for what, said in file_attacks(w, kind, attachment, original).items():
			table.append((kind, what, said))
	frappe.db.rollback()
	ARTIFACTS.mkdir(exist_ok=True)
	lines = ["| user | attack on the archive's files | answer |", "|---|---|---|"]
	lines += [f"| {kind} | {what} | {said} |" for kind, what, said in table]
	(ARTIFACTS / "attacker-matrix-files.md").write_text("\n".join(lines) + "\n")
	accepted = [row for row in table if not row[2].startswith("refused")]
	assert accepted == [], accepted
	# refused means untouched: every file, every original, no row into the archive, nothing public
	for reference, content in files.items():
		assert archive_files.read(reference) == content
	assert {mail: original_bytes(name) for mail, name in w.mails.items()} == originals
	assert not frappe.db.sql("select name from `tabFile` where file_url like %s", ["%mail-archive%"])
	assert frappe.db.count("Mail Attachment", {"communication": ("in", list(w.mails.values()))}) == len(files)


def test_an_export_is_downloaded_by_its_maker_only(world):
	"""A System Manager administers the site, not its mail: another user's export (here one with a
	confidential account's mail in it) is not theirs to download; its file is read only through the
	endpoint (no File row, one file)."""
	w = world
	started = w.call(
		"owner", "crm_mail_archive.api.export_mail", "POST", scope="Account", account=w.accounts[1]
	)
	assert started.ok, started.text
	export = started.json()["message"]["export"]
	run_background_jobs()
	frappe.db.rollback()
	log = frappe.get_doc("Mail Export", export)
	assert log.status == "Ready" and archive_files.REFERENCE.match(log.file)
	assert not frappe.get_all("File", {"attached_to_doctype": "Mail Export", "attached_to_name": export})
	downloads = {
		kind: w.get(kind, "/api/method/crm_mail_archive.api.download_export", export=export) for kind in KINDS
	}
	assert downloads["owner"].ok
	assert w.markers["confidential"].encode() in unzipped(downloads["owner"].content)
	assert downloads["owner"].headers["X-Content-Type-Options"] == "nosniff"
	assert downloads["owner"].headers["Content-Disposition"].startswith("attachment")
	for kind, response in downloads.items():
		if kind != "owner":
			assert response.status_code in (403, 401), (kind, response.status_code)
			assert not response.content.startswith(b"PK")
	assert w.get("system_manager", f"/private/files/{log.file}").status_code in (403, 404)


def unzipped(content: bytes) -> bytes:
	import io
	import zipfile

	with zipfile.ZipFile(io.BytesIO(content)) as archive:
		return b"".join(archive.read(member) for member in archive.namelist())


def original_bytes(communication: str) -> bytes:
	from crm_mail_archive.storage.files import original_of

	return original_of(communication)


# --- privacy a sales team sets: account visibility and the Private mark ---------------------------

# paths that show that a mail exists (headers), which a Headers only account leaves to the readers
# of the records its mail is filed at
HEADER_PATHS = ("get_archive (Customer)", "get_archive (Contact)", "get_filings")


def set_visibility(w: World, visibility: str) -> None:
	account = frappe.get_doc("Mail Archive Account", w.accounts[0])
	account.visibility = visibility
	account.save(ignore_permissions=True)
	frappe.db.commit()


def check_privacy(w: World, full: dict[str, set[str]], headers: dict[str, set[str]], table, step) -> None:
	"""Like check(): a mail shows only to who reads it in full, or, on the paths that show its
	headers, to who may see those; one-mail paths still open it to every full reader."""
	for kind in KINDS:
		reads = {mail for mail, who in full.items() if kind in who}
		sees = reads | {mail for mail, who in headers.items() if kind in who}
		for path, seen in read_paths(w, kind).items():
			wrong = [f"LEAK {mail}" for mail in sorted(seen - (sees if path in HEADER_PATHS else reads))]
			if path in EXACT_PATHS:
				wrong += [f"DENIED {mail}" for mail in sorted(reads - seen)]
			table.append((step, kind, path, ", ".join(sorted(seen)) or "—", "; ".join(wrong) or "ok"))


def privacy_attacks(w: World, kind: str) -> dict[str, str]:
	"""Every way to change who reads the ordinary account's mail, tried by `kind`."""
	account, ordinary = w.accounts[0], w.mails["ordinary"]
	session = w.sessions[kind]
	tries = {
		"set_mail_private": w.call(
			kind, "crm_mail_archive.api.set_mail_private", "POST", communication=ordinary, private=1
		),
		"set_visibility Shared": w.call(
			kind, "crm_mail_archive.api.set_visibility", "POST", account=account, visibility="Shared"
		),
		"frappe.client.set_value mail_archive_private": w.call(
			kind,
			"frappe.client.set_value",
			"POST",
			doctype="Communication",
			name=ordinary,
			fieldname="mail_archive_private",
			value=0,
		),
		"REST DELETE the account": session.delete(
			f"{w.web_server}/api/resource/Mail Archive Account/{account}"
		),
		"REST PUT owner of the account": session.put(
			f"{w.web_server}/api/resource/Mail Archive Account/{account}",
			json={"account_owner": w.users.get(kind)},
		),
	}
	return {what: answer(response) for what, response in tries.items()}


def test_account_visibility_and_the_private_mark_hold_for_every_role(world):
	"""Headers only: the readers of the Customer see that the ordinary account's mail exists (the
	tab, its filings), nothing of its text or files on any path; Private, and a mail marked
	private: nobody but the holder, the System Manager included. Changing any of it: the holder
	or a manager; deleting the account: nobody (it holds mail)."""
	w = world
	w.by_text_only = True
	table: list[tuple] = []
	ordinary_account = ("ordinary", "unfiled", "internal")
	# a mail of the ordinary account is the holder's; the confidential mail stays its owner's
	holders_only = {mail: {"owner"} for mail in MAILS}

	set_visibility(w, "Headers only")
	colleagues = {"stock_user", "sales_user", "sales_manager", "system_manager"}
	headers = {"ordinary": colleagues, "unfiled": {"system_manager"}, "internal": {"system_manager"}}
	check_privacy(w, holders_only, headers, table, "Headers only")

	set_visibility(w, "Private")
	check_privacy(w, holders_only, {}, table, "Private")

	set_visibility(w, "Shared")
	response = w.call(
		"owner", "crm_mail_archive.api.set_mail_private", "POST", communication=w.mails["ordinary"], private=1
	)
	assert response.ok, response.text
	marked = {mail: set(who) for mail, who in READERS.items()}
	marked["ordinary"] = {"owner"}
	check_privacy(w, marked, {}, table, "Shared, the ordinary mail marked private")

	accepted = {kind: privacy_attacks(w, kind) for kind in KINDS}
	frappe.db.rollback()
	assert frappe.db.exists("Mail Archive Account", w.accounts[0])
	# a manager may give the account to someone else (audited below), nobody else may
	assert (
		frappe.db.get_value("Mail Archive Account", w.accounts[0], "account_owner")
		== w.users["system_manager"]
	)
	for mail in ordinary_account:
		assert frappe.db.exists("Communication", w.mails[mail])

	ARTIFACTS.mkdir(exist_ok=True)
	lines = ["| step | user | read path | mails shown | verdict |", "|---|---|---|---|---|"]
	lines += [f"| {' | '.join(row)} |" for row in table]
	lines += ["", "| user | change | answer |", "|---|---|---|"]
	lines += [
		f"| {kind} | {what} | {said} |" for kind, tries in accepted.items() for what, said in tries.items()
	]
	(ARTIFACTS / "attacker-matrix-privacy.md").write_text("\n".join(lines) + "\n")
	wrong = [row for row in table if row[-1] != "ok"]
	assert wrong == [], wrong
	allowed = {
		(kind, what) for kind, tries in accepted.items() for what, said in tries.items() if said == "accepted"
	}
	assert allowed == {
		("owner", "set_mail_private"),
		("system_manager", "set_mail_private"),
		("owner", "set_visibility Shared"),
		("system_manager", "set_visibility Shared"),
		("system_manager", "REST PUT owner of the account"),
	}, allowed
	changes = frappe.get_all(
		"Mail Archive Audit Event",
		{"action": "Access Changed", "reference_name": w.accounts[0]},
		pluck="detail",
	)
	assert {"visibility: Shared → Headers only", "visibility: Headers only → Private"} <= set(changes)
	assert f"account_owner: {w.users['owner']} → {w.users['system_manager']}" in changes
	assert frappe.db.exists(
		"Mail Archive Audit Event",
		{"action": "Marked Private", "communication": w.mails["ordinary"], "user": w.users["owner"]},
	)


def test_only_a_manager_tries_or_sets_up_a_mailbox_and_no_password_comes_back(world, dovecot):
	"""The connection test reaches any host with any password: System Manager (and Mail Archive
	Manager) only. Its answer, right or wrong, never holds the password."""
	w = world
	email_account = frappe.db.get_value("Mail Archive Account", w.accounts[0], "email_account")
	mailbox = frappe.db.get_value("Email Account", email_account, "email_id")
	settings = {
		"email_address": mailbox,
		"preset": "manual",
		"imap_host": "127.0.0.1",
		"imap_port": dovecot.imap_port,
		"imap_security": "plain",
	}
	calls = (
		(
			"crm_mail_archive.api.check_mailbox_connection",
			{"settings": {**settings, "password": "Rate-1234"}},
		),
		("crm_mail_archive.api.check_mailbox_connection", {"settings": settings, "account": w.accounts[0]}),
		("crm_mail_archive.api.set_up_mailbox", {"settings": {**settings, "password": "Rate-1234"}}),
		("crm_mail_archive.api.set_up_mailbox", {"settings": settings, "account": w.accounts[0]}),
		("crm_mail_archive.api.mailbox_setup_choices", {"account": w.accounts[0]}),
	)
	for kind in ("guest", "website_user", "stock_user", "sales_user", "sales_manager", "owner"):
		for method, args in calls:
			response = w.call(kind, method, "POST", **args)
			assert response.status_code == 403, (kind, method, response.status_code, response.text[:300])
			assert dovecot.password(mailbox) not in response.text
	assert frappe.db.get_value("Email Account", email_account, "email_server") == "127.0.0.1"

	# the manager: a wrong password is told as such, the stored one is used and never shown
	wrong = w.call(
		"system_manager",
		"crm_mail_archive.api.check_mailbox_connection",
		"POST",
		settings={**settings, "password": "Rate-1234"},
	)
	assert wrong.ok and wrong.json()["message"]["imap"]["problem"] == "auth"
	assert "Rate-1234" not in wrong.text
	stored = w.call(
		"system_manager",
		"crm_mail_archive.api.check_mailbox_connection",
		"POST",
		settings=settings,
		account=w.accounts[0],
	)
	assert stored.ok and stored.json()["message"]["imap"]["ok"] is True
	choices = w.call(
		"system_manager", "crm_mail_archive.api.mailbox_setup_choices", "GET", account=w.accounts[0]
	)
	assert choices.ok and choices.json()["message"]["values"]["has_password"] is True
	for response in (stored, choices):
		assert dovecot.password(mailbox) not in response.text


# --- bulk changes and the live events of changed mail ---------------------------------------------


def test_bulk_changes_are_checked_mail_by_mail(world):
	"""change_mails (the tab's bulk actions) changes a mail only for its mailbox's holder or a
	manager who may read it; who may change none of them is refused, nothing changes."""
	w = world
	mails = list(w.mails.values())
	for kind in ("guest", "website_user", "stock_user", "sales_user", "sales_manager"):
		for action, folder in (("Mark Read", None), ("Trash", None), ("Move", "INBOX")):
			response = w.call(
				kind,
				"crm_mail_archive.api.change_mails",
				"POST",
				communications=mails,
				action=action,
				folder=folder,
			)
			assert response.status_code == 403, (kind, action, response.status_code, response.text[:300])
	frappe.db.rollback()
	assert {frappe.db.get_value("Communication", name, "seen") for name in mails} == {0}
	assert not frappe.get_all("Mail Server Action", {"communication": ("in", mails)})
	assert "Trash" not in {frappe.db.get_value("Communication", name, "email_status") for name in mails}

	# a manager of the accounts: every mail they read, never the confidential account's
	response = w.call(
		"system_manager",
		"crm_mail_archive.api.change_mails",
		"POST",
		communications=mails,
		action="Mark Read",
	)
	assert response.ok, response.text
	assert set(response.json()["message"]["changed"]) == {
		w.mails[m] for m in ("ordinary", "unfiled", "internal")
	}
	assert response.json()["message"]["refused"] == [w.mails["confidential"]]
	frappe.db.rollback()
	assert frappe.db.get_value("Communication", w.mails["confidential"], "seen") == 0
	# the holder of both mailboxes: all of them
	response = w.call(
		"owner", "crm_mail_archive.api.change_mails", "POST", communications=mails, action="Mark Read"
	)
	assert response.ok and response.json()["message"]["refused"] == [], response.text
	frappe.db.rollback()
	assert {frappe.db.get_value("Communication", name, "seen") for name in mails} == {1}
	# an unknown action is a clear error, not a change
	response = w.call(
		"owner", "crm_mail_archive.api.change_mails", "POST", communications=mails, action="Delete"
	)
	assert response.status_code == 417 and "Unknown mail action" in response.text


def test_exporting_selected_rows_exports_only_what_the_user_reads_there(world):
	w = world
	started = w.call(
		"sales_user",
		"crm_mail_archive.api.export_mail",
		"POST",
		scope="Record",
		doctype="Customer",
		name=w.customer,
		communications=[w.mails["confidential"], w.mails["ordinary"], w.mails["unfiled"]],
	)
	assert started.ok, started.text
	run_background_jobs()
	frappe.db.rollback()
	log = frappe.get_doc("Mail Export", started.json()["message"]["export"])
	assert log.status == "Ready", log.error
	assert log.mails.split() == [w.mails["ordinary"]]


def test_a_live_event_reaches_only_the_users_who_may_read_the_mail(world):
	"""The realtime event that mail changed goes to each reader's own room with the ids they may
	read (never a mail's text), and to nobody else: read back from Redis, where socket.io takes it."""
	from frappe.utils.background_jobs import get_redis_connection_without_auth

	w = world
	mails = list(w.mails.values())
	pubsub = get_redis_connection_without_auth().pubsub(ignore_subscribe_messages=True)
	pubsub.subscribe("events")
	try:
		response = w.call(
			"owner", "crm_mail_archive.api.change_mails", "POST", communications=mails, action="Mark Read"
		)
		assert response.ok, response.text
		told: dict[str, dict] = {}
		deadline = time.monotonic() + 10
		while time.monotonic() < deadline:
			message = pubsub.get_message(timeout=1)
			if not message:
				continue
			event = json.loads(message["data"])
			if event["namespace"] == frappe.local.site and event["event"] == "mail_archive_changed":
				assert event["room"].startswith("user:"), event["room"]
				told[event["room"].removeprefix("user:")] = event["message"]
	finally:
		pubsub.close()
	for kind, user in w.users.items():
		may_read = {w.mails[mail] for mail, who in READERS.items() if kind in who}
		event = told.get(user)
		assert set(event["communications"] if event else ()) == may_read, kind
		if event:
			assert set(event) == {"communications", "documents"}  # ids, never the mail itself
			assert all(frappe.has_permission(d, "read", n, user=user) for d, n in event["documents"])
	assert not any(marker in json.dumps(told) for marker in w.markers.values())


def test_the_e_invoice_endpoints_for_every_role(world, dovecot, committed_cleanup):
	"""The E-Rechnung panel's data (get_einvoice) goes to the readers of the mail only; a draft
	Purchase Invoice (prefill_purchase_invoice, create_purchase_invoice) only to a reader who may
	create Purchase Invoices: none of the matrix's kinds, but a Purchase User who books invoices
	(Accounts User) and reads the ordinary mail (filed at the Customer) — never the confidential one."""
	w = world
	tag = uuid.uuid4().hex[:6]
	records = purchasing_records(tag, committed_cleanup)
	booker = a_user("booker", tag)
	frappe.get_doc("User", booker[0]).add_roles("Purchase User", "Accounts User")
	committed_cleanup("User", booker[0])
	frappe.db.commit()
	w.login("booker", *booker)
	data = InvoiceData(number=f"EM-{tag}", seller_vat=records["vat"])
	mails, attachments = {}, {}
	for mail, account in (("ordinary", w.accounts[0]), ("confidential", w.accounts[1])):
		email_account = frappe.db.get_value("Mail Archive Account", account, "email_account")
		mailbox = frappe.db.get_value("Email Account", email_account, "email_id")
		subject = f"E-Rechnung {mail} {tag}"
		dovecot.append(
			mailbox,
			a_mail(
				subject, sender=w.known_address, to=mailbox, attachments=[("rechnung.pdf", zugferd_pdf(data))]
			),
		)
		sync_account(account)
		mails[mail] = frappe.db.get_value("Communication", {"subject": subject})
	run_background_jobs()  # the e-invoices are read after the batch
	frappe.db.rollback()
	for mail, communication in mails.items():
		attachments[mail] = frappe.db.get_value(
			"Mail Attachment", {"communication": communication, "einvoice_status": "Read"}, "name"
		)
	assert all(attachments.values()), attachments
	readers = {"ordinary": READERS["ordinary"] | {"booker"}, "confidential": READERS["confidential"]}
	creators = {"ordinary": {"booker"}, "confidential": set()}
	table, wrong = [], []
	try:
		for kind in (*KINDS, "booker"):
			for mail, communication in mails.items():
				args = {"communication": communication, "attachment": attachments[mail]}
				shown = w.call(kind, "crm_mail_archive.api.einvoice.get_einvoice", **args)
				prefilled = w.call(kind, "crm_mail_archive.api.einvoice.prefill_purchase_invoice", **args)
				created = w.call(
					kind,
					"crm_mail_archive.api.einvoice.create_purchase_invoice",
					"POST",
					**args,
					values={"supplier": records["supplier"], "posting_date": "2026-12-01"},
				)
				if created.ok:
					committed_cleanup("Purchase Invoice", created.json()["message"]["name"])
				read = shown.ok and data.number in shown.text
				outcome = {
					"get_einvoice": read,
					"prefill_purchase_invoice": prefilled.ok and data.number in prefilled.text,
					"create_purchase_invoice": created.ok,
				}
				expected = {
					"get_einvoice": kind in readers[mail],
					"prefill_purchase_invoice": kind in creators[mail],
					"create_purchase_invoice": kind in creators[mail],
				}
				for endpoint, got in outcome.items():
					verdict = "ok" if got == expected[endpoint] else ("LEAK" if got else "DENIED")
					table.append((kind, mail, endpoint, answer_of(got), verdict))
					if verdict != "ok":
						wrong.append((kind, mail, endpoint, verdict))
				# a refusal never carries what the invoice says
				for response in (shown, prefilled, created):
					if not response.ok:
						assert data.number not in response.text and records["vat"] not in response.text
	finally:
		restore(records)
	ARTIFACTS.mkdir(exist_ok=True)
	lines = ["| user | mail | endpoint | answer | verdict |", "|---|---|---|---|---|"]
	lines += [f"| {' | '.join(row)} |" for row in table]
	(ARTIFACTS / "attacker-matrix-einvoice.md").write_text("\n".join(lines) + "\n")
	assert wrong == [], wrong
	frappe.db.rollback()
	assert frappe.db.count("Purchase Invoice", {"bill_no": data.number}) == 1
	assert not frappe.db.exists(
		"Timeline Link", {"communication": mails["confidential"], "link_doctype": "Purchase Invoice"}
	)


def answer_of(accepted: bool) -> str:
	return "accepted" if accepted else "refused"


# --- the chunked import upload (api.start_import_upload, send_import_chunk, finish_import_upload) --

# who imports into the ordinary account: its holder and the managers of accounts
IMPORTERS = {"owner", "system_manager"}


def test_the_chunked_import_upload_for_every_role(world):
	"""Starting an upload into an account is the import's own rule (its holder, managers of
	accounts); sending to an upload and finishing it only its starter: nobody else's chunk reaches
	the holder's file, nobody else imports it."""
	w = world
	account = w.accounts[0]
	mbox = raw_mail("Hochgeladen", w.known_address, "x@mail.test", "UPLOAD-MARKER", "up@x.example")
	content = b"From x@mail.test Mon Dec  7 10:00:00 2026\n" + mbox.replace(b"\r\n", b"\n") + b"\n"
	started = w.call(
		"owner",
		"crm_mail_archive.api.start_import_upload",
		"POST",
		file_name="a.mbox",
		size=len(content),
		account=account,
	)
	assert started.ok, started.text
	upload = started.json()["message"]["upload"]
	assert (
		w.sessions["owner"]
		.post(
			f"{w.web_server}/api/method/crm_mail_archive.api.send_import_chunk",
			data={"upload": upload, "offset": 0},
			files={"chunk": ("chunk", content[:100])},
		)
		.ok
	)
	table, wrong = [], []
	for kind in KINDS:
		session = w.sessions[kind]
		own = w.call(
			kind,
			"crm_mail_archive.api.start_import_upload",
			"POST",
			file_name="b.pst",
			size=10,
			account=account,
		)
		outcome = {"start": answer(own)}
		if kind != "owner":  # the holder's own sending and finishing come below
			outcome["chunk (holder's upload)"] = answer(
				session.post(
					f"{w.web_server}/api/method/crm_mail_archive.api.send_import_chunk",
					data={"upload": upload, "offset": 100},
					files={"chunk": ("chunk", b"FORGED" * 10)},
				)
			)
			outcome["finish (holder's upload)"] = answer(
				w.call(kind, "crm_mail_archive.api.finish_import_upload", "POST", upload=upload)
			)
		expected = {
			"start": "accepted" if kind in IMPORTERS else "refused",
			"chunk (holder's upload)": "refused",
			"finish (holder's upload)": "refused",
		}
		for what, result in outcome.items():
			ok = result.startswith(expected[what])
			table.append((kind, what, result, "ok" if ok else "WRONG"))
			if not ok:
				wrong.append((kind, what, result))
		if own.ok:
			from crm_mail_archive.transfer import uploads

			uploads.remove(own.json()["message"]["upload"])
	ARTIFACTS.mkdir(exist_ok=True)
	with open(ARTIFACTS / "attacker-matrix-chunked-upload.md", "w") as report:
		report.write("| role | request | answer | verdict |\n|---|---|---|---|\n")
		report.writelines(f"| {' | '.join(row)} |\n" for row in table)
	assert wrong == []
	# the holder's upload holds their bytes only, and goes on where they left it
	rest = w.sessions["owner"].post(
		f"{w.web_server}/api/method/crm_mail_archive.api.send_import_chunk",
		data={"upload": upload, "offset": 100},
		files={"chunk": ("chunk", content[100:])},
	)
	assert rest.ok and rest.json()["message"]["received"] == len(content)
	assert w.call("owner", "crm_mail_archive.api.finish_import_upload", "POST", upload=upload).ok
	run_background_jobs()
	frappe.db.rollback()
	imported = frappe.get_all(
		"Mailbox Copy", {"account": account, "folder": ("like", "Import%")}, pluck="communication"
	)
	assert len(imported) == 1
	assert "UPLOAD-MARKER" in frappe.db.get_value("Communication", imported[0], "text_content")


def test_an_accounts_completeness_figures_for_every_role(world):
	"""get_account_completeness: the figures of an account to who reads the account (its holder,
	managers of accounts; auditors: tests/security/test_completeness_access.py), never its mail."""
	w = world
	for kind in KINDS:
		for account in w.accounts:
			response = w.call(kind, "crm_mail_archive.api.get_account_completeness", account=account)
			assert response.ok == (kind in {"owner", "system_manager"}), (kind, account, response.status_code)
			assert not any(marker in response.text for marker in w.markers.values()), kind
			if response.ok:
				assert response.json()["message"]["seen"] >= 1
