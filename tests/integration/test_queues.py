"""Live work never waits behind bulk work: the syncs (IDLE-triggered and scheduled) have a queue of
their own, with a worker of its own, declared in the bench's config; imports, exports, retroactive
filing, blocklist re-filing and an import's attachment words go to the bulk queue; an erasure of
many mails queues no job per mail, and contacts saved by the dozen queue one retroactive job."""

from __future__ import annotations

import subprocess

import frappe
import pytest
from frappe.utils.background_jobs import get_queue, get_queues_timeout

from crm_mail_archive.accounts.syncing import enqueue_scheduled_syncs, enqueue_sync
from crm_mail_archive.compliance.erasure import erase_address
from crm_mail_archive.filing.blocklist import enqueue_blocklist_entry
from crm_mail_archive.filing.retroactive import enqueue_past_mail
from crm_mail_archive.infra.jobs import BULK_QUEUE, LIVE_QUEUE, SYNC_QUEUE, sync_queue
from crm_mail_archive.transfer.imports import MailImport
from crm_mail_archive.transfer.jobs import enqueue_import
from tests.support import a_mail, bench_path, checkout_env, worker_command

QUEUES = (SYNC_QUEUE, "short", LIVE_QUEUE, BULK_QUEUE)


def jobs_on(queue: str) -> list:
	return get_queue(queue).get_jobs()


def methods_on(queue: str) -> list[str]:
	return sorted(job.kwargs["method"] for job in jobs_on(queue))


def queue_lengths() -> dict[str, int]:
	return {queue: get_queue(queue).count for queue in QUEUES}


def empty_queues() -> None:
	for queue in QUEUES:
		get_queue(queue).empty()


@pytest.fixture
def quiet_queues():
	"""The test site's queues (a bench_id of its own: nobody else's jobs), empty before and after."""
	empty_queues()
	yield
	empty_queues()


def run_worker(queues: str) -> None:
	result = subprocess.run(
		worker_command(queues),
		cwd=bench_path() / "sites",
		env=checkout_env(),
		capture_output=True,
		timeout=600,
	)
	assert result.returncode == 0, result.stderr.decode()[-2000:]


def test_the_bench_declares_the_syncs_queue_the_frappe_way():
	# common_site_config.json `workers` (scripts/lib.sh: declare_sync_queue): Frappe's enqueue and
	# `bench worker --queue mail_archive_sync` accept it
	assert SYNC_QUEUE in get_queues_timeout()
	assert sync_queue() == SYNC_QUEUE


def test_syncs_land_on_their_own_queue_and_bulk_work_on_the_bulk_queue(quiet_queues, crm):
	enqueue_sync("Warteschlangenkonto")
	enqueue_sync("Warteschlangenkonto", "INBOX")  # what the IDLE watcher queues
	enqueue_scheduled_syncs(["Warteschlangenkonto", "Zweites Konto"], enabled_accounts=2)
	enqueue_import(["keine-datei"], "Warteschlangenkonto", None)
	enqueue_past_mail([crm.address("rueckwirkend")], [("Customer", crm.customer("Warteschlangenkunde"))])
	enqueue_blocklist_entry("Domain", "gesperrt.example")
	frappe.db.commit()  # jobs are queued when the transaction commits

	assert methods_on(SYNC_QUEUE) == [
		"crm_mail_archive.accounts.syncing.run_scheduled_sync_job",
		"crm_mail_archive.accounts.syncing.run_sync_job",
		"crm_mail_archive.accounts.syncing.run_sync_job",
	]
	assert methods_on(BULK_QUEUE) == [
		"crm_mail_archive.filing.blocklist.apply_blocklist_entry",
		"crm_mail_archive.filing.retroactive.file_past_mail_job",
		"crm_mail_archive.transfer.jobs.run_import_job",
	]
	assert methods_on("short") == [] and methods_on(LIVE_QUEUE) == []


def test_an_imports_attachment_words_go_to_the_bulk_queue(
	quiet_queues, mail_user, make_archive_account, tmp_path
):
	account = make_archive_account(mail_user)
	path = tmp_path / "anhang.eml"
	path.write_bytes(a_mail("Mit Anhang", attachments=[("liste.txt", b"Ersatzteilliste Pumpe")]))
	result = MailImport(account.name).run([(str(path), path.name)])
	frappe.db.commit()
	assert len(result.communications) == 1
	assert methods_on(BULK_QUEUE) == ["crm_mail_archive.search.attachments.index_attachments_job"]
	assert methods_on(SYNC_QUEUE) == [] and methods_on(LIVE_QUEUE) == []


