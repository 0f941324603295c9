"""The processes a benchmark starts beside itself: RQ burst workers, the watcher, a web server,
and the RQ jobs they ran."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

# the checkout this package is in: the processes it starts import its app and devtools from there
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def checkout_env() -> dict[str, str]:
	return {
		**os.environ,
		"PYTHONPATH": os.pathsep.join(filter(None, [CHECKOUT, os.environ.get("PYTHONPATH")])),
	}


@contextmanager
def private_dovecot():
	"""A Dovecot of the benchmark's own, on free ports; its folder goes with it."""
	from devtools.dovecot import DovecotServer

	root = tempfile.mkdtemp(prefix="crm-mail-archive-bench-")
	dovecot = DovecotServer.start(root)
	try:
		yield dovecot
	finally:
		dovecot.stop()
		shutil.rmtree(root, ignore_errors=True)


class BenchProcess:
	"""A long-running bench process (watcher, worker, web server) of this checkout; its output in a
	file."""

	def __init__(self, *args: str):
		self.log = tempfile.NamedTemporaryFile("w+", prefix="crm-mail-archive-bench-", suffix=".log")
		self.process = subprocess.Popen(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *args],
			stdout=self.log,
			stderr=subprocess.STDOUT,
			env=checkout_env(),
		)

	def output(self) -> str:
		self.log.seek(0)
		return self.log.read()

	def stop(self) -> None:
		self.process.terminate()
		try:
			self.process.wait(30)
		except subprocess.TimeoutExpired:
			self.process.kill()
			self.process.wait()
		self.log.close()


# --- RQ workers and their jobs ---------------------------------------------------------------


def redis_queue():
	from frappe.utils.background_jobs import get_redis_conn

	return get_redis_conn()


def no_other_workers() -> None:
	"""Measured jobs must run on the workers started here: a bench's own workers (bench start,
	supervisor) would take some of them."""
	from rq import Worker

	workers = Worker.all(connection=redis_queue())
	if workers:
		raise RuntimeError(
			f"{len(workers)} RQ workers of this bench are running ({', '.join(w.name for w in workers)}); "
			"stop them (bench start, supervisor) for the benchmark: they would take the measured jobs"
		)


def sync_and_bulk_queues() -> str:
	"""The syncs' own queue (where the bench declares it) and the bulk queue, for one worker."""
	from crm_mail_archive.infra.jobs import BULK_QUEUE, sync_queue

	return ",".join(dict.fromkeys([sync_queue(), BULK_QUEUE]))


def worker_command(queues: str | None = None) -> list[str]:
	"""A burst RQ worker for the connected site's queues (devtools/worker.py: a site with a
	`bench_id` of its own has queues of its own, which `bench worker` does not serve), started
	from the sites directory as the bench starts its workers."""
	import frappe

	return [
		sys.executable,
		"-m",
		"devtools.worker",
		"--site",
		frappe.local.site,
		"--queue",
		queues or sync_and_bulk_queues(),
		"--burst",
	]


