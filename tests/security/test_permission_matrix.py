"""Permission matrix: six kinds of user by every read path of archived mail (form, form timeline,
list, report, export, the archive API) and every mail API method. No confidential or unreadable
mail leaks, and no response carries an Email Account password."""

import json
import uuid

import frappe
import pytest
from frappe.desk import reportview
from frappe.desk.form.load import get_communications, getdoc

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from tests.support import a_mail, copies_of, make_user

USERS = {
	"system_manager": ("System Manager",),
	"sales_manager": ("Sales Manager",),
	"sales_user": ("Sales User",),
	"no_crm_role": (),
	"owner": ("Sales User",),  # owns the confidential account
	"other": ("Sales User",),
}
# who may read the ordinary mail filed at the customer: readers of the customer, stock readers
READS_ORDINARY = {"system_manager", "sales_manager", "sales_user", "owner", "other"}


@pytest.fixture
def world(dovecot, mail_user, make_archive_account, crm):
	users = {kind: make_user(*roles) for kind, roles in USERS.items()}
	customer = crm.customer("Matrixkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	dovecot.append(mail_user, a_mail("Gewöhnliche Post", sender=sender))
	ordinary_account = make_archive_account(mail_user)
	sync_account(ordinary_account.name)
	(ordinary,) = [c.communication for c in copies_of(ordinary_account)]

	secret_user = dovecot.add_user(f"geheim-{uuid.uuid4().hex[:6]}@mail.test")
	dovecot.append(secret_user, a_mail("Vertrauliche Post", sender=sender))
	confidential_account = make_archive_account(secret_user, confidential=1, account_owner=users["owner"])
	sync_account(confidential_account.name)
	(confidential,) = [c.communication for c in copies_of(confidential_account)]
	links.link(confidential, "Customer", customer, "Manual", user=users["owner"])
	frappe.db.commit()
	passwords = [dovecot.password(mail_user), dovecot.password(secret_user)]
	return users, customer, ordinary, confidential, passwords


def read_paths(customer: str) -> dict[str, object]:
	"""Everything a user can ask for that could show archived mail (names as seen)."""
	seen: dict[str, object] = {}

	def attempt(name, function):
		try:
			seen[name] = function()
		except frappe.PermissionError:
			seen[name] = "denied"
		finally:
			frappe.clear_messages()

	attempt("list", lambda: frappe.get_list("Communication", pluck="name", limit_page_length=0))
	attempt(
		"report",
		lambda: [
			row[0]
			for row in reportview.execute("Communication", fields=["name"], limit_page_length=0, as_list=True)
		],
	)
	attempt(
		"export",
		lambda: [
			row[0]
			for row in frappe.get_list(
				"Communication", fields=["name", "subject", "content"], as_list=True, limit_page_length=0
			)
		],
	)
	attempt("timeline", lambda: [c.name for c in get_communications("Customer", customer)])
	attempt("archive", lambda: [m.name for m in api.get_archive("Customer", customer)["mails"]])
	return seen


def can_open(communication: str) -> bool:
	try:
		getdoc("Communication", communication)
	except frappe.PermissionError:
		return False
	finally:
		frappe.clear_messages()
	return frappe.response.docs[-1].name == communication if frappe.response.get("docs") else False


def test_no_user_sees_mail_they_may_not_read_on_any_path(world):
	users, customer, ordinary, confidential, passwords = world
	for kind, user in users.items():
		frappe.set_user(user)
		frappe.response.docs = []
		assert can_open(confidential) == (kind == "owner"), kind
		assert can_open(ordinary) == (kind in READS_ORDINARY | {"owner"}), kind
		for path, names in read_paths(customer).items():
			if names == "denied":
				continue
			assert kind == "owner" or confidential not in names, (kind, path)
			if kind not in READS_ORDINARY:
				assert ordinary not in names, (kind, path)
		response = json.dumps(read_paths(customer), default=str) + json.dumps(
			frappe.response.get("docs", []), default=str
		)
		for password in passwords:
			assert password not in response, kind
		frappe.set_user("Administrator")


@pytest.mark.parametrize("kind", list(USERS))
def test_every_mail_api_method_respects_the_rules(world, kind):
	users, customer, ordinary, confidential, _passwords = world
	frappe.set_user(users[kind])
	methods = {
		"get_filings": lambda c: api.get_filings(c),
		"get_server_state": lambda c: api.get_server_state(c),
		"open_opportunities": lambda c: api.open_opportunities(c),
		"refile_mail": lambda c: api.refile_mail(c),
	}
	for name, method in methods.items():
		for communication, allowed in ((confidential, kind == "owner"), (ordinary, kind in READS_ORDINARY)):
			try:
				method(communication)
				result = True
			except frappe.PermissionError:
				result = False
			finally:
				frappe.clear_messages()
			assert result == allowed, (kind, name, communication == confidential)
	# changing the mailbox on the server: its holder only (the owner holds the confidential one)
	for communication, holder in ((confidential, "owner"), (ordinary, None)):
		try:
			api.mark_read(communication)
			changed = True
		except frappe.PermissionError:
			changed = False
		finally:
			frappe.clear_messages()
		assert changed == (kind == holder or (kind == "system_manager" and holder is None)), (
			kind,
			communication,
		)


def test_email_account_passwords_never_leave_the_server(world):
	users, _customer, _ordinary, _confidential, passwords = world
	frappe.set_user(users["system_manager"])
	responses = []
	for account in frappe.get_all("Mail Archive Account", pluck="name"):
		frappe.response.docs = []
		getdoc("Mail Archive Account", account)
		getdoc("Email Account", account)
		responses.append(json.dumps(frappe.response.docs, default=str))
		responses.append(json.dumps(frappe.get_list("Email Account", fields=["*"]), default=str))
	for password in passwords:
		assert all(password not in response for response in responses)
