"""Sync you can trust: the scheduler syncs by itself (a mail appended on the server is on its
Customer within two scheduler ticks, nobody presses anything), and a time zone change (the setup
wizard's) never leaves our scheduled job "due" hours from now."""

import subprocess
import time

import frappe
import pytest
from frappe.utils import add_to_date, now_datetime

from crm_mail_archive import events
from tests.support import a_mail, bench_command, bench_path, checkout_env, worker_command

SYNC_JOB = "crm_mail_archive.tasks.enqueue_due_account_syncs"


def job():
	return frappe.get_doc("Scheduled Job Type", {"method": SYNC_JOB})


def test_jobs_created_in_another_time_zone_are_due_within_a_minute_after_the_change():
	# what the setup wizard leaves: created in Asia/Kolkata, read in Europe/Berlin
	ahead = add_to_date(now_datetime(), hours=4, minutes=30)
	frappe.db.set_value(
		"Scheduled Job Type", {"method": SYNC_JOB}, {"last_execution": ahead}, update_modified=False
	)
	frappe.db.sql("update `tabScheduled Job Type` set creation = %s where method = %s", (ahead, SYNC_JOB))
	assert not job().is_event_due(add_to_date(now_datetime(), minutes=1))

	events.time_zone_may_have_changed()  # setup_wizard_success, System Settings saved, migrate
	assert job().is_event_due(add_to_date(now_datetime(), minutes=1))


@pytest.fixture
def scheduler_on():
	"""The test command turns the test site's scheduler off; this test needs it."""
	frappe.db.set_single_value("System Settings", "enable_scheduler", 1)
	frappe.db.commit()
	yield
	frappe.db.set_single_value("System Settings", "enable_scheduler", 0)
	frappe.db.commit()


@pytest.mark.slow
def test_new_mail_reaches_its_customer_by_itself_within_two_scheduler_ticks(
	dovecot, mail_user, make_archive_account, crm, scheduler_on
):
	customer = crm.customer("Zeitplankunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	account = make_archive_account(mail_user, automatic_filing=1)
	events.time_zone_may_have_changed()
	frappe.db.commit()
	uid = dovecot.append(mail_user, a_mail("Von selbst", sender=sender))
	# what `bench start` runs: the scheduler and a worker (of the test site's own queues; a
	# running development scheduler may queue the tick first; either way nobody calls a sync)
	processes = [
		subprocess.Popen(
			argv,
			cwd=bench_path() / "sites",
			env=checkout_env(),
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		for argv in (bench_command("schedule"), worker_command(burst=False))
	]
	try:
		deadline = time.monotonic() + 150  # two ticks of one minute, and the work
		filed = False
		while time.monotonic() < deadline and not filed:
			time.sleep(3)
			frappe.db.rollback()
			communication = frappe.db.get_value(
				"Mailbox Copy", {"account": account.name, "uid": uid}, "communication"
			)
			filed = bool(
				communication
				and frappe.db.exists(
					"Timeline Link",
					{"communication": communication, "link_doctype": "Customer", "link_name": customer},
				)
			)
		assert filed, "the scheduler did not sync the new mail within two ticks"
		assert frappe.db.get_value("Mail Archive Account", account.name, "last_sync")
	finally:
		for process in processes:
			process.terminate()
		for process in processes:
			process.wait(timeout=30)