def run_workers(count: int, queues: str | None = None) -> float:
	"""Start `count` burst workers at once; the seconds until the last has emptied the queues."""
	started = time.perf_counter()
	workers = [
		subprocess.Popen(worker_command(queues), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
		for _ in range(count)
	]
	for worker in workers:
		_, errors = worker.communicate(timeout=3600)
		if worker.returncode:
			raise RuntimeError(f"a worker failed:\n{errors.decode()[-3000:]}")
	return time.perf_counter() - started


def queued_job_ids(prefix: str) -> list[str]:
	"""Ids (without the site) of the jobs waiting on the syncs' queue whose id starts with prefix."""
	import frappe
	from frappe.utils.background_jobs import get_queue

	from crm_mail_archive.infra.jobs import sync_queue

	site = frappe.local.site
	return [
		job.id.split("::", 1)[1]
		for job in get_queue(sync_queue()).get_jobs()
		if job.id.startswith(f"{site}::{prefix}")
	]


def finished_jobs(accounts: list[str]) -> list:
	"""The RQ jobs of these accounts' syncs (kept by RQ for ten minutes after they ran)."""
	from crm_mail_archive.accounts.syncing import job_id

	return finished_jobs_by_id([job_id(account) for account in accounts])


def finished_jobs_by_id(ids: list[str]) -> list:
	from frappe.utils.background_jobs import get_job

	if not ids:
		raise RuntimeError("no job was queued")
	jobs = [get_job(job) for job in ids]
	missing = [job_id for job_id, job in zip(ids, jobs, strict=True) if job is None]
	if missing:
		raise RuntimeError(f"no job ran for {missing}")
	unfinished = [job.id for job in jobs if job.get_status() != "finished"]
	if unfinished:
		raise RuntimeError(f"sync jobs did not finish: {unfinished}")
	return jobs


def scheduler_tick(accounts: list[str]) -> tuple[float, float, list]:
	"""These accounts due (and no other of the site), the scheduler's tick, one burst worker:
	(the tick's own seconds, the worker process's seconds, the tick's finished jobs)."""
	import frappe

	from crm_mail_archive.tasks import enqueue_due_account_syncs

	frappe.db.sql("update `tabMail Archive Account` set last_sync = now(), next_attempt = null")
	frappe.db.sql(
		"update `tabMail Archive Account` set last_sync = now() - interval 1 day where name in %(names)s",
		{"names": accounts},
	)
	frappe.db.commit()
	started = time.perf_counter()
	enqueue_due_account_syncs()
	frappe.db.commit()  # the jobs are enqueued when the tick's transaction commits
	tick = time.perf_counter() - started
	job_ids = queued_job_ids("mail-archive-scheduled-sync::")
	worker = run_workers(1)
	jobs = finished_jobs_by_id(job_ids)
	frappe.db.rollback()
	return tick, worker, jobs


def job_seconds(jobs) -> tuple[float, float, list[float]]:
	"""(sum of the jobs' run times, first start to last end, each job's run time)."""
	each = [(job.ended_at - job.started_at).total_seconds() for job in jobs]
	span = (max(job.ended_at for job in jobs) - min(job.started_at for job in jobs)).total_seconds()
	return sum(each), span, each


# --- new mail, timed until it is filed (P13, P17) ------------------------------------------


def wait_for(condition, timeout: float, what: str, interval: float = 0.05) -> None:
	import frappe

	deadline = time.perf_counter() + timeout
	while True:
		frappe.db.rollback()  # a fresh snapshot: other processes commit
		if condition():
			return
		if time.perf_counter() > deadline:
			raise RuntimeError(f"timed out waiting for {what}")
		time.sleep(interval)


def append_until_filed(
	dovecot, watcher: BenchProcess, parties: tuple[str, str, str], stamp: int, n: int
) -> float:
	"""Seconds from APPENDing mail `n` on the server to its Communication filed on the Customer;
	parties: (the mailbox, the contact's address, the contact's Customer)."""
	import frappe

	user, sender, customer = parties
	message = EmailMessage()
	message["From"] = f"Kunde <{sender}>"
	message["To"] = user
	message["Subject"] = f"Neue Anfrage {n}"
	message["Date"] = format_datetime(datetime.now(timezone.utc))
	message_id = f"idle-{stamp}-{n}@kunden.example"
	message["Message-ID"] = f"<{message_id}>"
	message.set_content("Bitte um Rückruf.\n")

	def filed() -> bool:
		communication = frappe.db.get_value("Communication", {"message_id": message_id})
		return bool(communication) and frappe.db.exists(
			"Timeline Link",
			{"communication": communication, "link_doctype": "Customer", "link_name": customer},
		)

	started = time.perf_counter()
	dovecot.append(user, bytes(message))
	wait_for(filed, 60, f"mail {n} filed\n{watcher.output()[-2000:]}", interval=0.02)
	return time.perf_counter() - started
