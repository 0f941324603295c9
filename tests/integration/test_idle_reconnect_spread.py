"""Many folders under one watcher (issue 27, benchmark P20): when the IMAP server restarts, the
watcher threads do not all log in again at once; they take turns, and every folder is watched
again. Against a private Dovecot that the test stops and starts."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime

from crm_mail_archive.mailbox.client import ConnectionSettings
from crm_mail_archive.mailbox.idle import ConnectPacer, WatchEvents, WatchPool, WatchTarget
from devtools.dovecot import DovecotServer

USERS = 20
CONNECTS_PER_SECOND = 20.0
LOGIN = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) imap-login: Info: Login: ")


class Connects:
	"""The pool's "connected" reports, with the moment each came."""

	def __init__(self):
		self.lock = threading.Lock()
		self.seen: list[tuple[float, WatchTarget]] = []
		self.events = WatchEvents(new_mail=lambda target: None, connected=self.connected)

	def connected(self, target: WatchTarget) -> None:
		with self.lock:
			self.seen.append((time.monotonic(), target))

	def since(self, moment: float) -> list[tuple[float, WatchTarget]]:
		with self.lock:
			return [(at, target) for at, target in self.seen if at >= moment]


def eventually(condition, timeout: float = 120) -> bool:
	deadline = time.monotonic() + timeout
	while not condition():
		if time.monotonic() > deadline:
			return False
		time.sleep(0.1)
	return True


def logins_since(server: DovecotServer, moment: datetime) -> list[datetime]:
	"""When logins reached the server (its log carries microseconds)."""
	found = []
	for line in (server.root / "dovecot.log").read_text().splitlines():
		match = LOGIN.match(line)
		if match:
			at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S.%f")
			if at >= moment:
				found.append(at)
	return found


def test_a_pool_cut_off_by_a_server_restart_logs_in_again_in_turns_and_watches_every_folder():
	# a folder of its own that survives the stop (Dovecot's processes must reach it: not tmp_path)
	root = tempfile.mkdtemp(prefix="crm-mail-archive-herd-")
	server = DovecotServer.start(root)
	pool = None
	try:
		targets = {}
		for n in range(USERS):
			user = server.add_user(f"herde-{n}@mail.test", "s3cret")
			server.create_folder(user, "Sent")
			settings = ConnectionSettings(
				host="127.0.0.1",
				port=server.imap_port,
				username=user,
				password="s3cret",
				security="plain",
				timeout=10,
			)
			for folder in ("INBOX", "Sent"):
				targets[WatchTarget(user, folder)] = settings
		connects = Connects()
		pool = WatchPool(connects.events, connects_per_second=CONNECTS_PER_SECOND, check_seconds=0.2)
		pool.update(targets)
		assert eventually(lambda: {t for _, t in connects.since(0)} == set(targets)), "all watched"

		server.stop()  # every connection cut at once
		time.sleep(1.5)
		restarted, restarted_at = time.monotonic(), datetime.now()
		DovecotServer.start(server.root, server.imap_port, server.imaps_port)

		again = lambda: {t for _, t in connects.since(restarted)}  # noqa: E731
		assert eventually(lambda: again() == set(targets)), f"watched again: {len(again())} of {len(targets)}"
		moments = sorted(at for at, _ in connects.since(restarted))
		# one turn each 1/20 s: 40 folders come back over about two seconds, not within one jitter
		assert moments[-1] - moments[0] >= 0.75 * (len(targets) - 1) / CONNECTS_PER_SECOND
		time.sleep(0.5)
		per_window = Counter(int(at.timestamp() * 10) for at in logins_since(server, restarted_at))
		assert sum(per_window.values()) >= len(targets)  # every folder logged in again
		assert max(per_window.values()) <= 4, per_window  # two turns per 100 ms, some slack
	finally:
		if pool:
			pool.stop()
		server.stop()
		shutil.rmtree(root, ignore_errors=True)


def test_turns_to_connect_are_spaced_and_a_stop_ends_the_wait():
	pacer = ConnectPacer(per_second=10)
	stopping = threading.Event()
	started = time.monotonic()
	for _ in range(4):
		assert pacer.wait_turn(stopping)
	assert time.monotonic() - started >= 0.29  # turns at 0, 0.1, 0.2, 0.3 s

	slow = ConnectPacer(per_second=0.2)  # one turn each 5 s
	assert slow.wait_turn(threading.Event())
	stopping.set()
	waited = time.monotonic()
	assert not slow.wait_turn(stopping)  # a stopped thread does not wait for its turn
	assert time.monotonic() - waited < 1
