"""Watching folders for new mail with IMAP IDLE. Frappe-free.

One thread per watched (account, folder), each with its own connection: it selects the folder
read-only, waits in IDLE and calls back when the server reports new mail. A lost connection is
reopened with exponential backoff (1 s doubling to 5 min, with jitter), and the threads of a pool
take turns to connect (`ConnectPacer`: a server that restarts under 1,000 watched folders sees them
come back a few dozen a second, not all at once); each (re)connect is reported
too, so the caller can catch up on what arrived while nobody was watching. A server without IDLE
ends that account's watching (reported once): its scheduled sync covers it.

`WatchPool` keeps the threads in line with a list of targets that the caller re-reads now and then.
The callbacks run on the watcher threads: keep them short (put the event on a queue).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from crm_mail_archive.mailbox.client import (
	IDLE_RENEW_SECONDS,
	ConnectionSettings,
	MailboxAuthError,
	MailboxClient,
	MailboxError,
)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 5 * 60.0
CHECK_SECONDS = 1.0  # how often a waiting thread looks at its stop event
# the connects of one pool's threads, a second: 1,000 folders are watched again 20 s after a
# server restart (benchmark P20), and the server sees at most a handful of logins each 100 ms
CONNECTS_PER_SECOND = 50.0


@dataclass(frozen=True)
class WatchTarget:
	account: str
	folder: str


class Backoff:
	"""Exponential delays with jitter: 1, 2, 4, … up to `maximum` seconds, each between half and
	all of its step (many watchers cut off together do not come back together)."""

	def __init__(
		self,
		first: float = FIRST_RETRY_SECONDS,
		maximum: float = MAX_RETRY_SECONDS,
		rng: random.Random | None = None,
	):
		self.first = first
		self.maximum = maximum
		self.rng = rng or random.Random()
		self.failures = 0

	def next_delay(self) -> float:
		step = min(self.maximum, self.first * 2**self.failures)
		self.failures += 1
		return step * (0.5 + self.rng.random() / 2)

	def give_up_for_long(self) -> float:
		"""The longest wait: for failures retrying soon will not fix (a refused login)."""
		self.failures = max(self.failures, 64)
		return self.next_delay()

	def reset(self) -> None:
		self.failures = 0


class ConnectPacer:
	"""Turns to connect, shared by the threads of a pool: one every 1/`per_second` seconds, in
	the order asked. The jittered backoff alone brings every thread cut off by a server restart
	back within the same second."""

	def __init__(self, per_second: float = CONNECTS_PER_SECOND):
		self.interval = 1.0 / per_second
		self._next = 0.0
		self._lock = threading.Lock()

	def wait_turn(self, stopping: threading.Event) -> bool:
		"""Wait for the next free turn; False when `stopping` is set meanwhile."""
		with self._lock:
			now = time.monotonic()
			turn = max(now, self._next)
			self._next = turn + self.interval
		if turn > now:
			return not stopping.wait(turn - now)
		return not stopping.is_set()


@dataclass
class WatchEvents:
	"""What the watcher threads report. Every callback gets the target first."""

	new_mail: Callable[[WatchTarget], None]
	connected: Callable[[WatchTarget], None] = lambda target: None
	no_idle: Callable[[WatchTarget], None] = lambda target: None
	failed: Callable[[WatchTarget, MailboxError, float], None] = lambda target, error, retry_in: None


class FolderWatcher(threading.Thread):
	"""Watches one folder until `stop()` (or until the server turns out to have no IDLE)."""

	def __init__(
		self,
		target: WatchTarget,
		settings: Callable[[], ConnectionSettings],
		events: WatchEvents,
		client_factory: Callable[[ConnectionSettings], MailboxClient] = MailboxClient,
		backoff: Backoff | None = None,
		renew_seconds: float = IDLE_RENEW_SECONDS,
		check_seconds: float = CHECK_SECONDS,
		pacer: ConnectPacer | None = None,
	):
		super().__init__(name=f"watch {target.account} {target.folder}", daemon=True)
		self.target = target
		self.settings = settings  # called on every connect: the newest settings (OAuth token)
		self.events = events
		self.client_factory = client_factory
		self.backoff = backoff or Backoff()
		self.renew_seconds = renew_seconds
		self.check_seconds = check_seconds
		self.pacer = pacer
		self.stopping = threading.Event()
		self.idle_unsupported = False

	def stop(self) -> None:
		self.stopping.set()

	def run(self) -> None:
		while not self.stopping.is_set():
			try:
				self._watch_once()
				if self.idle_unsupported:
					return
			except MailboxError as error:
				delay = (
					self.backoff.give_up_for_long()
					if isinstance(error, MailboxAuthError)
					else self.backoff.next_delay()
				)
				self._report(self.events.failed, error, delay)
				self.stopping.wait(delay)

	def _watch_once(self) -> None:
		"""One connection: IDLE until stopped or until the connection fails (MailboxError)."""
		if self.pacer and not self.pacer.wait_turn(self.stopping):
			return
		client = self.client_factory(self.settings())
		client.connect()
		try:
			if not client.supports_idle():
				self.idle_unsupported = True
				self._report(self.events.no_idle)
				return
			with client.idle(self.target.folder, renew_seconds=self.renew_seconds) as session:
				self.backoff.reset()
				self._report(self.events.connected)
				while not self.stopping.is_set():
					if session.wait(self.check_seconds):
						self._report(self.events.new_mail)
		finally:
			client.close()

	def _report(self, callback, *args) -> None:
		try:
			callback(self.target, *args)
		except Exception:  # a failing callback must not end the watching
			pass


class WatchPool:
	"""The watcher threads for a changing set of targets.

	`update({target: settings})` starts a thread for each new target, stops the threads of targets
	no longer listed and restarts a thread whose server or login changed (a new OAuth token only
	replaces the settings its next connect uses). An account whose server has no IDLE is not
	watched again until its settings change. Its threads take turns to connect, at most
	`connects_per_second`."""

	def __init__(
		self, events: WatchEvents, connects_per_second: float = CONNECTS_PER_SECOND, **watcher_options
	):
		self.events = events
		self.watcher_options = {"pacer": ConnectPacer(connects_per_second), **watcher_options}
		self.watchers: dict[WatchTarget, FolderWatcher] = {}
		self.settings: dict[WatchTarget, ConnectionSettings] = {}
		self.no_idle: dict[str, ConnectionSettings] = {}  # account -> the settings found without IDLE
		self._lock = threading.Lock()

	def update(self, targets: dict[WatchTarget, ConnectionSettings]) -> None:
		with self._lock:
			for target in list(self.watchers):
				watcher = self.watchers[target]
				if watcher.idle_unsupported and not watcher.is_alive():
					self.no_idle[target.account] = self.settings[target]
					del self.watchers[target]
				elif target not in targets or _identity(targets[target]) != _identity(self.settings[target]):
					watcher.stop()
					del self.watchers[target]
			for account, settings in list(self.no_idle.items()):
				listed = [s for t, s in targets.items() if t.account == account]
				if not listed or _identity(listed[0]) != _identity(settings):
					del self.no_idle[account]  # gone, or its server or login changed: look again
			for target, settings in targets.items():
				self.settings[target] = settings
				if target in self.watchers or target.account in self.no_idle:
					continue
				watcher = FolderWatcher(
					target, self._settings_of(target), self.events, **self.watcher_options
				)
				self.watchers[target] = watcher
				watcher.start()
			for target in list(self.settings):
				if target not in targets:
					del self.settings[target]

	def _settings_of(self, target: WatchTarget) -> Callable[[], ConnectionSettings]:
		fallback = self.settings[target]
		return lambda: self.settings.get(target, fallback)

	def watching(self) -> set[WatchTarget]:
		with self._lock:
			return {target for target, watcher in self.watchers.items() if watcher.is_alive()}

	def stop(self, timeout: float = 10.0) -> None:
		"""Stop every thread and wait for them (each leaves IDLE and logs out)."""
		with self._lock:
			watchers = list(self.watchers.values())
			self.watchers.clear()
		for watcher in watchers:
			watcher.stop()
		for watcher in watchers:
			watcher.join(timeout)


def _identity(settings: ConnectionSettings) -> ConnectionSettings:
	"""What makes another connection: everything but the OAuth token, which is renewed hourly."""
	return replace(settings, oauth_token=None)
