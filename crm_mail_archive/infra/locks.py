"""One worker per account: a Redis lock with a short lease, renewed after every batch.

A worker that dies (SIGKILL, OOM) must not block its account for long: the lease runs out after
LEASE_SECONDS, and a worker on the same host takes over at once when the holder's process is gone.
"""

from __future__ import annotations

import os
import socket
import uuid

import frappe

LEASE_SECONDS = 300

# compare-and-delete / compare-and-expire: only the holder may release or renew
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end"
_TAKE_OVER = (
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) "
	"else return nil end"
)


def _process_alive(pid: int) -> bool:
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		return True
	return True


class AccountLock:
	def __init__(self, account_name: str, lease_seconds: int = LEASE_SECONDS):
		self.key = f"{frappe.local.site}:mail-archive:sync-lock:{account_name}"
		self.lease_seconds = lease_seconds
		self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

	def acquire(self) -> bool:
		redis = frappe.cache
		if redis.set(self.key, self.token, nx=True, ex=self.lease_seconds):
			return True
		holder = redis.get(self.key)
		if holder is None:
			return bool(redis.set(self.key, self.token, nx=True, ex=self.lease_seconds))
		holder = holder.decode() if isinstance(holder, bytes) else holder
		host, _, rest = holder.partition(":")
		pid = rest.partition(":")[0]
		if host == socket.gethostname() and pid.isdigit() and not _process_alive(int(pid)):
			return bool(redis.eval(_TAKE_OVER, 1, self.key, holder, self.token, self.lease_seconds))
		return False

	def held(self) -> bool:
		"""Whether a live holder has the lock (one on this host whose process is gone does not)."""
		holder = frappe.cache.get(self.key)
		if holder is None:
			return False
		holder = holder.decode() if isinstance(holder, bytes) else holder
		host, _, rest = holder.partition(":")
		pid = rest.partition(":")[0]
		return not (host == socket.gethostname() and pid.isdigit() and not _process_alive(int(pid)))

	def renew(self) -> bool:
		return bool(frappe.cache.eval(_RENEW, 1, self.key, self.token, self.lease_seconds))

	def release(self) -> None:
		frappe.cache.eval(_RELEASE, 1, self.key, self.token)
