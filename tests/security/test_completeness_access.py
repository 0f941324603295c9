"""Who reads an account's completeness, over real HTTP: the figures come with the account's status
(get_account_status) to whoever may open the account — its holder and the managers of accounts —;
the figures alone (get_account_completeness) to those and to the archive's auditors, without mail
or credentials; the gap records (Mail Archive Gap) to the archive's managers and auditors; the Mail Archive
Integrity report's completeness view to those who run the report (auditors, System Managers).
Every other role gets nothing of them."""

import json
import uuid

import frappe
import pytest
import requests

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import a_mail

pytestmark = pytest.mark.slow

ROLES = {
	"guest": None,
	"website_user": (),
	"stock_user": ("Stock User",),
	"sales_user": ("Sales User",),
	"sales_manager": ("Sales Manager", "Sales User"),
	"holder": ("Sales User",),
	"archive_manager": ("Mail Archive Manager",),
	"auditor": ("Mail Archive Auditor",),
	"system_manager": ("System Manager",),
}
READS_STATUS = {"holder", "archive_manager", "system_manager"}
READS_GAPS = {"archive_manager", "auditor", "system_manager"}
READS_FIGURES = READS_STATUS | {"auditor"}
# what the figures are made of: counts, dates, folder names (nothing of a mail, nothing of a login)
FIGURE_KEYS = {
	"account",
	"counting_since",
	"held",
	"seen",
	"archived",
	"headers_only",
	"missing",
	"quarantined",
	"expunged_unarchived",
	"expunged_reported",
	"expunged_inferred",
	"expunged_at_fetch",
	"before_first_sync",
	"blocked",
	"folders",
}
RUNS_REPORT = {"auditor", "system_manager"}


def a_user(kind: str, committed_cleanup) -> tuple[str, str]:
	email = f"{kind.replace('_', '-')}-{uuid.uuid4().hex[:8]}@completeness.test"
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
	if ROLES[kind]:
		user.add_roles(*ROLES[kind])
	committed_cleanup("User", email)
	return email, password


@pytest.fixture
def sessions_and_account(web_server, dovecot, mail_user, make_archive_account, committed_cleanup):
	users = {kind: a_user(kind, committed_cleanup) for kind in ROLES if ROLES[kind] is not None}
	dovecot.append(mail_user, a_mail("Eins"))
	account = make_archive_account(mail_user, account_owner=users["holder"][0])
	sync_account(account.name)
	(gone,) = dovecot.append_many(mail_user, [a_mail("Weg")])
	with dovecot.session(mail_user) as client:
		client.select_folder("INBOX")
		client.delete_messages([gone])
		client.uid_expunge([gone])
	sync_account(account.name)
	assert frappe.db.count("Mail Archive Gap", {"account": account.name}) == 1
	frappe.db.commit()
	sessions = {}
	for kind in ROLES:
		session = requests.Session()
		if kind in users:
			email, password = users[kind]
			response = session.post(f"{web_server}/api/method/login", data={"usr": email, "pwd": password})
			assert response.ok, (kind, response.text)
		sessions[kind] = session
	return sessions, account


def test_only_the_holder_the_managers_and_the_auditors_read_an_accounts_completeness(
	web_server, sessions_and_account
):
	sessions, account = sessions_and_account
	outcome = {}
	for kind, session in sessions.items():
		status = session.get(
			f"{web_server}/api/method/crm_mail_archive.api.get_account_status",
			params={"account": account.name},
		)
		figures = status.json().get("message", {}).get("completeness") if status.ok else None
		gaps = session.get(
			f"{web_server}/api/resource/Mail Archive Gap",
			params={
				"fields": json.dumps(["account", "uid_count"]),
				"filters": json.dumps({"account": account.name}),
			},
		)
		report = session.get(
			f"{web_server}/api/method/frappe.desk.query_report.run",
			params={
				"report_name": "Mail Archive Integrity",
				"filters": json.dumps({"show": "Completeness", "account": account.name}),
			},
		)
		report_rows = report.json()["message"]["result"] if report.ok else []
		alone = session.get(
			f"{web_server}/api/method/crm_mail_archive.api.get_account_completeness",
			params={"account": account.name},
		)
		figures_alone = alone.json()["message"] if alone.ok else None
		if figures_alone is not None:
			assert set(figures_alone) == FIGURE_KEYS, kind
			assert "Weg" not in alone.text and "Eins" not in alone.text  # no subject of a mail
			assert "password" not in alone.text.lower()
		else:
			assert alone.status_code in (401, 403), (kind, alone.status_code)
		unknown = session.get(
			f"{web_server}/api/method/crm_mail_archive.api.get_account_completeness",
			params={"account": f"{account.name}-none"},
		)
		outcome[kind] = {
			"status": bool(figures) and (figures["missing"], figures["expunged_unarchived"]) == (1, 1),
			"gaps": gaps.ok and [row["uid_count"] for row in gaps.json()["data"]] == [1],
			"figures": bool(figures_alone)
			and (figures_alone["missing"], figures_alone["expunged_unarchived"], figures_alone["seen"])
			== (1, 1, 1),
			# an account that does not exist: said to who may read figures, refused alike to others
			"unknown": unknown.status_code,
			"report": any(
				isinstance(row, dict) and row.get("account") == account.name and row.get("missing") == 1
				for row in report_rows
			),
		}
	assert outcome == {
		kind: {
			"status": kind in READS_STATUS,
			"gaps": kind in READS_GAPS,
			"report": kind in RUNS_REPORT,
			"figures": kind in READS_FIGURES,
			"unknown": 404 if kind in READS_FIGURES - {"holder"} else 403,
		}
		for kind in ROLES
	}
