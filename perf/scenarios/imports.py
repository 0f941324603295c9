"""P1, P2, P5, P8 and the imported folders' no-op sync (P3a) and first page (P6a), on the light and
the business mailbox: our import, stock receive() and the floor on the same mails, each in a fresh
process (`--child`: its own peak RSS), one after the other."""

from __future__ import annotations

import dataclasses
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from perf.corpus import fill_mailbox
from perf.measure import ChildrenPeakRss, Figure, log, peak_rss_mb, server_bytes, stored_bytes, timed
from perf.processes import checkout_env
from perf.site import connect, insert_rows, make_accounts, remove_account

ROLES = ("ours", "stock", "floor", "small")


@dataclass
class Mailbox:
	label: str  # "light" or "business"
	make: object  # (count, seed, domain, contacts) -> list[bytes]
	size: int
	small: int
	contacts: list[str] = dataclasses.field(default_factory=list)
	customer: str = ""


# --- the measured process ----------------------------------------------------------------------


def child(args) -> None:
	"""One measured run in this process; prints a JSON line."""
	connect(args.site)
	from crm_mail_archive.accounts.syncing import sync_account  # imported before the clock starts

	children = ChildrenPeakRss()
	started = time.perf_counter()
	extra = {}
	if args.child == "ours":
		while sync_account(args.account).stored:
			pass
	elif args.child == "stock":
		extra = stock_receive(args.account)
	elif args.child == "floor":
		floor_import(args)
	seconds = time.perf_counter() - started
	# the process's own peak, and the peak of the largest process it started (both are memory
	# the import holds at once)
	rss_mb = peak_rss_mb()
	children_rss_mb = children.stop()
	print(
		"RESULT "
		+ json.dumps({"seconds": seconds, "rss_mb": rss_mb, "children_rss_mb": children_rss_mb, **extra})
	)


def stock_receive(email_account: str) -> dict:
	"""Stock's pull, run as cron would until a run adds nothing."""
	import frappe

	account = frappe.get_doc("Email Account", email_account)
	runs = failed_runs = 0
	while True:
		before = frappe.db.count("Communication", {"email_account": email_account})
		try:
			account.receive()
		except Exception:
			failed_runs += 1  # stock raises after a run in which a mail failed; cron goes on
		runs += 1
		if frappe.db.count("Communication", {"email_account": email_account}) == before or runs > 500:
			break
	return {"runs": runs, "failed_runs": failed_runs}


def floor_import(args) -> None:
	"""The floor: what any importer must do, and nothing more. The same batched imapclient fetch,
	each mail parsed with the standard library (policy.default) and every part decoded, then one
	bulk insert of bare Communication rows per batch."""
	import email
	from email import policy

	import frappe
	from imapclient import IMAPClient

	now = frappe.utils.now_datetime()
	client = IMAPClient("127.0.0.1", port=int(args.port), ssl=False)
	client.login(args.user, args.password)
	client.select_folder("INBOX", readonly=True)
	uids = client.search(["ALL"])
	for start in range(0, len(uids), 100):
		response = client.fetch(
			uids[start : start + 100], [b"BODY.PEEK[]", b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]
		)
		rows = []
		for uid, data in response.items():
			message = email.message_from_bytes(data[b"BODY[]"], policy=policy.default)
			for part in message.walk():
				if not part.is_multipart():
					part.get_content()  # the decoded text or bytes
			rows.append(
				(
					f"FLOOR-{args.user}-{uid}",
					str(message["subject"] or "")[:140],
					"Communication",
					"Email",
					"Received",
					"Open",
				)
			)
		fields = ["name", "subject", "communication_type", "communication_medium", "sent_or_received"]
		insert_rows("Communication", [*fields, "status"], rows, now)
		frappe.db.commit()
	client.logout()
	frappe.db.delete("Communication", {"name": ("like", f"FLOOR-{args.user}-%")})
	frappe.db.commit()


