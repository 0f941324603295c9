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


def last_execution():
	"""When the scheduler last ran the job that queues due syncs (its tick, as the site saw it)."""
	return frappe.db.get_value("Scheduled Job Type", {"method": SYNC_JOB}, "last_execution")


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
		# counted in the scheduler's ticks, not seconds (a loaded machine ticks late): the mail
		# must be filed before a third tick runs the job, i.e. by the work of the first two
		ticks, last_tick = 0, last_execution()
		hang_guard = time.monotonic() + 600
		filed = False
		while ticks < 3 and not filed and time.monotonic() < hang_guard:
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
			if (tick := last_execution()) != last_tick:
				ticks, last_tick = ticks + 1, tick
		assert filed, f"the scheduler did not sync the new mail within two ticks ({ticks} ticks seen)"
		assert frappe.db.get_value("Mail Archive Account", account.name, "last_sync")
	finally:
		for process in processes:
			process.terminate()
		for process in processes:
			process.wait(timeout=30)
