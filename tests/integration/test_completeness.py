"""Completeness against a real Dovecot and the real test site: every mail a folder held that the
archive does not hold is reported with its reason (expunged before archived — told by the server
through QRESYNC, or found from UID gaps on a server without it —, quarantined), beside what is
archived with its headers only and what the blocklist keeps from being filed; on the account,
in the Mail Archive Integrity report and on the command line."""

import subprocess
import uuid
from collections.abc import Iterator

import frappe
import pytest

from crm_mail_archive.accounts.status import account_status
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.crm_mail_archive.report.mail_archive_integrity.mail_archive_integrity import execute
from crm_mail_archive.integrity.completeness import account_completeness
from devtools.dovecot import DovecotServer
from tests.support import a_mail, bench_command, bench_path, copies_of


@pytest.fixture(scope="module")
def dovecot_without_qresync() -> Iterator[DovecotServer]:
	"""A second private Dovecot that does not advertise QRESYNC (CONDSTORE it still has): a mail
	server where expunges between syncs can only be found from UID gaps. A real server, not a
	switch in the client: the sync decides from what the server offers, as it will in production."""
	server = DovecotServer.start(capabilities_without={"QRESYNC"})
	try:
		yield server
	finally:
		server.stop()


def expunge(server: DovecotServer, username: str, uids: list[int], folder: str = "INBOX") -> None:
	"""Delete mails for good, as a user's mail client does."""
	with server.session(username) as client:
		client.select_folder(folder)
		client.delete_messages(uids)
		client.uid_expunge(uids)


def gaps_of(account) -> list[tuple]:
	return [
		(gap.folder, gap.first_uid, gap.last_uid, gap.uid_count, gap.reason, gap.evidence)
		for gap in frappe.get_all(
			"Mail Archive Gap",
			{"account": account.name},
			["folder", "first_uid", "last_uid", "uid_count", "reason", "evidence"],
			order_by="first_uid asc",
		)
	]


def inbox(account):
	(folder,) = [f for f in account_completeness(account.name).folders if f.folder == "INBOX"]
	return folder


def expunged_between_two_syncs(server: DovecotServer, username: str, account) -> None:
	"""Two mails archived; then three arrive (UIDs 3, 4, 5) and the first and the last of them
	are deleted before the next sync: one inside the range the sync fetches, one above it."""
	server.append_many(username, [a_mail("Erste"), a_mail("Zweite")])
	sync_account(account.name)
	assert inbox(account).missing == 0 and inbox(account).archived == 2
	uids = server.append_many(username, [a_mail("Gelöscht 1"), a_mail("Bleibt"), a_mail("Gelöscht 2")])
	assert uids == [3, 4, 5]
	expunge(server, username, [3, 5])


def test_with_qresync_a_mail_expunged_between_two_syncs_is_reported_as_the_server_says(
	dovecot, mail_user, make_archive_account
):
	account = make_archive_account(mail_user)
	expunged_between_two_syncs(dovecot, mail_user, account)

	result = sync_account(account.name)
	assert result.new_communications == 1
	(folder,) = result.folders
	assert folder.expunged_unarchived == 2
	# Dovecot offers QRESYNC: the SELECT's VANISHED (EARLIER) named both
	assert gaps_of(account) == [
		("INBOX", 3, 3, 1, "Expunged Before Archived", "QRESYNC VANISHED"),
		("INBOX", 5, 5, 1, "Expunged Before Archived", "QRESYNC VANISHED"),
	]
	figures = inbox(account)
	assert (figures.held, figures.seen, figures.archived, figures.missing) == (5, 3, 3, 2)
	assert (figures.expunged_reported, figures.expunged_inferred, figures.quarantined) == (2, 0, 0)
	assert figures.counting_since and figures.last_gap_on

	# reported once: later syncs add nothing, and a mail deleted after it was archived is no gap
	expunge(dovecot, mail_user, [4])
	sync_account(account.name)
	sync_account(account.name)
	assert len(gaps_of(account)) == 2
	assert inbox(account).missing == 2

	# the account's status line carries the figures
	status = account_status(account.name)["completeness"]
	assert (status["held"], status["archived"], status["missing"], status["expunged_unarchived"]) == (
		5,
		3,
		2,
		2,
	)


def test_without_qresync_the_same_expunges_are_found_from_the_uid_gaps(
	dovecot_without_qresync, make_archive_account
):
	server = dovecot_without_qresync
	username = server.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")
	try:
		account = make_archive_account(username, server=server)
		expunged_between_two_syncs(server, username, account)
		sync_account(account.name)
		assert gaps_of(account) == [
			("INBOX", 3, 3, 1, "Expunged Before Archived", "UID Gap"),
			("INBOX", 5, 5, 1, "Expunged Before Archived", "UID Gap"),
		]
		figures = inbox(account)
		assert (figures.held, figures.archived, figures.missing, figures.expunged_inferred) == (5, 3, 2, 2)
		sync_account(account.name)
		assert len(gaps_of(account)) == 2
	finally:
		server.remove_user_mail(username)


