"""P13, IMAP IDLE: new mail filed within seconds, with the watcher and one worker running."""

from __future__ import annotations

import statistics
import time

from perf.measure import Figure, log
from perf.processes import BenchProcess, append_until_filed, sync_and_bulk_queues, wait_for
from perf.site import benchmark_customer, bulk_contacts, make_accounts, remove_account


def idle_rows(dovecot, size: dict) -> list[Figure]:
	"""P13: the watcher (`bench mail-archive watch`) and one worker run; mails are appended on
	the server one at a time, each timed from APPEND to its Communication filed on the Customer."""
	import frappe

	site = frappe.local.site
	count = size["idle_mails"]
	stamp = int(time.time())
	customer = benchmark_customer()
	(sender,) = bulk_contacts(1, "idle")
	user = dovecot.add_user(f"idle-{stamp}@bench.example", "bench")
	account = make_accounts(dovecot, user)
	log(f"IDLE latency: watcher and one worker, {count} mails one at a time")
	worker = BenchProcess("worker", "--queue", sync_and_bulk_queues())
	watcher = BenchProcess("--site", site, "mail-archive", "watch", "--account", account)
	seconds = []
	try:
		wait_for(lambda: f"{account} / INBOX: watching" in watcher.output(), 120, "the watcher")
		# its first sync (the catch-up queued when the watcher starts watching the folder)
		wait_for(
			lambda: frappe.db.get_value("Mail Archive Account", account, "last_sync"), 120, "the first sync"
		)
		for n in range(count):
			seconds.append(append_until_filed(dovecot, watcher, (user, sender, customer), stamp, n))
			time.sleep(0.5)  # one at a time: the last one's sync is over
	finally:
		watcher.stop()
		worker.stop()
		remove_account(account)
		dovecot.remove_user_mail(user)
	median, worst = statistics.median(seconds), max(seconds)
	return [
		Figure(
			"P13",
			f"IMAP IDLE: a mail appended on the server until its Communication is filed on the Customer "
			f"(watcher and one worker running; {count} mails, one at a time)",
			f"median **{median:.2f} s**, max {worst:.2f} s (each: {', '.join(f'{s:.2f}' for s in seconds)})",
			"",
			"≤ 5 s",
			worst <= 5.0,
		)
	]
