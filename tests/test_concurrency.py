"""Four workers on one account, and retroactive filing racing the sync: every mail once, every
filing made, nothing twice."""

import json
import subprocess
import time

import frappe

from crm_mail_archive.accounts.sync import sync_account
from tests.support import TEST_SITE, a_mail, bench_command, bench_path, copies_of

MAILS = 240


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
	job = json.dumps({"account_name": account.name})
	try:
		workers = []
		for _ in range(4):
			workers.append(
				subprocess.Popen(
					bench_command(
						"--site",
						TEST_SITE,
						"execute",
						"crm_mail_archive.accounts.sync.run_sync_job",
						"--kwargs",
						job,
					),
					stdout=subprocess.DEVNULL,
					stderr=subprocess.PIPE,
				)
			)
			time.sleep(0.7)
		# while the workers import: a contact for the other sender appears; its past mail is filed
		# by the retroactive job, the rest by the sync itself
		late_contact = crm.contact([late], links=[("Customer", customer)])
		frappe.db.commit()
		# the queued retroactive job runs beside them, as the bench's worker would run it
		workers.append(
			subprocess.Popen(
				bench_command("worker", "--queue", "short,default,long", "--burst"),
				cwd=bench_path() / "sites",
				stdout=subprocess.DEVNULL,
				stderr=subprocess.PIPE,
			)
		)
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
