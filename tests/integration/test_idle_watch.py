"""New mail within seconds (IMAP IDLE): the client's IDLE against Dovecot, the watcher threads'
reconnect, backoff and fallback, and the real `bench mail-archive watch` process with a real RQ
worker: a mail appended on the server is filed on its Customer without any sync call, and nothing
is lost or doubled when the watcher is killed and restarted."""

from __future__ import annotations

import dataclasses
import queue
import random
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import frappe
import pytest

from crm_mail_archive.mailbox.client import (
	ConnectionSettings,
	MailboxAuthError,
	MailboxClient,
	MailboxUnavailable,
)
from crm_mail_archive.mailbox.idle import Backoff, FolderWatcher, WatchEvents, WatchPool, WatchTarget
from devtools.dovecot import DovecotServer
from devtools.tcp_proxy import CuttingProxy
from tests.support import (
	TEST_SITE,
	a_mail,
	bench_command,
	bench_path,
	checkout_env,
	communication_with,
	copies_of,
	eventually,
	filed_at,
	message_id_of,
	worker_command,
)

ARRIVAL_BOUND_SECONDS = 30  # the goal is 5 s (benchmark P13); a loaded test machine gets slack


def settings_for(server: DovecotServer, user: str, port: int | None = None) -> ConnectionSettings:
	return ConnectionSettings(
		host="127.0.0.1",
		port=port or server.imap_port,
		username=user,
		password=server.password(user),
		security="plain",
		timeout=10,
	)


@pytest.fixture(scope="module")
def dovecot_without_idle() -> Iterator[DovecotServer]:
	"""A second private Dovecot that does not advertise IDLE (an older or plainer server)."""
	server = DovecotServer.start(capabilities_without={"IDLE"})
	try:
		yield server
	finally:
		server.stop()


def soon(condition: Callable[[], bool], timeout: float = 5) -> bool:
	deadline = time.monotonic() + timeout
	while not condition():
		if time.monotonic() > deadline:
			return False
		time.sleep(0.05)
	return True


class Recorder:
	"""WatchEvents that record what the threads report, in order."""

	def __init__(self):
		self.seen: queue.Queue = queue.Queue()
		self.events = WatchEvents(
			new_mail=lambda target: self.seen.put(("new mail", target)),
			connected=lambda target: self.seen.put(("connected", target)),
			no_idle=lambda target: self.seen.put(("no idle", target)),
			failed=lambda target, error, retry_in: self.seen.put(("failed", target, error, retry_in)),
		)

	def next(self, timeout: float = 15) -> tuple:
		return self.seen.get(timeout=timeout)

	def next_of(self, kind: str, timeout: float = 15) -> tuple:
		deadline = time.monotonic() + timeout
		while True:
			event = self.next(max(0.01, deadline - time.monotonic()))
			if event[0] == kind:
				return event


# --- the client's IDLE, against Dovecot --------------------------------------------------------


def test_idle_reports_a_mail_appended_meanwhile_and_nothing_else(dovecot, mail_user):
	dovecot.append(mail_user, a_mail("Schon da"))
	with MailboxClient(settings_for(dovecot, mail_user)) as client:
		assert client.supports_idle()
		# the mail already in the folder is no news
		assert client.wait_for_new_mail("INBOX", 1.5) is False
		with client.idle("INBOX") as session:
			assert session.wait(0.5) is False
			dovecot.append(mail_user, a_mail("Neu"))
			started = time.monotonic()
			while not session.wait(0.5):
				assert time.monotonic() - started < 10, "IDLE did not report the new mail"
			# a flag change is no new mail
			with dovecot.session(mail_user) as other:
				other.select_folder("INBOX")
				other.add_flags(other.search(["ALL"]), [b"\\Flagged"])
			assert session.wait(1.5) is False
		# after IDLE the connection takes commands again
		assert client.select("INBOX").exists == 2


