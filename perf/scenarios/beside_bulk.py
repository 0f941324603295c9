"""P17, live work beside bulk work: new mail's sync latency (APPEND on the server until its
Communication is filed, through the IDLE watcher and the syncs' own worker) while an erasure of
many mails and an import of as many run beside it (issue 27: a 4,000-mail removal once queued a
job per mail and held new mail back for minutes)."""

from __future__ import annotations

import mailbox
import os
import statistics
import subprocess
import sys
import tempfile
import time

from devtools.run import bench_execute
from perf.corpus import mail_corpus, synthetic_mail
from perf.measure import Figure, log
from perf.processes import BenchProcess, append_until_filed, checkout_env, wait_for
from perf.site import benchmark_customer, bulk_contacts, make_accounts, remove_account, remove_synthetic

ALONE = 3  # mails measured before the bulk work starts
QUEUES_WATCHED = ("mail_archive_sync", "short", "default", "long")


def site_worker(site: str, queues: str) -> subprocess.Popen:
	"""An RQ worker of the site's own queues (devtools/worker.py), as the Procfile runs them."""
	return subprocess.Popen(
		[sys.executable, "-m", "devtools.worker", "--site", site, "--queue", queues],
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		env=checkout_env(),
	)


def stop(process: subprocess.Popen) -> None:
	process.terminate()
	try:
		process.wait(30)
	except subprocess.TimeoutExpired:
		process.kill()
		process.wait()


def erasure_process(site: str, address: str) -> subprocess.Popen:
	"""The erasure as a manager starts it (a request of its own, beside the workers); what it
	says on failure in a file (a pipe nobody reads could fill and stop it)."""
	errors = tempfile.TemporaryFile("w+")
	process = subprocess.Popen(
		bench_execute(
			site,
			"crm_mail_archive.compliance.erasure.erase_address",
			{"address": address, "reason": "benchmark"},
		),
		stdout=subprocess.DEVNULL,
		stderr=errors,
		env=checkout_env(),
	)
	process.stderr = errors
	return process


def mails_to_erase(count: int, stamp: int) -> str:
	"""`count` archived mails of one address from 2012 (their retention is over); its address."""
	import frappe

	address = f"loeschen-{stamp}@kunden.example"
	names = synthetic_mail(count, f"erase{stamp}", address)
	for start in range(0, len(names), 5000):
		frappe.db.sql(
			"update `tabCommunication` set communication_date = '2012-03-01' where name in %(names)s",
			{"names": names[start : start + 5000]},
		)
	frappe.db.commit()
	return address


UPLOAD_BYTES = 20 * 1024 * 1024  # under the site's upload limit (25 MB by default)


def upload_mboxes(count: int, stamp: int) -> list[str]:
	"""mbox files of `count` mails in all, uploaded as private Files (what the import dialog
	makes), each under the upload limit."""
	import frappe

	uploads: list[str] = []
	parts: list[list[bytes]] = [[]]
	size = 0
	for raw in mail_corpus(count, seed=27, domain=f"beside-{stamp}.example", contacts=[]):
		if size + len(raw) > UPLOAD_BYTES and parts[-1]:
			parts.append([])
			size = 0
		parts[-1].append(raw)
		size += len(raw)
	for number, part in enumerate(parts):
		handle, path = tempfile.mkstemp(suffix=".mbox")
		os.close(handle)
		box = mailbox.mbox(path)
		for raw in part:
			box.add(raw)
		box.close()
		with open(path, "rb") as file:
			content = file.read()
		os.unlink(path)
		upload = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"beside-{stamp}-{number}.mbox",
				"is_private": 1,
				"content": content,
			}
		).insert(ignore_permissions=True)
		uploads.append(upload.name)
	frappe.db.commit()
	return uploads


def queue_lengths() -> dict[str, int]:
	from frappe.utils.background_jobs import generate_qname, get_redis_conn
	from rq import Queue

	connection = get_redis_conn()
	return {name: Queue(generate_qname(name), connection=connection).count for name in QUEUES_WATCHED}


