"""P3, P4, P6, P12, P7 at the issue's scale, on prepared rows. None of them reads a mail body (P3:
the server's STATUS; P4: addresses; P6: a page of rows; P12: the search words; P7: the address
index), so the business mailbox changes nothing here; P3a and P6a (perf.scenarios.imports) are
measured on both."""

from __future__ import annotations

import random
import statistics
import time

from perf.corpus import mail_corpus, synthetic_mail, synthetic_words
from perf.measure import Figure, log, timed
from perf.site import (
	bench_user,
	benchmark_customer,
	bulk_contacts,
	make_accounts,
	remove_account,
	remove_synthetic,
)

SAME = "reads no mail body: as light"


def light_only_rows(dovecot, size: dict) -> list[Figure]:
	customer = benchmark_customer()
	return [
		noop_sync_row(dovecot, size),
		filing_decision_row(size),
		archive_page_row(size, customer),
		search_row(size, customer),
		retroactive_row(dovecot, size),
	]


# --- P3: no-op incremental sync of a large folder ----------------------------------------------


def noop_sync_row(dovecot, size: dict) -> Figure:
	"""P3: no-op incremental sync (folder state prepared: stored up to the highest UID)."""
	made: list[str] = []
	try:
		users = {}
		for label in ("noop_small", "noop_large"):
			users[label] = dovecot.add_user(f"{label}-{int(time.time())}@bench.example", "bench")
			made.append(synced_folder(dovecot, users[label], size[label]))
		noop, server = noop_medians(dovecot, dict(zip(users, made, strict=True)), users)
	finally:
		for account in made:
			remove_account(account)
	return Figure(
		"P3",
		f"no-op sync of a {size['noop_large']}-mail folder (state prepared as synced)",
		f"**{noop['noop_large'] * 1000:.0f} ms**; {size['noop_small']} mails: {noop['noop_small'] * 1000:.0f} ms → "
		f"**{noop['noop_large'] / noop['noop_small']:.2f}** (median of 15, in turns); "
		f"of it the server's login + STATUS: {server['noop_large'] * 1000:.0f} ms vs {server['noop_small'] * 1000:.0f} ms, "
		f"ours without it: {(noop['noop_large'] - server['noop_large']) * 1000:.0f} ms vs {(noop['noop_small'] - server['noop_small']) * 1000:.0f} ms",
		SAME,
		"< 0.5 s, ratio ≤ 1.2",
		noop["noop_large"] < 0.5 and noop["noop_large"] <= 1.2 * noop["noop_small"],
	)


def synced_folder(dovecot, user: str, count: int) -> str:
	"""An account whose INBOX of `count` mails is recorded as stored up to its highest UID."""
	import frappe

	from crm_mail_archive.accounts.syncing import sync_account

	log(f"no-op sync of a {count}-mail folder")
	raws = mail_corpus(min(count, 500), seed=11, domain="noop.example", contacts=[])
	with dovecot.session(user) as client:
		for index in range(count):
			client.append("INBOX", raws[index % len(raws)])
	account = make_accounts(dovecot, user)
	with dovecot.session(user) as client:
		status = client.select_folder("INBOX", readonly=True)
	frappe.get_doc("Mail Archive Account", account).append(
		"folders", {"folder_name": "INBOX", "role": "Inbox", "enabled": 1}
	).db_insert()
	frappe.db.set_value(
		"Mail Archive Folder",
		{"parent": account, "folder_name": "INBOX"},
		{"uidvalidity": status[b"UIDVALIDITY"], "highest_uid": status[b"UIDNEXT"] - 1},
	)
	frappe.db.commit()
	sync_account(account)  # the first run reads the flags once and records HIGHESTMODSEQ
	return account


