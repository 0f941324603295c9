"""P9, P10, P11: the scheduled no-op sync in one worker run, the command line's start-up beside
its no-op sync, and scale-out over 1, 2 and 4 workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from perf.corpus import business_mailbox, fill_mailbox, mail_corpus
from perf.measure import Figure, log, timed
from perf.processes import (
	finished_jobs,
	job_seconds,
	no_other_workers,
	run_workers,
	scheduler_tick,
	sync_and_bulk_queues,
)
from perf.site import make_accounts, remove_account


def worker_rows(dovecot, size: dict) -> list[Figure]:
	from crm_mail_archive.accounts.syncing import sync_account

	no_other_workers()
	log("one worker run to empty the queues (and its start-up)")
	empty_run = run_workers(1, f"short,default,{sync_and_bulk_queues()}")
	stamp = int(time.time())
	count = size["noop_accounts"]
	log(f"scheduled no-op sync of {count} accounts")
	accounts = []
	try:
		for n in range(count):
			user = dovecot.add_user(f"tick-{n}-{stamp}@bench.example", "bench")
			fill_mailbox(dovecot, user, mail_corpus(20, seed=13 + n, domain=f"tick-{n}.example", contacts=[]))
			accounts.append(make_accounts(dovecot, user))
			sync_account(accounts[-1])  # imported: from now on nothing changes on the server
		rows = [scheduled_sync_row(accounts), command_line_row(accounts[0], empty_run)]
	finally:
		for account in accounts:
			remove_account(account)
	return [*rows, scale_out_row(dovecot, size["scale_mails"], stamp)]


def scheduled_sync_row(accounts: list[str]) -> Figure:
	"""P9: the scheduler's tick with these accounts due and nothing new on the server, one worker
	run."""
	import frappe

	count = len(accounts)
	tick, worker_run, jobs = scheduler_tick(accounts)
	total, span, each = job_seconds(jobs)
	frappe.db.rollback()
	synced = frappe.db.count(
		"Mail Archive Account",
		{"name": ("in", accounts), "last_sync": (">", frappe.utils.add_to_date(None, minutes=-10))},
	)
	return Figure(
		"P9",
		f"scheduled no-op sync of {count} accounts in one worker run",
		f"{len(each)} job(s) of the tick: **{total * 1000:.0f} ms** in all (each {min(each) * 1000:.0f}–{max(each) * 1000:.0f} ms); "
		f"first start to last end {span * 1000:.0f} ms; "
		f"the scheduler's tick {tick * 1000:.0f} ms; {synced} of {count} accounts synced; the worker "
		f"process {worker_run:.1f} s with its own start-up",
		"",
		"≤ 1 s for the jobs",
		total <= 1.0 and synced == count,
	)


def command_line_row(account: str, empty_run: float) -> Figure:
	"""P10: the command line's start-up, beside what its no-op sync costs."""
	import frappe

	from crm_mail_archive.accounts.syncing import sync_account

	cli = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site]
	whole = timed(
		lambda: subprocess.run(
			[*cli, "mail-archive", "sync", "--account", account], check=True, capture_output=True
		),
		repeat=3,
	)
	start_up = timed(
		lambda: subprocess.run([*cli, "mail-archive", "--help"], check=True, capture_output=True),
		repeat=3,
	)
	in_process = timed(lambda: sync_account(account), repeat=5)
	return Figure(
		"P10",
		"`bench --site S mail-archive sync --account A` with nothing new, as a whole process",
		f"{whole:.2f} s: start-up of bench and Frappe ({start_up:.2f} s for `mail-archive --help`) and a "
		f"**{in_process * 1000:.0f} ms** sync (median of 3 and 5); an empty worker run: {empty_run:.1f} s",
		"",
		"reported (start-up is Frappe's)",
		True,
	)


def scale_out_row(dovecot, mails: int, stamp: int) -> Figure:
	"""P11: scale-out, 1, 2 and 4 workers on 4 accounts of business mail."""
	log(f"scale-out: 4 accounts of {mails} business mails")
	users = []
	for n in range(4):
		user = dovecot.add_user(f"scale-{n}-{stamp}@bench.example", "bench")
		fill_mailbox(dovecot, user, business_mailbox(mails, 17 + n, f"scale-{n}.example", []))
		users.append(user)
	try:
		measured = {workers: scale_out_run(dovecot, users, workers) for workers in (1, 2, 4)}
	finally:
		for user in users:
			dovecot.remove_user_mail(user)
	one = measured[1][0]
	return Figure(
		"P11",
		f"scale-out: 4 accounts × {mails} business mails, 1 / 2 / 4 workers",
		"; ".join(
			f"{workers}: {4 * mails / span:.0f} mails/s ({span:.1f} s, **{one / span:.2f}×**; {stored} stored)"
			for workers, (span, _, stored) in measured.items()
		)
		+ f" — on {os.cpu_count()} cores",
		"",
		"reported; every mail once",
		all(stored == 4 * mails for _, _, stored in measured.values()),
	)


def scale_out_run(dovecot, users: list[str], workers: int) -> tuple[float, float, int]:
	"""(first job's start to last job's end, the workers' wall time, mailbox copies stored)."""
	import frappe

	from crm_mail_archive.accounts.syncing import enqueue_sync

	log(f"scale-out: {workers} workers")
	accounts = [make_accounts(dovecot, user) for user in users]
	try:
		for account in accounts:
			enqueue_sync(account)
		frappe.db.commit()
		wall = run_workers(workers)
		_, span, _ = job_seconds(finished_jobs(accounts))
		frappe.db.rollback()
		return span, wall, frappe.db.count("Mailbox Copy", {"account": ("in", accounts)})
	finally:
		for account in accounts:
			remove_account(account)
