"""New mail within seconds: the IMAP IDLE watcher (`bench --site S mail-archive watch`).

One long-running process for all accounts of a site. It watches the Inbox and Sent folders of
every enabled Mail Archive Account (the server's INBOX while an account has no folders yet) and
re-reads that list every minute. When the server reports new mail in a folder, or when a folder's
watching (re)starts, it queues that folder's sync; an RQ worker runs it. Accounts whose server has
no IDLE, or whose login was refused, are left to the scheduled sync.

Only the main thread touches Frappe: the watcher threads (mailbox.idle) put their events on a
queue that the main thread reads.
"""

from __future__ import annotations

import queue
import threading
import time
from datetime import datetime

import frappe
from frappe.utils.background_jobs import get_job_status

from crm_mail_archive.accounts.syncing import enqueue_sync, job_id
from crm_mail_archive.infra.connection import connection_settings
from crm_mail_archive.infra.locks import AccountLock
from crm_mail_archive.mailbox.client import ConnectionSettings, MailboxError
from crm_mail_archive.mailbox.idle import WatchEvents, WatchPool, WatchTarget

RELOAD_SECONDS = 60.0
WATCHED_ROLES = ("Inbox", "Sent")


def say(text: str) -> None:
	"""The watcher is a daemon: its log is its standard output."""
	print(f"{datetime.now():%Y-%m-%d %H:%M:%S} {text}", flush=True)


def watch_targets(
	problems: dict[str, str] | None = None, only_accounts: set[str] | None = None
) -> dict[WatchTarget, ConnectionSettings]:
	"""The folders to watch (of `only_accounts`, if given), with their connection settings. An
	account whose settings cannot be made (no IMAP server, no OAuth token) is left out and its
	reason put in `problems`."""
	filters = {"enabled": 1, "health": ("!=", "Needs Attention")}
	if only_accounts:
		filters["name"] = ("in", sorted(only_accounts))
	accounts = frappe.get_all(
		"Mail Archive Account",
		filters=filters,
		fields=["name", "email_account"],
		order_by="name",
	)
	if not accounts:
		return {}
	rows = frappe.get_all(
		"Mail Archive Folder",
		filters={"parenttype": "Mail Archive Account", "parent": ("in", [a.name for a in accounts])},
		fields=["parent", "folder_name", "role", "enabled"],
		order_by="idx",
	)
	targets = {}
	for account in accounts:
		own = [row for row in rows if row.parent == account.name]
		# no folders yet: the first sync finds them; until then the INBOX every server has
		folders = [row.folder_name for row in own if row.enabled and row.role in WATCHED_ROLES]
		if not own:
			folders = ["INBOX"]
		if not folders:
			continue
		try:
			settings = connection_settings(account.email_account)
		except (MailboxError, frappe.ValidationError) as error:
			if problems is not None:
				problems[account.name] = str(error)
			continue
		for folder in folders:
			targets[WatchTarget(account.name, folder)] = settings
	return targets


class SyncRequests:
	"""Folders whose sync is asked for, queued as soon as that does not lose the request.

	A sync already queued will see the new mail. One that runs now may have looked at the folder
	before the mail came, and another worker's sync of the account (the account lock) would turn a
	new job away: then the request waits until that sync is over."""

	def __init__(self):
		self.pending: dict[WatchTarget, float] = {}

	def add(self, target: WatchTarget) -> None:
		self.pending.setdefault(target, time.monotonic())

	def flush(self) -> list[WatchTarget]:
		"""Queue what can be queued now (committed); the targets queued."""
		queued = []
		for target in list(self.pending):
			status = get_job_status(job_id(target.account, target.folder))
			status = getattr(status, "value", status)
			if status == "queued":
				del self.pending[target]  # it runs after the mail arrived
				continue
			if status == "started" or AccountLock(target.account).held():
				continue
			enqueue_sync(target.account, target.folder)
			del self.pending[target]
			queued.append(target)
		if queued:
			frappe.db.commit()  # jobs are queued when the transaction commits
		return queued


class Watcher:
	"""The main thread's loop: reload the targets, read the threads' events, queue syncs."""

	def __init__(
		self,
		stop: threading.Event,
		only_accounts: set[str] | None = None,
		reload_seconds: float = RELOAD_SECONDS,
		**watcher_options,
	):
		self.stop = stop
		self.only_accounts = only_accounts
		self.reload_seconds = reload_seconds
		self.events: queue.Queue = queue.Queue()
		self.pool = WatchPool(
			WatchEvents(
				new_mail=lambda target: self.events.put(("new mail", target, None)),
				connected=lambda target: self.events.put(("connected", target, None)),
				no_idle=lambda target: self.events.put(("no idle", target, None)),
				failed=lambda target, error, retry_in: self.events.put(("failed", target, (error, retry_in))),
			),
			**watcher_options,
		)
		self.requests = SyncRequests()
		self.problems: dict[str, str] = {}
		self.failing: set[WatchTarget] = set()

	def run(self) -> None:
		say(f"watching the mailboxes of {frappe.local.site} (IMAP IDLE)")
		next_reload = 0.0
		try:
			while not self.stop.is_set():
				if time.monotonic() >= next_reload:
					self.reload()
					next_reload = time.monotonic() + self.reload_seconds
				try:
					self.handle(*self.events.get(timeout=0.5))
					while True:
						self.handle(*self.events.get_nowait())
				except queue.Empty:
					pass
				self.flush()
		finally:
			self.pool.stop()
			say("stopped")

	def reload(self) -> None:
		try:
			frappe.db.rollback()  # a fresh snapshot: accounts added, disabled or changed
			problems: dict[str, str] = {}
			targets = watch_targets(problems, self.only_accounts)
		except Exception as error:
			say(f"cannot read the accounts: {error}")
			self._reconnect_db()
			return
		for account, reason in problems.items():
			if self.problems.get(account) != reason:
				say(f"{account}: not watched: {reason}")
		self.problems = problems
		before = self.pool.watching()
		self.pool.update(targets)
		for target in before - set(targets):
			say(f"{target.account} / {target.folder}: no longer watched")

	def handle(self, kind: str, target: WatchTarget, detail) -> None:
		if kind == "new mail":
			self.requests.add(target)
		elif kind == "connected":
			say(f"{target.account} / {target.folder}: watching")
			self.failing.discard(target)
			self.requests.add(target)  # catch up on what came while nobody watched
		elif kind == "no idle":
			say(f"{target.account} / {target.folder}: the server has no IDLE; the scheduled sync covers it")
		elif kind == "failed":
			error, retry_in = detail
			if target not in self.failing:  # once per outage, not per retry
				say(f"{target.account} / {target.folder}: {error}; retrying (next in {retry_in:.0f} s)")
			self.failing.add(target)

	def flush(self) -> None:
		if not self.requests.pending:
			return
		try:
			self.requests.flush()
		except Exception as error:
			say(f"cannot queue syncs: {error}")
			self._reconnect_db()

	@staticmethod
	def _reconnect_db() -> None:
		try:
			frappe.db.rollback()
		except Exception:
			frappe.db.connect()


def watch(stop: threading.Event, **options) -> None:
	"""Watch until `stop` is set (the command sets it on SIGTERM and SIGINT)."""
	Watcher(stop, **options).run()