def test_mail_deleted_before_the_first_sync_shows_as_a_uid_gap_and_is_not_counted_missing(
	dovecot, mail_user, make_archive_account
):
	uids = dovecot.append_many(
		mail_user, [a_mail("Alt 1"), a_mail("Alt 2"), a_mail("Alt 3"), a_mail("Alt 4")]
	)
	expunge(dovecot, mail_user, [uids[0], uids[3]])
	account = make_archive_account(mail_user)
	sync_account(account.name)
	assert gaps_of(account) == [
		("INBOX", 1, 1, 1, "Before First Sync", "UID Gap"),
		("INBOX", 4, 4, 1, "Before First Sync", "UID Gap"),
	]
	figures = inbox(account)
	assert (figures.seen, figures.archived, figures.missing, figures.before_first_sync) == (2, 2, 0, 2)


@pytest.fixture
def small_mail_limit():
	before = frappe.db.get_single_value("Mail Archive Settings", "max_mail_size_mb")
	frappe.db.set_single_value("Mail Archive Settings", "max_mail_size_mb", 1)
	frappe.db.commit()
	frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")
	yield
	frappe.db.set_single_value("Mail Archive Settings", "max_mail_size_mb", before)
	frappe.db.commit()
	frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")


def test_the_report_counts_a_folder_with_quarantined_blocklisted_and_oversized_mail(
	dovecot, mail_user, make_archive_account, committed_cleanup, small_mail_limit
):
	blocked_sender = f"news@blocked-{uuid.uuid4().hex[:8]}.example"
	entry = frappe.get_doc(
		{"doctype": "Archive Blocklist", "entry_type": "Domain", "value": blocked_sender.split("@")[1]}
	).insert(ignore_permissions=True)
	committed_cleanup("Archive Blocklist", entry.name)
	frappe.db.commit()
	dovecot.append(mail_user, a_mail("Anfrage"))
	dovecot.append(mail_user, b"\r\n")  # nothing a parser can make a mail of: quarantined
	dovecot.append(mail_user, a_mail("Newsletter", sender=blocked_sender))
	dovecot.append(mail_user, a_mail("Riesig", attachments=[("plan.pdf", b"%PDF" + b"x" * 1_200_000)]))
	account = make_archive_account(mail_user)
	sync_account(account.name)

	columns, rows, _message, _chart, summary = execute({"show": "Completeness", "account": account.name})
	assert {"held", "archived", "missing", "quarantined", "blocked", "headers_only"} <= {
		c["fieldname"] for c in columns
	}
	(row,) = [row for row in rows if row["folder"] == "INBOX"]
	assert row["account"] == account.name
	assert (row["held"], row["seen"], row["archived"], row["missing"]) == (4, 4, 3, 1)
	assert (row["quarantined"], row["expunged_unarchived"], row["headers_only"], row["blocked"]) == (
		1,
		0,
		1,
		1,
	)
	# the blocklisted mail is archived, only not filed at its address
	assert len(copies_of(account, status="Stored")) == 3
	missing = next(card for card in summary if card["label"] == "Missing")
	assert missing["value"] == 1

	# a quarantined mail retried successfully no longer counts as missing
	from crm_mail_archive.ingest import retry_quarantined

	(quarantined,) = copies_of(account, status="Quarantined")
	with pytest.raises(frappe.ValidationError):
		retry_quarantined(quarantined.name)  # still nothing to parse: stays quarantined, counted
	frappe.db.rollback()
	assert inbox(account).quarantined == 1


def cli(*args: str) -> subprocess.CompletedProcess:
	return subprocess.run(
		bench_command("--site", frappe.local.site, "mail-archive", *args),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=300,
	)


def test_the_cli_prints_the_auditors_figures_per_folder(dovecot, mail_user, make_archive_account):
	account = make_archive_account(mail_user)
	expunged_between_two_syncs(dovecot, mail_user, account)
	sync_account(account.name)
	frappe.db.commit()

	printed = cli("completeness", "--account", account.name)
	assert printed.returncode == 0, printed.stderr
	(line,) = [line for line in printed.stdout.splitlines() if line.startswith(f"{account.name} / INBOX:")]
	assert "5 held on the server, 3 seen, 3 archived (0 headers only" in line
	assert "2 missing: 2 expunged before archived (2 reported by the server, 0 from UID gaps" in line
	assert "0 quarantined" in line
	assert "completeness: 1 accounts, 5 mails held on the servers, 3 archived, 2 missing" in printed.stdout

	unknown = cli("completeness", "--account", "no-such-account@example.invalid")
	assert unknown.returncode != 0 and "no Mail Archive Account" in unknown.stderr

	verified = cli("verify", "--account", account.name, "--since", frappe.utils.today())
	assert f"{account.name} / INBOX: since " in verified.stdout
	assert "2 missing" in verified.stdout