def test_contacts_saved_by_the_dozen_queue_one_retroactive_job_and_a_repeat_none(quiet_queues, crm):
	customer = crm.customer("Sammelkunde")
	for n in range(40):
		crm.contact([crm.address(f"sammel{n}")], links=[("Customer", customer)])
	frappe.db.commit()
	jobs = [job for job in jobs_on(BULK_QUEUE) if job.kwargs["method"].endswith("file_past_mail_job")]
	assert len(jobs) == 1
	requests = jobs[0].kwargs["kwargs"]["requests"]
	assert len(requests) == 40  # every contact's addresses and targets, in the one job
	assert all(["Customer", customer] in targets for _addresses, targets in requests)
	assert queue_lengths()[LIVE_QUEUE] == 0 and queue_lengths()["short"] == 0


@pytest.fixture
def old_mails(mail_user, make_archive_account, crm, tmp_path):
	"""MAILS archived mails of one address, from 2012 (their retention is over), filed at its
	customer; returns (address, their names)."""
	customer = crm.customer("Loeschkunde")
	address = crm.address("loeschen")
	crm.contact([address], links=[("Customer", customer)])
	account = make_archive_account(mail_user)
	paths = []
	for n in range(MAILS):
		path = tmp_path / f"{n}.eml"
		path.write_bytes(a_mail(f"Alte Anfrage {n}", sender=address))
		paths.append((str(path), path.name))
	names = MailImport(account.name, ("Customer", customer)).run(paths).communications
	frappe.db.sql(
		"update `tabCommunication` set communication_date = '2012-03-01 10:00:00' where name in %(names)s",
		{"names": names},
	)
	frappe.db.commit()
	return address, names


MAILS = 60


def test_an_erasure_of_many_mails_queues_no_job_per_mail_and_leaves_no_reference(quiet_queues, old_mails):
	address, names = old_mails
	# stock rows that belong to a mail (delete_dynamic_links' work, done here in one statement)
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": "Communication",
			"reference_name": names[0],
			"content": "Rückruf erledigt",
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": "Antworten",
			"reference_type": "Communication",
			"reference_name": names[1],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	empty_queues()  # what the import queued

	# as in production: under `in_test` stock's delete_doc would run its per-document follow-up
	# job at once instead of queueing it, and this test could not see one
	in_test, frappe.flags.in_test = frappe.flags.in_test, False
	try:
		result = erase_address(address, "Antrag vom 7.12.")
		frappe.db.commit()
	finally:
		frappe.flags.in_test = in_test

	assert result["erasable"] == MAILS
	assert queue_lengths() == dict.fromkeys(QUEUES, 0)  # no job at all, let alone one per mail
	assert frappe.db.count("Communication", {"name": ("in", names)}) == 0
	assert frappe.db.count("Communication Link", {"parent": ("in", names)}) == 0
	assert frappe.db.count("Timeline Link", {"communication": ("in", names)}) == 0
	assert frappe.db.count("Mail Search Text", {"communication": ("in", names)}) == 0
	assert frappe.db.count("Comment", {"reference_doctype": "Communication", "reference_name": names[0]}) == 0
	assert frappe.db.count("ToDo", {"reference_type": "Communication", "reference_name": names[1]}) == 0
	assert frappe.db.get_value("Mail Archive Erasure", result["erasure"], "mail_count") == MAILS


@pytest.mark.slow
def test_a_sync_is_run_by_the_sync_worker_while_the_bulk_queue_is_full(
	quiet_queues, dovecot, mail_user, make_archive_account, crm
):
	account = make_archive_account(mail_user)
	dovecot.append(mail_user, a_mail("Eilige Anfrage", sender=crm.address("eilig")))
	# the bulk queue holds 300 jobs (a large import's worth), and no bulk worker has started yet
	for n in range(300):
		enqueue_past_mail([f"niemand{n}@bulk.example"], [("Customer", "Niemand")])
		frappe.db.commit()
	enqueue_sync(account.name, "INBOX")  # as the IDLE watcher does on new mail
	frappe.db.commit()
	assert get_queue(BULK_QUEUE).count == 300

	run_worker(SYNC_QUEUE)  # the syncs' own worker, as in the Procfile

	frappe.db.rollback()
	assert frappe.db.exists(
		"Communication", {"subject": "Eilige Anfrage", "email_account": account.email_account}
	)
	assert get_queue(BULK_QUEUE).count == 300  # the bulk work waits for its own worker
	assert get_queue(SYNC_QUEUE).count == 0

	dovecot.append(mail_user, a_mail("Zweite eilige Anfrage"))
	enqueue_scheduled_syncs([account.name], enabled_accounts=1)  # the scheduler's tick
	frappe.db.commit()
	run_worker(SYNC_QUEUE)
	frappe.db.rollback()
	assert frappe.db.exists(
		"Communication", {"subject": "Zweite eilige Anfrage", "email_account": account.email_account}
	)
	assert get_queue(BULK_QUEUE).count == 300