def run_child(site: str, kind: str, **options) -> dict:
	command = [sys.executable, "-m", "perf.benchmark", "--site", site, "--child", kind]
	for key, value in options.items():
		command += [f"--{key}", str(value)]
	result = subprocess.run(command, capture_output=True, text=True, check=False, env=checkout_env())
	for line in result.stdout.splitlines():
		if line.startswith("RESULT "):
			return json.loads(line[len("RESULT ") :])
	raise RuntimeError(f"{kind} run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


# --- one mailbox -----------------------------------------------------------------------------


def import_figures(site: str, dovecot, mailbox: Mailbox) -> dict:
	"""P1, P2, P5, P8 and the imported folders' no-op sync and first page, for one mailbox: ours,
	stock and the floor on the same mails, each in a fresh process, one after the other."""
	import frappe

	users = fill_mailboxes(dovecot, mailbox)
	accounts = {}
	try:
		for role in ("ours", "small"):
			accounts[role] = make_accounts(dovecot, users[role])
		accounts["stock"] = make_accounts(dovecot, users["stock"], stock=True)
		log(f"{mailbox.label}: our import")
		ours = run_child(site, "ours", account=accounts["ours"])
		log(f"{mailbox.label}: our small import")
		small = run_child(site, "ours", account=accounts["small"])
		log(f"{mailbox.label}: stock receive() loop")
		stock = run_child(site, "stock", account=accounts["stock"])
		stock_count = frappe.db.count("Communication", {"email_account": accounts["stock"]})
		log(f"{mailbox.label}: floor")
		floor = run_child(site, "floor", user=users["floor"], password="bench", port=dovecot.imap_port)
		raw = server_bytes(dovecot, users["ours"])
		kept = stored_bytes(accounts["ours"])
		after = imported_reads(accounts, mailbox.customer)
	finally:
		for account in accounts.values():
			remove_account(account)
		for user in users.values():
			dovecot.remove_user_mail(user)
	return {
		"mails": mailbox.size,
		"small_mails": mailbox.small,
		"ours": ours,
		"small": small,
		"stock": stock,
		"stock_count": stock_count,
		"floor": floor,
		"raw_bytes": raw,
		"stored_bytes": kept,
		**after,
	}


def fill_mailboxes(dovecot, mailbox: Mailbox) -> dict[str, str]:
	"""A server mailbox per role, each of the same seeded mail (the small one a tenth)."""
	stamp = int(time.time())
	users = {}
	log(f"{mailbox.label}: building mailboxes of {mailbox.size} mails")
	for role in ROLES:
		user = dovecot.add_user(f"{mailbox.label}-{role}-{stamp}@bench.example", "bench")
		count = mailbox.small if role == "small" else mailbox.size
		fill_mailbox(
			dovecot, user, mailbox.make(count, 7, f"{mailbox.label}-{role}.example", mailbox.contacts)
		)
		users[role] = user
	return users


def imported_reads(accounts: dict[str, str], customer: str) -> dict:
	"""The imported folders synced again with nothing changed (median of 15, the two in turns), and
	the first page of the Customer the mail is filed at."""
	import frappe

	from crm_mail_archive.accounts.syncing import sync_account
	from crm_mail_archive.views.email_archive import archive_of

	rounds = {"ours": [], "small": []}
	for _ in range(15):
		for role in rounds:
			rounds[role].append(timed(lambda account=accounts[role]: sync_account(account)))
	return {
		"noop": {role: statistics.median(times) for role, times in rounds.items()},
		"filed": frappe.db.count("Timeline Link", {"link_doctype": "Customer", "link_name": customer}),
		"first_page": timed(lambda: archive_of("Customer", customer, 0, 20), repeat=7),
	}


# --- the rows --------------------------------------------------------------------------------


def import_rows(results: dict[str, dict]) -> list[Figure]:
	"""The figures measured on both mailboxes, side by side."""

	def pair(key: str, what: str, render, met, goal: str) -> Figure:
		light, business = results["light"], results["business"]
		return Figure(key, what, render(light), render(business), goal, met(light) and met(business))

	return [pair(*row) for row in (*throughput_rows(), *footprint_rows())]


def rate(r) -> float:
	return r["mails"] / r["ours"]["seconds"]


def stock_rate(r) -> float:
	return r["stock_count"] / r["stock"]["seconds"] if r["stock_count"] else 0.0


def total_rss(run) -> float:
	return run["rss_mb"] + run.get("children_rss_mb", 0)


def throughput_rows() -> list[tuple]:
	"""(key, what, render, met, goal) of P1 and P2."""
	return [
		(
			"P1",
			"initial import vs stock receive()",
			lambda r: f"ours {rate(r):.0f} mails/s (all {r['mails']}); stock {stock_rate(r):.1f} mails/s "
			f"over the {r['stock_count']} it imported before a run added nothing ({r['stock']['runs']} runs, "
			f"{r['stock']['failed_runs']} raised) → **{rate(r) / stock_rate(r) if stock_rate(r) else float('inf'):.1f}×**",
			lambda r: bool(stock_rate(r)) and rate(r) >= 10 * stock_rate(r),
			"≥ 10× stock",
		),
		(
			"P2",
			"ours vs the floor (imapclient fetch + `email` parse + bulk insert)",
			lambda r: f"ours {r['ours']['seconds']:.1f} s, floor {r['floor']['seconds']:.1f} s → "
			f"**{r['ours']['seconds'] / r['floor']['seconds']:.2f}×**",
			lambda r: r["ours"]["seconds"] <= 2 * r["floor"]["seconds"],
			"≤ 2× the floor's time",
		),
	]


def footprint_rows() -> list[tuple]:
	"""(key, what, render, met, goal) of P5, P8, P3a and P6a."""
	return [
		(
			"P5",
			"peak RSS: import of the whole vs a tenth of the mailbox; vs the floor",
			lambda r: f"{total_rss(r['ours']):.0f} MB ({r['ours']['rss_mb']:.0f} + parsing process "
			f"{r['ours']['children_rss_mb']:.0f}) vs {total_rss(r['small']):.0f} MB → "
			f"**{total_rss(r['ours']) / total_rss(r['small']):.2f}**; floor {r['floor']['rss_mb']:.0f} MB → "
			f"**{total_rss(r['ours']) / r['floor']['rss_mb']:.2f}×**",
			lambda r: total_rss(r["ours"]) <= 1.2 * total_rss(r["small"])
			and total_rss(r["ours"]) <= 1.5 * r["floor"]["rss_mb"],
			"ratio ≤ 1.2; ≤ 1.5× the floor",
		),
		(
			"P8",
			"disk bytes stored (files + mail text in the database) vs the raw mail",
			lambda r: f"{r['stored_bytes'] / 1e6:.1f} MB for {r['raw_bytes'] / 1e6:.1f} MB → "
			f"**{r['stored_bytes'] / r['raw_bytes']:.2f}×**",
			lambda r: r["stored_bytes"] <= 1.3 * r["raw_bytes"],
			"≤ 1.3× raw",
		),
		(
			"P3a",
			"no-op sync of the imported folder, whole vs a tenth",
			lambda r: f"{r['noop']['ours'] * 1000:.0f} ms vs {r['noop']['small'] * 1000:.0f} ms → "
			f"**{r['noop']['ours'] / r['noop']['small']:.2f}** (median of 15, in turns)",
			lambda r: r["noop"]["ours"] < 0.5 and r["noop"]["ours"] <= 1.2 * r["noop"]["small"],
			"< 0.5 s, ratio ≤ 1.2",
		),
		(
			"P6a",
			"Email Archive first page of the Customer the imported mail is filed at",
			lambda r: f"**{r['first_page'] * 1000:.0f} ms** ({r['filed']} filed)",
			lambda r: r["first_page"] <= 0.1,
			"≤ 100 ms",
		),
	]