def noop_medians(dovecot, accounts: dict[str, str], users: dict[str, str]) -> tuple[dict, dict]:
	"""(our no-op syncs, the server's part of them) per folder, median of 15.

	A few milliseconds each: the two folders take turns, so drift on the machine hits both.
	The server's part: what any no-op sync costs, a fresh login and one STATUS, nothing of ours."""
	from crm_mail_archive.accounts.syncing import sync_account

	def server_part(user: str) -> None:
		with dovecot.session(user) as client:
			client.folder_status("INBOX", [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES", b"HIGHESTMODSEQ"])

	rounds: dict[str, list[float]] = {label: [] for label in accounts}
	server_rounds: dict[str, list[float]] = {label: [] for label in accounts}
	for _ in range(15):
		for label, account in accounts.items():
			rounds[label].append(timed(lambda account=account: sync_account(account)))
			server_rounds[label].append(timed(lambda user=users[label]: server_part(user)))
	return (
		{label: statistics.median(times) for label, times in rounds.items()},
		{label: statistics.median(times) for label, times in server_rounds.items()},
	)


# --- P4: the filing decision with few and many contacts ----------------------------------------


def filing_decision_row(size: dict) -> Figure:
	from crm_mail_archive.filing.policy import filing_policy
	from crm_mail_archive.filing.rules import MailAddresses, addresses_to_file
	from crm_mail_archive.filing.targets import targets_for

	contacts = bulk_contacts(size["contacts_small"], "small")
	log(f"{size['contacts']} contacts")
	many = bulk_contacts(size["contacts"], "many")
	policy = filing_policy(None)
	decision = {}
	for label, pool in (("few", contacts), ("many", many)):
		generator = random.Random(5)
		samples = [
			MailAddresses(
				sent=False,
				sender=pool[generator.randrange(len(pool))],
				to=("vertrieb@muster-handels.example",),
				cc=(f"x{n}@extern.example",),
			)
			for n in range(300)
		]
		for mail in samples[:20]:  # warm up
			targets_for(addresses_to_file(mail, policy))
		started = time.perf_counter()
		for mail in samples:
			targets_for(addresses_to_file(mail, policy))
		decision[label] = (time.perf_counter() - started) / len(samples)
	return Figure(
		"P4",
		f"filing decision per mail, {len(contacts)} vs {len(many)} contacts",
		f"**{decision['few'] * 1000:.2f} ms vs {decision['many'] * 1000:.2f} ms** → **{decision['many'] / decision['few']:.2f}**",
		SAME,
		"≤ 2 ms, ratio ≤ 1.2",
		decision["many"] <= 0.002 and decision["many"] <= 1.2 * decision["few"],
	)


# --- P6: the first page of a document with many filed mails ------------------------------------


def archive_page_row(size: dict, customer: str) -> Figure:
	from crm_mail_archive.views.email_archive import archive_of

	count = size["archive"]
	log(f"archive of a document with {count} filed mails")
	remove_synthetic("arch")
	synthetic_mail(count, "arch", "archiv@kunden.example", filed_at=("Customer", customer))
	first_page = timed(lambda: archive_of("Customer", customer, 0, 20), repeat=7)
	remove_synthetic("arch")
	return Figure(
		"P6",
		f"Email Archive first page, {count} filed mails",
		f"**{first_page * 1000:.0f} ms**",
		SAME,
		"≤ 100 ms",
		first_page <= 0.1,
	)


# --- P12: word search ------------------------------------------------------------------------


def search_row(size: dict, customer: str) -> Figure:
	"""P12: a word search in the tab of a document with many filed mails, and on the Mail Search
	page over all of them: as a stock reader (the query states the rule) and as a Sales User (who
	reads them through the Customer: each hit checked)."""
	from crm_mail_archive.views.email_archive import ArchiveFilters, archive_of
	from crm_mail_archive.views.mail_search import MAX_CHECKED

	count = size["search"]
	log(f"word search in the archive of a document with {count} filed mails")
	remove_synthetic("srch")
	names = synthetic_mail(count, "srch", "suche@kunden.example", filed_at=("Customer", customer))
	synthetic_words(names, seed=12)
	searches = {
		word: timed(
			lambda word=word: archive_of("Customer", customer, 0, 20, ArchiveFilters(search=word)), repeat=7
		)
		for word in ("Rechnung", "Zollerklärung", "Rechnung Skonto")
	}
	hits = {
		word: archive_of("Customer", customer, 0, 20, ArchiveFilters(search=word))["total"]
		for word in searches
	}
	everywhere, shown = search_page_seconds()
	remove_synthetic("srch")
	return Figure(
		"P12",
		f"word search, first page, {count} mails filed at one Customer",
		"the tab: "
		+ "; ".join(
			f"“{word}”: **{seconds * 1000:.0f} ms** ({hits[word]} hits)" for word, seconds in searches.items()
		)
		+ " — Mail Search page, “Rechnung”: "
		+ "; ".join(f"{who} **{seconds * 1000:.0f} ms**" for who, seconds in everywhere.items())
		+ f" (the Sales User's page from the newest {MAX_CHECKED} hits, each checked: {shown} shown)"
		+ " (medians of 7)",
		SAME,
		"≤ 300 ms",
		max([*searches.values(), *everywhere.values()]) <= 0.3,
	)


def search_page_seconds() -> tuple[dict[str, float], int]:
	"""The Mail Search page's first page for "Rechnung": ({who: seconds}, mails the Sales User is
	shown)."""
	import frappe

	from crm_mail_archive.views.mail_search import MailSearch, search_mail

	everywhere = {"Administrator": timed(lambda: search_mail(MailSearch("Rechnung")), repeat=7)}
	sales_user = bench_user("Sales User")
	frappe.set_user(sales_user)
	try:
		everywhere["a Sales User"] = timed(lambda: search_mail(MailSearch("Rechnung")), repeat=7)
		shown = len(search_mail(MailSearch("Rechnung"))["mails"])
	finally:
		frappe.set_user("Administrator")
		frappe.delete_doc("User", sales_user, force=True, ignore_permissions=True)
		frappe.db.commit()
	return everywhere, shown


# --- P7: retroactive filing of a new contact's past mail ---------------------------------------


def retroactive_row(dovecot, size: dict) -> Figure:
	import frappe

	from crm_mail_archive.filing.retroactive import file_past_mail

	count = size["retro"]
	log(f"retroactive filing of {count} past mails")
	user = dovecot.add_user(f"retro-{int(time.time())}@bench.example", "bench")
	account = make_accounts(dovecot, user)
	try:
		remove_synthetic("retro")
		synthetic_mail(count, "retro", "neu@retro.example", account=account)
		contact = frappe.get_doc({"doctype": "Contact", "first_name": "Retro"}).insert(
			ignore_permissions=True
		)
		frappe.db.commit()
		retro = timed(lambda: file_past_mail(["neu@retro.example"], [("Contact", contact.name)]))
		frappe.db.commit()
		filed = frappe.db.count("Timeline Link", {"link_doctype": "Contact", "link_name": contact.name})
		frappe.db.delete("Timeline Link", {"link_doctype": "Contact", "link_name": contact.name})
		frappe.delete_doc("Contact", contact.name, force=True, ignore_permissions=True)
		remove_synthetic("retro")
	finally:
		remove_account(account)
	return Figure(
		"P7",
		f"retroactive filing, new contact with {count} past mails",
		f"**{retro:.1f} s** ({filed} filed)",
		SAME,
		"≤ 10 s",
		retro <= 10 and filed == count,
	)
