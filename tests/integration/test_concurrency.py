"""Four workers on one account, and retroactive filing racing the sync: every mail once, every
filing made, nothing twice."""

import json
import subprocess
import time
import uuid

import frappe

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import (
	TEST_SITE,
	a_mail,
	bench_command,
	bench_path,
	checkout_env,
	copies_of,
	eventually,
	worker_command,
)

MAILS = 240


def sync_process(account_name: str) -> subprocess.Popen:
	"""A sync of the account in a process of its own, as a worker's job runs it."""
	return subprocess.Popen(
		bench_command(
			"--site",
			TEST_SITE,
			"execute",
			"crm_mail_archive.accounts.syncing.run_sync_job",
			"--kwargs",
			json.dumps({"account_name": account_name}),
		),
		stdout=subprocess.DEVNULL,
		stderr=subprocess.PIPE,
	)


def worker_process(queues: str) -> subprocess.Popen:
	"""A burst RQ worker of the test site's queues: runs what is queued, then ends."""
	return subprocess.Popen(
		worker_command(queues),
		cwd=bench_path() / "sites",
		env=checkout_env(),
		stdout=subprocess.DEVNULL,
		stderr=subprocess.PIPE,
	)


def test_four_workers_and_retroactive_filing_race_the_sync(dovecot, mail_user, make_archive_account, crm):
	customer = crm.customer("Parallelkunde")
	known, late = crm.address("bekannt"), crm.address("spaet")
	known_contact = crm.contact([known], links=[("Customer", customer)])
	dovecot.append_many(
		mail_user, [a_mail(f"Parallel {n:03d}", sender=known if n % 2 else late) for n in range(MAILS)]
	)
	account = make_archive_account(mail_user)
	frappe.db.set_single_value("Mail Archive Settings", "batch_size", 10)
	frappe.db.commit()
	try:
		workers = []
		for _ in range(4):
			workers.append(sync_process(account.name))
			time.sleep(0.7)
		# while the workers import: a contact for the other sender appears; its past mail is filed
		# by the retroactive job, the rest by the sync itself
		late_contact = crm.contact([late], links=[("Customer", customer)])
		frappe.db.commit()
		# the queued retroactive job runs beside them, as the bench's worker would run it
		workers.append(worker_process("mail_archive_sync,short,default,long"))
		for worker in workers:
			assert worker.wait(timeout=600) == 0, worker.stderr.read().decode()[-2000:]
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", 100)
		frappe.db.commit()
	sync_account(account.name)  # whatever a worker that found the account busy left over

	copies = copies_of(account)
	assert len(copies) == MAILS and len({c.uid for c in copies}) == MAILS  # every mail, once
	communications = {c.communication for c in copies}
	assert len(communications) == MAILS
	assert frappe.db.count("Communication", {"email_account": account.email_account}) == MAILS
	for communication in communications:
		sender = frappe.db.get_value("Communication", communication, "sender")
		contact = known_contact if sender == known else late_contact
		filed = {
			(row.link_doctype, row.link_name)
			for row in frappe.get_all(
				"Timeline Link", {"communication": communication}, ["link_doctype", "link_name"]
			)
		}
		assert filed == {("Contact", contact), ("Customer", customer)}, (sender, filed)
		assert frappe.db.count("Communication Link", {"parent": communication}) == 2


ACCOUNTS, MAILS_EACH = 4, 40


def test_two_workers_on_four_accounts_store_every_mail_once_while_a_sync_overlaps(
	dovecot, make_archive_account
):
	"""Scale-out as the README describes it: syncs queued the way the scheduler queues them, two
	RQ workers on the long queue, and a third sync of one account started by hand meanwhile (its
	lease makes one of them wait or skip): every account's mail is stored once, none twice."""
	from frappe.utils.background_jobs import get_job

	from crm_mail_archive.accounts.syncing import enqueue_sync, job_id

	users = [
		dovecot.add_user(f"scale-{n}-{uuid.uuid4().hex[:8]}@mail.test", "s3cret") for n in range(ACCOUNTS)
	]
	try:
		for n, user in enumerate(users):
			dovecot.append_many(user, [a_mail(f"Konto {n} Mail {m:02d}") for m in range(MAILS_EACH)])
		accounts = [make_archive_account(user) for user in users]
		frappe.db.set_single_value("Mail Archive Settings", "batch_size", 10)
		for account in accounts:
			enqueue_sync(account.name)
		frappe.db.commit()
		try:
			processes = [
				worker_process("mail_archive_sync,long"),
				worker_process("mail_archive_sync,long"),
				sync_process(accounts[0].name),
			]
			for process in processes:
				assert process.wait(timeout=600) == 0, process.stderr.read().decode()[-2000:]
		finally:
			frappe.db.set_single_value("Mail Archive Settings", "batch_size", 100)
			frappe.db.commit()

		def finished(account) -> bool:
			job = get_job(job_id(account.name))
			return job is not None and job.get_status() == "finished"

		# the development worker, when it runs, may have taken some of the jobs
		assert eventually(lambda: all(finished(account) for account in accounts), timeout=300)
		sync_account(accounts[0].name)  # what the hand-started sync may have left to the next run
		for n, account in enumerate(accounts):
			copies = copies_of(account)
			assert len(copies) == MAILS_EACH and len({c.uid for c in copies}) == MAILS_EACH, n
			subjects = frappe.get_all(
				"Communication", {"name": ("in", [c.communication for c in copies])}, pluck="subject"
			)
			assert sorted(subjects) == [f"Konto {n} Mail {m:02d}" for m in range(MAILS_EACH)]
	finally:
		for user in users:
			dovecot.remove_user_mail(user)