class Bulk:
	"""The erasure (a process of its own, as a manager's request) and the import (a job on the
	bulk queue) running beside the measured mail; when each finished."""

	def __init__(self, site: str, address: str, uploads: list[str], import_account: str):
		import frappe

		from crm_mail_archive.transfer.jobs import enqueue_import

		self.started = time.perf_counter()
		self.uploads = uploads
		self.erasure = erasure_process(site, address)
		self.import_job = enqueue_import(uploads, import_account, None)
		frappe.db.commit()  # the import is queued on commit
		self.erasure_seconds: float | None = None
		self.import_seconds: float | None = None
		self.peaks = dict.fromkeys(QUEUES_WATCHED, 0)

	def running(self) -> bool:
		import frappe
		from frappe.utils.background_jobs import get_job_status

		for queue, length in queue_lengths().items():
			self.peaks[queue] = max(self.peaks[queue], length)
		if self.erasure_seconds is None and self.erasure.poll() is not None:
			if self.erasure.returncode:
				self.erasure.stderr.seek(0)
				raise RuntimeError(f"the erasure failed:\n{self.erasure.stderr.read()[-3000:]}")
			self.erasure_seconds = time.perf_counter() - self.started
		status = get_job_status(self.import_job)
		if self.import_seconds is None and status in ("finished", "failed"):
			# the job removes the uploads once their mail is in (read in a fresh snapshot)
			frappe.db.rollback()
			if status == "failed" or frappe.db.exists("File", {"name": ("in", self.uploads)}):
				raise RuntimeError(f"the import failed ({status}; see the site's Error Log)")
			self.import_seconds = time.perf_counter() - self.started
		if time.perf_counter() - self.started > 4 * 3600:
			raise RuntimeError("the erasure and the import did not finish within 4 hours")
		return self.erasure_seconds is None or self.import_seconds is None


def beside_bulk_rows(dovecot, size: dict) -> list[Figure]:
	"""P17: new mail timed one at a time (as P13) first alone, then until an erasure of `count`
	mails and an import of as many are both done; the watcher and two workers (the syncs' own and
	one for Frappe's queues) run as the Procfile runs them."""
	import frappe

	site = frappe.local.site
	count = size["beside_bulk"]
	stamp = int(time.time())
	customer = benchmark_customer()
	(sender,) = bulk_contacts(1, "beside")
	user = dovecot.add_user(f"beside-{stamp}@bench.example", "bench")
	account = make_accounts(dovecot, user)
	import_user = dovecot.add_user(f"beside-import-{stamp}@bench.example", "bench")
	import_account = make_accounts(dovecot, import_user)
	log(f"live beside bulk: preparing {count} mails to erase and an mbox of {count} to import")
	seconds: list[float] = []
	processes: list = []
	try:
		address = mails_to_erase(count, stamp)
		uploads = upload_mboxes(count, stamp)
		processes = [site_worker(site, "mail_archive_sync"), site_worker(site, "short,default,long")]
		watcher = BenchProcess("--site", site, "mail-archive", "watch", "--account", account)
		processes.append(watcher)
		wait_for(lambda: f"{account} / INBOX: watching" in watcher.output(), 120, "the watcher")
		wait_for(
			lambda: frappe.db.get_value("Mail Archive Account", account, "last_sync"), 120, "the first sync"
		)
		parties = (user, sender, customer)
		# the same on this machine with nothing beside it, for comparison
		alone = [append_until_filed(dovecot, watcher, parties, stamp, n) for n in range(ALONE)]
		log(f"erasing {count} mails and importing {count} beside new mail")
		bulk = Bulk(site, address, uploads, import_account)
		while bulk.running():
			seconds.append(append_until_filed(dovecot, watcher, parties, stamp, ALONE + len(seconds)))
			log(f"new mail {len(seconds)}: {seconds[-1]:.2f} s")
			time.sleep(0.5)
	finally:
		for process in processes:
			process.stop() if isinstance(process, BenchProcess) else stop(process)
		remove_account(account)
		remove_account(import_account)
		remove_synthetic(f"erase{stamp}")  # what the erasure left, if it failed
		dovecot.remove_user_mail(user)
		dovecot.remove_user_mail(import_user)
	return [p16(count, seconds, alone, bulk)]


def p16(count: int, seconds: list[float], alone: list[float], bulk: Bulk) -> Figure:
	median, worst = statistics.median(seconds), max(seconds)
	peak = ", ".join(f"{queue} {length}" for queue, length in bulk.peaks.items())
	return Figure(
		"P17",
		f"new mail beside bulk work: APPEND until filed on the Customer (IDLE watcher, the syncs' own "
		f"worker) while an erasure of {count} mails and an import of {count} mails run",
		f"median **{median:.2f} s**, max {worst:.2f} s over {len(seconds)} mails "
		f"({', '.join(f'{value:.1f}' for value in seconds)}); with nothing beside: median "
		f"{statistics.median(alone):.2f} s; erasure {bulk.erasure_seconds:.0f} s, "
		f"import {bulk.import_seconds:.0f} s; most jobs waiting: {peak}",
		"",
		"≤ 5 s",
		worst <= 5.0,
	)