def test_idle_renewed_on_the_same_session_loses_no_mail(dovecot, mail_user):
	with MailboxClient(settings_for(dovecot, mail_user)) as client:
		with client.idle("INBOX", renew_seconds=0) as session:  # DONE and IDLE again on every wait
			dovecot.append(mail_user, a_mail("Zwischen zwei IDLE"))
			started = time.monotonic()
			while not session.wait(0.3):
				assert time.monotonic() - started < 10, "the renewed IDLE lost the report"


def test_a_server_without_idle_says_so(dovecot_without_idle):
	user = dovecot_without_idle.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")
	with MailboxClient(settings_for(dovecot_without_idle, user)) as client:
		assert client.supports_idle() is False
		with pytest.raises(Exception, match="does not offer IDLE"):
			client.wait_for_new_mail("INBOX", 1)


# --- the watcher threads (Frappe-free) -----------------------------------------------------------


def test_backoff_doubles_to_five_minutes_with_jitter_and_starts_again_after_a_success():
	backoff = Backoff()
	delays = [backoff.next_delay() for _ in range(12)]
	for step, delay in zip([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300], delays, strict=True):
		assert step / 2 <= delay <= step
	assert len({round(delay, 6) for delay in delays}) == len(delays)  # jittered
	backoff.reset()
	assert backoff.next_delay() <= 1
	assert 150 <= backoff.give_up_for_long() <= 300


def test_watcher_reports_new_mail_and_reconnects_after_the_connection_is_cut(dovecot, mail_user):
	proxy = CuttingProxy(dovecot.imap_port)
	recorder = Recorder()
	target = WatchTarget("Konto", "INBOX")
	watcher = FolderWatcher(
		target,
		lambda: settings_for(dovecot, mail_user, proxy.port),
		recorder.events,
		backoff=Backoff(first=0.05, maximum=0.5),
		check_seconds=0.2,
	)
	watcher.start()
	try:
		assert recorder.next() == ("connected", target)
		dovecot.append(mail_user, a_mail("Eins"))
		assert recorder.next() == ("new mail", target)

		proxy.drop_all()  # the network fails under the IDLE connection
		failed = recorder.next()
		assert failed[0] == "failed" and isinstance(failed[2], MailboxUnavailable)
		assert failed[3] <= 0.05
		assert recorder.next() == ("connected", target)  # back, so the caller catches up
		dovecot.append(mail_user, a_mail("Zwei"))
		assert recorder.next() == ("new mail", target)
	finally:
		watcher.stop()
		watcher.join(10)
		proxy.close()
	assert not watcher.is_alive()
	assert recorder.seen.empty()


def test_watcher_backs_off_while_the_server_is_unreachable_and_waits_long_after_a_refused_login(
	dovecot, mail_user
):
	attempts: list[float] = []

	class Unreachable(MailboxClient):
		def connect(self):
			attempts.append(time.monotonic())
			if len(attempts) <= 3:
				raise MailboxUnavailable("connection refused")
			super().connect()

	recorder = Recorder()
	target = WatchTarget("Konto", "INBOX")
	watcher = FolderWatcher(
		target,
		lambda: settings_for(dovecot, mail_user),
		recorder.events,
		client_factory=Unreachable,
		backoff=Backoff(first=0.1, maximum=10, rng=random.Random(1)),
		check_seconds=0.2,
	)
	watcher.start()
	try:
		delays = [recorder.next()[3] for _ in range(3)]
		for step, delay in zip([0.1, 0.2, 0.4], delays, strict=True):  # doubling, with jitter
			assert step / 2 <= delay <= step
		assert recorder.next() == ("connected", target)
		assert watcher.backoff.failures == 0  # a good connection starts the backoff again
	finally:
		watcher.stop()
		watcher.join(10)

	wrong = FolderWatcher(
		target,
		lambda: dataclasses.replace(settings_for(dovecot, mail_user), password="falsch"),
		recorder.events,
		backoff=Backoff(first=0.1, maximum=60),
	)
	started = time.monotonic()
	wrong.start()
	failed = recorder.next_of("failed")
	assert isinstance(failed[2], MailboxAuthError)
	assert failed[3] >= 30  # a refused login is not retried at once
	wrong.stop()
	wrong.join(10)
	assert not wrong.is_alive() and time.monotonic() - started < 10  # the stop ends the wait


