"""pytest against the real test site: a real MariaDB, Redis and a private Dovecot.

Each test runs inside a transaction that is rolled back afterwards. Code that commits
(the sync engine does, per batch) must clean up what it made: see `committed_cleanup`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import frappe
import pytest

from crm_mail_archive.devtools.dovecot import DovecotServer

TEST_SITE = os.environ.get("CRM_MAIL_ARCHIVE_TEST_SITE", "test.mail-archive.localhost")
SCRATCH_SITE = os.environ.get("CRM_MAIL_ARCHIVE_SCRATCH_SITE", "scratch.mail-archive.localhost")


def sites_path() -> Path:
	# the test command runs pytest from the bench's sites directory
	return Path(os.environ.get("CRM_MAIL_ARCHIVE_SITES_PATH", os.getcwd())).resolve()


def bench_path() -> Path:
	return sites_path().parent


def pytest_configure(config: pytest.Config) -> None:
	os.chdir(sites_path())
	frappe.init(site=TEST_SITE, sites_path=str(sites_path()))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user("Administrator")


def pytest_unconfigure(config: pytest.Config) -> None:
	if getattr(frappe.local, "db", None):
		frappe.db.rollback()
	frappe.destroy()


@pytest.fixture(autouse=True)
def site_transaction() -> Iterator[None]:
	"""Every test starts as Administrator and its uncommitted writes are rolled back."""
	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.local.flags.pop("mail_archive", None)


@pytest.fixture
def committed_cleanup() -> Iterator[Callable[[str, str], None]]:
	"""Register (doctype, name) of committed records to delete after the test."""
	created: list[tuple[str, str]] = []
	yield lambda doctype, name: created.append((doctype, name))
	frappe.db.rollback()
	for doctype, name in reversed(created):
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.commit()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
	"""A private Dovecot for the whole session; stopped (and its files removed) at the end."""
	server = DovecotServer.start()
	try:
		yield server
	finally:
		server.stop()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> Iterator[str]:
	"""A fresh mailbox user on the private Dovecot."""
	username = dovecot.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")
	yield username
	dovecot.remove_user_mail(username)
