"""Sync under real operating conditions: STARTTLS, an unreachable server, a worker killed
mid-batch, two workers at once, the retry of a quarantined mail, scheduling and the API."""

import multiprocessing
import random
import signal
import subprocess
import time
import uuid

import frappe
import psutil
import pytest

from crm_mail_archive.accounts.schedule import due_accounts
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from crm_mail_archive.infra import archive_files
from crm_mail_archive.ingest import retry_quarantined
from crm_mail_archive.mailbox.client import MailboxUnavailable
from crm_mail_archive.storage.files import keep_new_file
from devtools.dovecot import DovecotServer, free_port
from tests.support import (
	TEST_SITE,
	a_mail,
	bench_command,
	bench_path,
	copies_of,
	eventually,
	filing_sources,
	message_id_of,
	remove_queued_sync,
	with_headers,
)


def bench_sync_process(account_name: str) -> subprocess.Popen:
	return subprocess.Popen(
		bench_command("--site", TEST_SITE, "mail-archive", "sync", "--account", account_name),
		cwd=bench_path() / "sites",
		stdout=subprocess.PIPE,
		stderr=subprocess.STDOUT,
		text=True,
	)


@pytest.fixture
def small_batches():
	settings = frappe.get_single("Mail Archive Settings")
	previous = settings.batch_size
	frappe.db.set_single_value("Mail Archive Settings", "batch_size", 5)
	frappe.db.commit()
	frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")
	yield
	frappe.db.set_single_value("Mail Archive Settings", "batch_size", previous)
	frappe.db.commit()
	frappe.clear_document_cache("Mail Archive Settings", "Mail Archive Settings")


def fill(dovecot: DovecotServer, user: str, count: int) -> None:
	dovecot.append_many(user, [a_mail(f"Mail {n:03d}") for n in range(count)])


def assert_each_mail_exactly_once(account, count: int) -> None:
	frappe.db.rollback()  # see what other processes committed
	copies = copies_of(account)
	assert sorted(c.uid for c in copies) == list(range(1, count + 1))
	communications = {c.communication for c in copies}
	assert len(communications) == count
	subjects = frappe.get_all("Communication", {"name": ("in", list(communications))}, pluck="subject")
	assert sorted(subjects) == [f"Mail {n:03d}" for n in range(count)]


def test_sync_over_starttls(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, a_mail("per STARTTLS"))
	account = make_archive_account(mail_user)
	frappe.db.set_value("Email Account", account.email_account, "use_starttls", 1)
	frappe.db.commit()
	assert sync_account(account.name).new_communications == 1


def test_unreachable_server_is_retried_later_and_recovers(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, a_mail("später"))
	account = make_archive_account(mail_user)
	frappe.db.set_value("Email Account", account.email_account, "incoming_port", free_port())
	frappe.db.commit()
	with pytest.raises(MailboxUnavailable):
		sync_account(account.name)
	account.reload()
	assert account.health == "Retrying" and account.failure_count == 1
	assert account.name not in due_accounts()  # backing off

	frappe.db.set_value("Email Account", account.email_account, "incoming_port", dovecot.imap_port)
	frappe.db.commit()
	assert sync_account(account.name).new_communications == 1
	account.reload()
	assert account.health == "OK"


@pytest.mark.slow
def test_worker_killed_mid_batch_then_rerun_stores_every_mail_exactly_once(
	dovecot, mail_user, make_archive_account, small_batches
):
	fill(dovecot, mail_user, 60)
	account = make_archive_account(mail_user)
	kill_after = random.Random(7).randint(5, 45)
	process = bench_sync_process(account.name)
	stored = 0
	deadline = time.monotonic() + 120
	helpers: list[psutil.Process] = []
	while process.poll() is None and time.monotonic() < deadline:
		frappe.db.rollback()
		stored = frappe.db.count("Mailbox Copy", {"account": account.name})
		if stored >= kill_after:
			helpers = psutil.Process(process.pid).children(recursive=True)
			process.send_signal(signal.SIGKILL)
			break
		time.sleep(0.01)
	process.wait(timeout=30)
	assert process.returncode == -signal.SIGKILL, process.stdout.read()
	assert 0 < stored < 60  # killed in the middle, not before or after
	# the process parsing ahead ends with the killed sync instead of waiting for work for ever
	assert helpers, "a sync of several batches parses ahead in another process"
	assert eventually(lambda: not any(helper.is_running() for helper in helpers), timeout=10)

	result = sync_account(account.name)  # takes over the dead worker's lock at once
	assert result.stored == 60 - stored
	assert_each_mail_exactly_once(account, 60)


