"""`make setup` leaves the development bench running (web, socket.io, worker, scheduler, IDLE
watcher), and `make test` then runs beside it: the test site has RQ queues of its own (a bench_id of
its own, scripts/lib.sh), so the development worker and scheduler never take the test site's jobs and
the tests' workers never take theirs. Here the development services are started (in CI nothing runs
beside the tests), a test-site job is shown to stay on the test site's queue while the development
worker runs, and the tests that suffered from it before (the scheduler's grouping, an export) pass
beside them. What this test started, it stops; what ran before, it leaves running."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import frappe
import pytest
from frappe.utils.background_jobs import enqueue, get_queue

from tests.support import CHECKOUT, TEST_SITE, bench_path, checkout_env, run_background_jobs

pytestmark = pytest.mark.slow

SERVICES = CHECKOUT / "scripts" / "services.sh"
BESIDE = (
	"tests/integration/test_sync_operations.py::test_the_scheduler_queues_due_accounts_in_groups_each_account_in_one_group_once",
	"tests/integration/test_transfer.py::test_an_export_holds_only_what_the_user_may_read_and_is_logged",
)


def running_services() -> set[str]:
	status = subprocess.run(["bash", str(SERVICES), "status"], capture_output=True, text=True, timeout=60)
	return {line.split(":")[0] for line in status.stdout.splitlines() if line.endswith(": running")}


@pytest.fixture(scope="module")
def development_bench():
	before = running_services()
	started = subprocess.run(["bash", str(SERVICES), "start"], capture_output=True, text=True, timeout=600)
	assert started.returncode == 0, started.stdout + started.stderr
	assert {"web", "worker", "schedule"} <= running_services()
	yield
	if not before:  # nothing ran before this test: leave the machine as it was
		subprocess.run(["bash", str(SERVICES), "stop"], capture_output=True, timeout=120)


def test_the_development_worker_takes_no_job_of_the_test_site(development_bench):
	marker = f"beside-{frappe.generate_hash(length=8)}"
	enqueue("frappe.defaults.set_global_default", queue="short", key=marker, value="ran", job_id=marker)
	frappe.db.commit()  # (queued on commit)
	queue = get_queue("short")
	assert queue.name.startswith(f"site-{TEST_SITE}:")  # the test site's own queue
	try:
		time.sleep(8)  # the development worker, polling every few seconds, would have taken it by now
		assert marker in [job.id.rpartition("::")[2] for job in queue.get_jobs()]
		frappe.db.rollback()
		assert stored_default(marker) is None
		run_background_jobs()  # the tests' own worker runs it
		frappe.db.rollback()
		assert stored_default(marker) == "ran", queue.name
	finally:
		frappe.defaults.clear_default(marker)
		frappe.db.commit()


def stored_default(key: str) -> str | None:
	"""The global default as the database holds it (not the cached defaults, which this process
	read before the worker wrote)."""
	return frappe.db.get_value("DefaultValue", {"parent": "__default", "defkey": key}, "defvalue")


def test_the_scheduler_and_export_tests_pass_beside_the_development_bench(development_bench):
	result = subprocess.run(
		[
			sys.executable,
			"-m",
			"pytest",
			"-c",
			str(CHECKOUT / "pyproject.toml"),
			"--rootdir",
			str(CHECKOUT),
			"-p",
			"no:cacheprovider",
			*(str(CHECKOUT / test) for test in BESIDE),
		],
		cwd=bench_path() / "sites",
		env={**checkout_env(), "CRM_MAIL_ARCHIVE_TEST_SITE": TEST_SITE, **_scratch()},
		capture_output=True,
		text=True,
		timeout=1200,
	)
	assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
	assert "2 passed" in result.stdout


def _scratch() -> dict[str, str]:
	site = os.environ.get("CRM_MAIL_ARCHIVE_SCRATCH_SITE")
	return {"CRM_MAIL_ARCHIVE_SCRATCH_SITE": site} if site else {}