def test_a_server_without_idle_ends_the_watching_of_that_account_and_the_pool_leaves_it(
	dovecot_without_idle, dovecot, mail_user
):
	plain_user = dovecot_without_idle.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")
	recorder = Recorder()
	pool = WatchPool(recorder.events, check_seconds=0.2)
	old = WatchTarget("Alt", "INBOX")
	idle = WatchTarget("Neu", "INBOX")
	targets = {old: settings_for(dovecot_without_idle, plain_user), idle: settings_for(dovecot, mail_user)}
	try:
		pool.update(targets)
		reported = {recorder.next()[:2], recorder.next()[:2]}
		assert reported == {("no idle", old), ("connected", idle)}
		assert soon(lambda: old not in pool.watching())
		assert pool.watching() == {idle}

		pool.update(targets)  # re-read: the account without IDLE is not tried again
		time.sleep(0.5)
		assert recorder.seen.empty()
		assert pool.watching() == {idle}

		pool.update({old: targets[old]})  # the IDLE account disabled: its thread ends
		assert soon(lambda: pool.watching() == set())
		assert pool.no_idle == {"Alt": targets[old]}
	finally:
		pool.stop()
	# a stopped thread leaves IDLE and logs out within a check interval
	assert soon(lambda: not [thread for thread in threading.enumerate() if thread.name.startswith("watch ")])


# --- the watcher process and a worker, against the test site ----------------------------------


