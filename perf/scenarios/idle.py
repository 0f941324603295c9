"""P13, IMAP IDLE: new mail filed within seconds, with the watcher and one worker running."""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime

from perf.measure import Figure, log
from perf.processes import BenchProcess
from perf.site import benchmark_customer, bulk_contacts, make_accounts, remove_account


def wait_for(condition, timeout: float, what: str, interval: float = 0.05) -> None:
	import frappe

	deadline = time.perf_counter() + timeout
	while True:
		frappe.db.rollback()  # a fresh snapshot: other processes commit
		if condition():
			return
		if time.perf_counter() > deadline:
			raise RuntimeError(f"timed out waiting for {what}")
		time.sleep(interval)


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
	worker = BenchProcess("worker", "--queue", "long")
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


def append_until_filed(
	dovecot, watcher: BenchProcess, parties: tuple[str, str, str], stamp: int, n: int
) -> float:
	"""Seconds from APPENDing mail `n` on the server to its Communication filed on the Customer;
	parties: (the mailbox, the contact's address, the contact's Customer)."""
	import frappe

	user, sender, customer = parties
	message = EmailMessage()
	message["From"] = f"Kunde <{sender}>"
	message["To"] = user
	message["Subject"] = f"Neue Anfrage {n}"
	message["Date"] = format_datetime(datetime.now(timezone.utc))
	message_id = f"idle-{stamp}-{n}@kunden.example"
	message["Message-ID"] = f"<{message_id}>"
	message.set_content("Bitte um Rückruf.\n")

	def filed() -> bool:
		communication = frappe.db.get_value("Communication", {"message_id": message_id})
		return bool(communication) and frappe.db.exists(
			"Timeline Link",
			{"communication": communication, "link_doctype": "Customer", "link_name": customer},
		)

	started = time.perf_counter()
	dovecot.append(user, bytes(message))
	wait_for(filed, 60, f"mail {n} filed\n{watcher.output()[-2000:]}", interval=0.02)
	return time.perf_counter() - started