def test_a_sync_of_many_batches_parses_ahead_and_leaves_no_process_behind(
	dovecot, mail_user, make_archive_account, small_batches
):
	fill(dovecot, mail_user, 23)  # five batches of at most five
	account = make_archive_account(mail_user)
	before = set(multiprocessing.active_children())

	result = sync_account(account.name)

	assert result.stored == 23
	assert_each_mail_exactly_once(account, 23)
	assert set(multiprocessing.active_children()) == before


@pytest.mark.slow
def test_two_workers_at_once_store_no_duplicate(dovecot, mail_user, make_archive_account, small_batches):
	fill(dovecot, mail_user, 40)
	account = make_archive_account(mail_user)
	workers = [bench_sync_process(account.name) for _ in range(2)]
	outputs = [worker.communicate(timeout=180)[0] for worker in workers]
	assert all(worker.returncode == 0 for worker in workers), outputs
	assert_each_mail_exactly_once(account, 40)
	assert sync_account(account.name).stored == 0


def test_retry_stores_a_quarantined_mail_and_keeps_a_hopeless_one(dovecot, mail_user, make_archive_account):
	dovecot.append(mail_user, b"\r\n")
	account = make_archive_account(mail_user)
	sync_account(account.name)
	hopeless = frappe.db.get_value("Mailbox Copy", {"account": account.name, "status": "Quarantined"})
	with pytest.raises(frappe.ValidationError):
		retry_quarantined(hopeless)
	assert frappe.db.get_value("Mailbox Copy", hopeless, "status") == "Quarantined"

	# a mail an earlier version could not store: its raw bytes are good now
	raw = a_mail("zweiter Versuch")
	raw_file = keep_new_file(raw)
	copy = frappe.get_doc(
		{
			"doctype": "Mailbox Copy",
			"account": account.name,
			"folder": "INBOX",
			"uidvalidity": dovecot.uidvalidity(mail_user),
			"uid": 999,
			"status": "Quarantined",
			"quarantine_reason": "ParserBug: earlier version",
			"raw_file": raw_file,
			"size": len(raw),
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	communication = retry_quarantined(copy.name)
	assert frappe.db.get_value("Communication", communication, "subject") == "zweiter Versuch"
	stored = frappe.db.get_value(
		"Mailbox Copy", {"account": account.name, "uid": 999}, ["status", "communication"], as_dict=True
	)
	assert stored.status == "Stored" and stored.communication == communication
	frappe.db.commit()  # the quarantined bytes go once the stored mail is committed
	assert not archive_files.exists(raw_file)


def test_due_accounts_follow_the_interval_and_the_backoff(dovecot, mail_user, make_archive_account):
	account = make_archive_account(mail_user)
	assert account.name in due_accounts()  # never synced
	sync_account(account.name)
	assert account.name not in due_accounts()  # synced just now
	frappe.db.set_value(
		"Mail Archive Account",
		account.name,
		"last_sync",
		frappe.utils.add_to_date(frappe.utils.now_datetime(), minutes=-6),
	)
	assert account.name in due_accounts()  # default interval: 5 minutes
	frappe.db.set_value("Mail Archive Account", account.name, "enabled", 0)
	assert account.name not in due_accounts()


def queued_sync_jobs(prefix: str) -> dict[str, dict]:
	"""The jobs on the syncs' queue whose id starts with `prefix`: id -> kwargs of the method."""
	from frappe.utils.background_jobs import get_queue

	from crm_mail_archive.infra.jobs import sync_queue

	queue = get_queue(sync_queue())
	jobs = {}
	for job in queue.get_jobs():
		if job.id.startswith(f"{frappe.local.site}::{prefix}"):
			jobs[job.id.split("::", 1)[1]] = job.kwargs["kwargs"]
	return jobs


def test_the_scheduler_queues_due_accounts_in_groups_each_account_in_one_group_once():
	from crm_mail_archive.accounts.syncing import enqueue_scheduled_syncs

	due = [f"gruppe-{n}@mail.test" for n in range(25)]
	try:
		# 300 enabled accounts: three jobs' worth (ACCOUNTS_PER_SCHEDULED_JOB = 100)
		enqueue_scheduled_syncs(due, enabled_accounts=300)
		frappe.db.commit()  # jobs are queued when the tick's transaction commits
		first = queued_sync_jobs("mail-archive-scheduled-sync::")
		# a second tick while they wait in the queue queues nothing more
		enqueue_scheduled_syncs(due, enabled_accounts=300)
		frappe.db.commit()
		assert queued_sync_jobs("mail-archive-scheduled-sync::") == first
	finally:
		from frappe.utils.background_jobs import get_queue

		from crm_mail_archive.infra.jobs import sync_queue

		for job in get_queue(sync_queue()).get_jobs():
			if "::mail-archive-scheduled-sync::" in job.id:
				job.delete()
	assert set(first) <= {f"mail-archive-scheduled-sync::{group}/3" for group in range(3)}
	grouped = [name for kwargs in first.values() for name in kwargs["account_names"]]
	assert sorted(grouped) == sorted(due)  # every due account, in exactly one group
	assert len(first) >= 2  # 300 accounts are more than one job's worth


def test_a_scheduled_group_syncs_a_batch_each_hands_big_imports_on_and_survives_a_broken_account(
	dovecot, make_archive_account
):
	from crm_mail_archive.accounts.syncing import job_id, run_scheduled_sync_job

	big_user, small_user = (
		dovecot.add_user(f"{kind}-{uuid.uuid4().hex[:8]}@mail.test", "s3cret") for kind in ("gross", "klein")
	)
	try:
		dovecot.append_many(big_user, [a_mail(f"Altbestand {n:02d}") for n in range(25)])
		dovecot.append(small_user, a_mail("Neu"))
		big, small = make_archive_account(big_user), make_archive_account(small_user)
		for account in (big, small):
			remove_queued_sync(account.name)
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", 10)
		frappe.db.commit()
		try:
			# the first account of the group does not exist any more: the others are synced
			run_scheduled_sync_job(["gelöscht@mail.test", big.name, small.name])
		finally:
			frappe.db.set_single_value("Mail Archive Settings", "batch_size", 100)
			frappe.db.commit()
		assert len(copies_of(small)) == 1
		assert len(copies_of(big)) == 10  # one batch here; the rest continues in its own job
		assert f"{job_id(big.name)}" in queued_sync_jobs(job_id(big.name))
		assert frappe.db.get_value("Mail Archive Account", big.name, "health") == "OK"
		assert frappe.get_all(
			"Error Log", {"method": ("like", "%gelöscht@mail.test%")}, limit=1
		), "the broken account is logged"
	finally:
		for user in (big_user, small_user):
			remove_queued_sync(user)
			dovecot.remove_user_mail(user)


def test_import_fires_no_notifications(dovecot, mail_user, make_archive_account, committed_cleanup):
	notification = frappe.get_doc(
		{
			"doctype": "Notification",
			"name": f"Archive test {uuid.uuid4().hex[:6]}",
			"subject": "New mail {{ doc.subject }}",
			"document_type": "Communication",
			"event": "New",
			"channel": "System Notification",
			"recipients": [{"receiver_by_role": "System Manager"}],
			"message": "x",
			"enabled": 1,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	committed_cleanup("Notification", notification.name)
	logs_before = frappe.db.count("Notification Log", {"document_type": "Communication"})
	queue_before = frappe.db.count("Email Queue")

	dovecot.append(mail_user, a_mail("alte Mail"))
	account = make_archive_account(mail_user)
	assert sync_account(account.name).new_communications == 1
	assert frappe.db.count("Notification Log", {"document_type": "Communication"}) == logs_before
	assert frappe.db.count("Email Queue") == queue_before


def test_sync_with_an_oauth_token_from_the_connected_app(
	dovecot, mail_user, make_archive_account, oauth_introspection
):
	dovecot.append(mail_user, a_mail("per OAuth"))
	account = make_archive_account(mail_user)
	app = frappe.get_doc(
		{
			"doctype": "Connected App",
			"provider_name": f"Mail Provider {uuid.uuid4().hex[:6]}",
			"client_id": "archive-client",
			"authorization_uri": "https://auth.mail.test/authorize",
			"token_uri": "https://auth.mail.test/token",
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Token Cache",
			"connected_app": app.name,
			"user": "Administrator",
			"access_token": oauth_introspection.issue(mail_user),
			"expires_in": 3600,
			"token_type": "Bearer",
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		"Email Account",
		account.email_account,
		{
			"auth_method": "OAuth",
			"connected_app": app.name,
			"connected_user": "Administrator",
			"password": None,
		},
	)
	frappe.db.commit()
	try:
		assert sync_account(account.name).new_communications == 1
	finally:
		frappe.db.set_value("Email Account", account.email_account, "connected_app", None)
		frappe.delete_doc("Token Cache", f"{app.name}-Administrator", force=True, ignore_permissions=True)
		frappe.delete_doc("Connected App", app.name, force=True, ignore_permissions=True)
		frappe.db.commit()


def test_a_revoked_oauth_token_needs_attention(dovecot, mail_user, make_archive_account):
	from crm_mail_archive.mailbox.client import ConnectionSettings, MailboxAuthError, MailboxClient

	settings = ConnectionSettings(
		host="127.0.0.1", port=dovecot.imap_port, username=mail_user, security="plain", oauth_token="revoked"
	)
	with pytest.raises(MailboxAuthError):
		MailboxClient(settings).connect()


def test_expunged_newest_mail_moves_the_folder_state_up(dovecot, mail_user, make_archive_account):
	dovecot.append_many(mail_user, [a_mail(f"Bleibt {n}") for n in range(2)])
	account = make_archive_account(mail_user)
	sync_account(account.name)
	gone = dovecot.append(mail_user, a_mail("Gleich wieder weg"))
	with dovecot.session(mail_user) as client:
		client.select_folder("INBOX")
		client.delete_messages([gone])
		client.expunge()
	sync_account(account.name)
	state = frappe.db.get_value(
		"Mail Archive Folder",
		{"parent": account.name, "folder_name": "INBOX"},
		["highest_uid", "highest_modseq"],
		as_dict=True,
	)
	assert state.highest_uid == gone  # nothing lies below UIDNEXT any more
	assert state.highest_modseq  # and the next sync can answer "nothing changed" from STATUS
	assert frappe.db.count("Mailbox Copy", {"account": account.name}) == 2


def test_a_retried_quarantined_mail_is_indexed_threaded_and_filed_like_a_synced_one(
	dovecot, mail_user, make_archive_account, crm
):
	customer = crm.customer("Wiederholkunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	original = a_mail("Angebot", sender=sender)
	account = make_archive_account(mail_user, automatic_filing=1)
	dovecot.append(mail_user, original)
	sync_account(account.name)
	(first,) = [c.communication for c in copies_of(account)]
	links.link(first, "Opportunity", make_opportunity(customer), "Manual", user="Administrator")
	frappe.db.commit()

	# the reply could not be stored by an earlier version: it waits in quarantine
	reply = with_headers(a_mail("AW: Angebot", sender=sender), In_Reply_To=f"<{message_id_of(original)}>")
	uid = dovecot.append(mail_user, reply)
	raw_file = keep_new_file(reply)
	frappe.get_doc(
		{
			"doctype": "Mailbox Copy",
			"account": account.name,
			"folder": "INBOX",
			"uidvalidity": dovecot.uidvalidity(mail_user),
			"uid": uid,
			"status": "Quarantined",
			"quarantine_reason": "ParserBug: earlier version",
			"raw_file": raw_file,
			"size": len(reply),
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(
		"Mail Archive Folder", {"parent": account.name, "folder_name": "INBOX"}, "highest_uid", uid
	)
	frappe.db.commit()

	(copy,) = [c for c in copies_of(account) if c.status == "Quarantined"]
	communication = retry_quarantined(copy.name)
	opportunity = frappe.db.get_value(
		"Timeline Link", {"communication": first, "link_doctype": "Opportunity"}, "link_name"
	)
	assert filing_sources(communication) == {
		("Contact", contact): "Automatic",  # filed by its addresses
		("Customer", customer): "Automatic",
		("Opportunity", opportunity): "Reply",  # and threaded to where its original was filed
	}
	assert frappe.db.get_value("Communication", communication, "in_reply_to") == first
	assert set(frappe.get_all("Mail Address Index", {"communication": communication}, pluck="address")) == {
		sender,
		"vertrieb@mail.test",
	}
	assert frappe.db.get_value("Mailbox Copy", copy.name, ["status", "communication"]) == (
		"Stored",
		communication,
	)


def make_opportunity(customer: str) -> str:
	company = frappe.db.get_single_value("Global Defaults", "default_company")
	return (
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": customer,
				"company": company,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