class Process:
	"""A bench process for the test site (`bench --site <test site> <args>`, or the argv given),
	whose output is collected line by line."""

	def __init__(self, *args: str, argv: list[str] | None = None):
		self.lines: list[str] = []
		self.process = subprocess.Popen(
			argv or bench_command("--site", TEST_SITE, *args),
			cwd=bench_path() / "sites",
			stdout=subprocess.PIPE,
			stderr=subprocess.STDOUT,
			text=True,
			env=checkout_env(),  # the processes run this checkout's code and devtools/
		)
		threading.Thread(target=self._read, daemon=True).start()

	def _read(self) -> None:
		for line in self.process.stdout:
			self.lines.append(line.rstrip())

	def said(self, text: str, timeout: float = 60) -> bool:
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			if any(text in line for line in self.lines):
				return True
			if self.process.poll() is not None:
				time.sleep(0.2)  # the last lines
				return any(text in line for line in self.lines)
			time.sleep(0.1)
		return False

	def output(self) -> str:
		return "\n".join(self.lines[-60:])

	def end(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
		if self.process.poll() is None:
			self.process.send_signal(sig)
			try:
				self.process.wait(timeout)
			except subprocess.TimeoutExpired:
				self.process.kill()
				self.process.wait(10)
		return self.process.returncode


@pytest.fixture(scope="module")
def worker() -> Iterator[Process]:
	"""A real RQ worker for the test site's long queue (where the folder syncs go)."""
	process = Process(argv=worker_command("mail_archive_sync,long", burst=False))
	yield process
	process.end()


@pytest.fixture
def start_watcher() -> Iterator[Callable[..., Process]]:
	"""Factory: `bench mail-archive watch` for these accounts only (the test site may hold other
	tests' accounts), re-reading them every second."""
	started: list[Process] = []

	def start(*accounts: str) -> Process:
		options = [option for account in accounts for option in ("--account", account)]
		process = Process("mail-archive", "watch", *options, "--reload-seconds", "1")
		started.append(process)
		assert process.said("watching the mailboxes of", timeout=60), process.output()
		return process

	yield start
	for process in started:
		process.end()


def filed_on(message_id: str, customer: str) -> Callable[[], bool]:
	def check() -> bool:
		communication = communication_with(message_id)
		return bool(communication) and ("Customer", customer) in filed_at(communication)

	return check


def synced(account) -> Callable[[], bool]:
	"""The account's first sync is over (the catch-up the watcher queues when it starts watching)."""
	return lambda: bool(frappe.db.get_value("Mail Archive Account", account.name, "last_sync"))


def test_a_mail_appended_on_the_server_is_filed_on_its_customer_without_any_sync_call(
	dovecot, mail_user, make_archive_account, crm, worker, start_watcher
):
	customer = crm.customer("Sofortkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	frappe.db.commit()
	watcher = start_watcher(mail_user)  # the account's name will be its address
	# an account made while the watcher runs is picked up when it re-reads the accounts
	account = make_archive_account(mail_user, automatic_filing=1)
	assert watcher.said(f"{account.name} / INBOX: watching", timeout=30), watcher.output()
	# its first watch queued a catch-up sync, which found the folders: wait until it is done
	assert eventually(synced(account), timeout=60), watcher.output()
	assert copies_of(account) == []

	mail = a_mail("Bitte um Rückruf", sender=sender)
	appended = time.monotonic()
	dovecot.append(mail_user, mail)
	assert eventually(filed_on(message_id_of(mail), customer), timeout=ARRIVAL_BOUND_SECONDS), (
		watcher.output() + "\n--- worker\n" + worker.output()
	)
	seconds = time.monotonic() - appended
	print(f"IDLE: appended to filed in {seconds:.1f} s")
	assert seconds < ARRIVAL_BOUND_SECONDS
	assert len(copies_of(account)) == 1
	assert watcher.process.poll() is None  # still watching


def test_a_killed_watcher_restarted_catches_up_on_every_mail_exactly_once(
	dovecot, mail_user, make_archive_account, crm, worker, start_watcher
):
	customer = crm.customer("Neustartkunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	account = make_archive_account(mail_user, automatic_filing=1)
	watcher = start_watcher(account.name)
	assert watcher.said(f"{account.name} / INBOX: watching", timeout=30), watcher.output()
	assert eventually(synced(account), timeout=60), watcher.output()
	first = a_mail("Vor dem Absturz", sender=sender)
	dovecot.append(mail_user, first)
	assert eventually(filed_on(message_id_of(first), customer), timeout=ARRIVAL_BOUND_SECONDS)

	watcher.end(signal.SIGKILL)  # no clean stop: its IDLE connections just die
	missed = [a_mail(f"Während der Pause {n}", sender=sender) for n in range(2)]
	for mail in missed:
		dovecot.append(mail_user, mail)
	time.sleep(3)
	frappe.db.rollback()
	assert not any(communication_with(message_id_of(mail)) for mail in missed)  # nobody watches

	restarted = start_watcher(account.name)
	for mail in missed:
		assert eventually(filed_on(message_id_of(mail), customer), timeout=ARRIVAL_BOUND_SECONDS), (
			restarted.output() + "\n--- worker\n" + worker.output()
		)
	time.sleep(2)  # a second sync of the folder, had one been queued, would have run by now
	frappe.db.rollback()
	for mail in [first, *missed]:
		assert frappe.db.count("Communication", {"message_id": message_id_of(mail)}) == 1
	assert sorted(copy.uid for copy in copies_of(account)) == [1, 2, 3]


def test_the_watcher_leaves_an_account_without_idle_to_the_scheduled_sync_and_stops_cleanly(
	dovecot_without_idle, dovecot, mail_user, make_archive_account, worker, start_watcher
):
	plain_user = dovecot_without_idle.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")
	dovecot.add_user(plain_user, "s3cret")  # make_archive_account takes the password from here
	with_idle = make_archive_account(mail_user)
	without_idle = make_archive_account(plain_user)
	frappe.db.set_value(
		"Email Account", without_idle.email_account, "incoming_port", dovecot_without_idle.imap_port
	)
	frappe.db.commit()
	watcher = start_watcher(with_idle.name, without_idle.name)
	assert eventually(synced(with_idle), timeout=60), watcher.output()  # its catch-up
	assert watcher.said(
		f"{without_idle.name} / INBOX: the server has no IDLE; the scheduled sync covers it", timeout=30
	), watcher.output()
	assert watcher.said(f"{with_idle.name} / INBOX: watching", timeout=30), watcher.output()
	assert watcher.end(signal.SIGTERM) == 0
	assert watcher.lines[-1].endswith("stopped")
	assert sum(f"{without_idle.name} / INBOX: the server has no IDLE" in line for line in watcher.lines) == 1
