"""Where the bench and the test site are, how their processes are started, and background jobs."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import frappe

TEST_SITE = os.environ.get("CRM_MAIL_ARCHIVE_TEST_SITE", "test.mail-archive.localhost")


SCRATCH_SITE = os.environ.get("CRM_MAIL_ARCHIVE_SCRATCH_SITE", "scratch.mail-archive.localhost")


CHECKOUT = Path(__file__).resolve().parents[2]


ARTIFACTS = CHECKOUT / "tests" / ".artifacts"


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def sites_path() -> Path:
	# the test command runs pytest from the bench's sites directory
	return Path(os.environ.get("CRM_MAIL_ARCHIVE_SITES_PATH", os.getcwd())).resolve()


def bench_path() -> Path:
	return sites_path().parent


def bench_command(*args: str) -> list[str]:
	"""argv for `bench <args>` run by the bench's Python (what `bench` itself execs, minus the CLI)."""
	return [str(bench_path() / "env" / "bin" / "python"), "-m", "frappe.utils.bench_helper", "frappe", *args]


def worker_command(queues: str = "mail_archive_sync,short,default,long", burst: bool = True) -> list[str]:
	"""argv of an RQ worker for the test site's own queues (devtools/worker.py): the test site's
	jobs never reach a running development bench's worker, and its jobs never reach the tests."""
	return [
		str(bench_path() / "env" / "bin" / "python"),
		"-m",
		"devtools.worker",
		"--site",
		TEST_SITE,
		"--queue",
		queues,
		*(["--burst"] if burst else []),
	]


def checkout_env() -> dict[str, str]:
	"""The environment of a process that runs devtools/ (and this checkout's app) beside the tests."""
	paths = [str(CHECKOUT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
	return {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}


def run_background_jobs() -> None:
	"""What the bench's worker does once a request or a test has committed: run the test site's
	queued jobs now (a burst worker of its own queues)."""
	subprocess.run(
		worker_command(),
		cwd=bench_path() / "sites",
		env=checkout_env(),
		check=True,
		capture_output=True,
		timeout=600,
	)


def eventually(condition: Callable[[], bool], timeout: float = 60) -> bool:
	"""Wait for something another process commits (a fresh snapshot each round)."""
	deadline = time.monotonic() + timeout
	while True:
		frappe.db.rollback()
		if condition():
			return True
		if time.monotonic() > deadline:
			return False
		time.sleep(0.3)


def jobs_done(condition: Callable[[], bool], timeout: float = 60) -> bool:
	"""Commit, let the queued jobs run, and wait for their effect."""
	frappe.db.commit()
	run_background_jobs()
	return eventually(condition, timeout)


def remove_queued_sync(account_name: str) -> bool:
	"""Take a queued sync job off the long queue again (the test runs the sync itself)."""
	from frappe.utils.background_jobs import create_job_id, get_redis_conn
	from rq.exceptions import NoSuchJobError
	from rq.job import Job

	from crm_mail_archive.accounts.syncing import job_id

	try:
		Job.fetch(create_job_id(job_id(account_name)), connection=get_redis_conn()).delete()
	except NoSuchJobError:
		return False
	return True
