"""A synthetic archive at scale, straight into the tables: N archived mails over A accounts and C
Customers, for measuring search at millions of mails (P21) and for the tests of the same code
paths at small size. Deterministic by seed.

What a generated mail has is what the archive stores for a mail the views and the read rule read:
its Communication (the archive's columns; a short body: the views never read it), its Timeline
Link to the Customer it is filed at (nine in ten are filed; a few big Customers hold a large share),
its `Mail Search Text` (subject, names, addresses and about 60 words of German and English text,
Zipf-distributed: perf.scale_words) and its Mail Address Index rows (From, To). Mail of 10
years; three in ten sent. Each account is a Mail Archive Account (disabled: the scheduler never
syncs it) with its Email Account and an owning user (a Sales User); every 50th account from the
second on is Private, every 50th from the third on confidential, every 10th from the fourth on
Headers only, the others Shared. A few rare words are planted at known counts (RARE_WORDS).

Every generated row's name starts with "SCALE-<tag>-" (users: "scale-<tag>-…"): `remove` deletes
them in bulk. From 100,000 mails on, the FULLTEXT index is dropped for the load and built again
after it (much faster than growing it row by row; the site's word search is down meanwhile).

	cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -m perf.scale_data --site S \
		--mails 1000000 [--accounts 500] [--customers 50000] | --remove
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from perf.scale_removal import generated_rows, prefix, remove
from perf.scale_words import RARE_WORDS, ZipfWords, body_length, weighted_index

__all__ = ["ScaleArchive", "generate", "generated_rows", "remove"]

ROWS_PER_STATEMENT = 2000
REBUILD_INDEX_FROM = 100_000
BIG_SHARES = (0.10, 0.05, 0.03, 0.02, 0.01)  # of all mail, Customers 0 to 4
FILED_SHARE = 0.9
SENT_SHARE = 0.3
PRIVATE_MARK_SHARE = 0.005
YEARS = 10
END = datetime(2026, 12, 1)
SALES_ROLE = "Sales User"


def visibility(account: int) -> tuple[str, int]:
	"""(visibility, confidential) of the account with this index."""
	if account % 50 == 1:
		return "Private", 0
	if account % 50 == 2:
		return "Shared", 1
	if account % 10 == 3:
		return "Headers only", 0
	return "Shared", 0


def account_address(tag: str, account: int) -> str:
	return f"postfach{account:04d}@{tag}.firma.example"


def customer_domain(customer: int) -> str:
	return f"kunde{customer:05d}.example"


@dataclass
class ScaleArchive:
	"""What was generated: names to ask the views with, and the planted words' mails."""

	tag: str
	mails: int
	accounts: list[str]  # Email Account names; index 0 is Shared, its owner the Sales User
	users: list[str]  # each account's owner
	customers: list[str]
	big: list[str]  # the big Customers, biggest first
	planted: dict[str, list[str]] = field(default_factory=dict)  # word -> its mails
	at_big: dict[str, int] = field(default_factory=dict)  # word -> of them filed at big[0]
	hidden: dict[str, int] = field(default_factory=dict)  # word -> of them in Private accounts

	@property
	def sales_user(self) -> str:
		return self.users[0]

	def prefix(self) -> str:
		return prefix(self.tag)


def _sql_many(table: str, columns: list[str], rows: list[tuple]) -> None:
	"""Multi-row INSERTs (the driver joins the rows into statements of about a megabyte)."""
	import frappe

	if not rows:
		return
	placeholders = ", ".join(["%s"] * len(columns))
	names = ", ".join(f"`{column}`" for column in columns)
	frappe.db.sql("select 1")  # connected
	frappe.db._cursor.executemany(f"insert into `tab{table}` ({names}) values ({placeholders})", rows)


def generate(
	mails: int,
	accounts: int = 500,
	customers: int = 50_000,
	seed: int = 21,
	tag: str = "scale",
	big_shares: tuple[float, ...] = BIG_SHARES,
	log=print,
	rebuild_index: bool | None = None,
) -> ScaleArchive:
	"""`rebuild_index`: drop the FULLTEXT index for the load and build it after (by default from
	REBUILD_INDEX_FROM mails on)."""
	import frappe

	needed = sum(sum(counts) for counts in RARE_WORDS.values())
	if mails < needed or accounts < 4 or customers < len(big_shares) + 1:
		raise ValueError(f"at least {needed} mails, 4 accounts and {len(big_shares) + 1} Customers")
	remove(tag, log=log)
	rng = random.Random(seed)
	now = frappe.utils.now_datetime()
	archive = _accounts_and_customers(tag, accounts, customers, len(big_shares), now)
	archive.mails = mails
	plan = _plan_rare_words(rng, mails, archive)
	shared = [a for a in range(accounts) if visibility(a) == ("Shared", 0)]
	private = [a for a in range(accounts) if visibility(a)[0] == "Private"]
	words = ZipfWords()
	rebuild = mails >= REBUILD_INDEX_FROM if rebuild_index is None else rebuild_index
	if rebuild:
		_drop_fulltext_index()
		# the generated names are unique by construction: InnoDB may buffer the unique indexes
		frappe.db.sql("set session unique_checks = 0")
	shares = [*list(big_shares), max(0.0, 1.0 - sum(big_shares))]
	cumulative = [sum(shares[: n + 1]) for n in range(len(shares))]
	started = time.monotonic()
	try:
		for first in range(0, mails, ROWS_PER_STATEMENT * 5):
			last = min(mails, first + ROWS_PER_STATEMENT * 5)
			batch = []
			for index in range(first, last):
				planted = plan.get(index, ())
				batch.append(_mail(rng, index, archive, words, planted, shared, private, cumulative))
			_insert(batch, archive, now)
			frappe.db.commit()
			if last % 100_000 == 0:
				log(f"{last} mails ({time.monotonic() - started:.0f} s)")
	finally:
		if rebuild:
			frappe.db.sql("set session unique_checks = 1")
			log(f"building the FULLTEXT index ({time.monotonic() - started:.0f} s)")
			from crm_mail_archive.search.index import ensure_fulltext_index

			ensure_fulltext_index()
	log(f"{mails} mails generated in {time.monotonic() - started:.0f} s")
	return archive


def _accounts_and_customers(tag: str, accounts: int, customers: int, big: int, now) -> ScaleArchive:
	import frappe

	mark = prefix(tag)
	users = [f"scale-{tag}-{a:04d}@firma.example" for a in range(accounts)]
	email_accounts = [f"{mark}A{a:04d}" for a in range(accounts)]
	names = [f"{mark}C{c:05d}" for c in range(customers)]
	_rows(
		"User",
		"name email first_name full_name enabled user_type language",
		[
			(user, user, f"Postfach {a}", f"Postfach {a}", 1, "System User", "de")
			for a, user in enumerate(users)
		],
		now,
	)
	_rows(
		"Has Role",
		"name parent parenttype parentfield role",
		[(f"{mark}R{a:04d}", user, "User", "roles", SALES_ROLE) for a, user in enumerate(users)],
		now,
	)
	_rows(
		"Email Account",
		"name email_account_name email_id enable_incoming enable_outgoing use_imap",
		[(name, name, account_address(tag, a), 0, 0, 1) for a, name in enumerate(email_accounts)],
		now,
	)
	_rows(
		"Mail Archive Account",
		"name email_account email_address account_owner enabled confidential visibility",
		[
			(name, name, account_address(tag, a), users[a], 0, visibility(a)[1], visibility(a)[0])
			for a, name in enumerate(email_accounts)
		],
		now,
	)
	for first in range(0, customers, 10_000):
		_rows(
			"Customer",
			"name customer_name customer_type",
			[
				(names[c], f"Scale Kunde {c:05d}", "Company")
				for c in range(first, min(customers, first + 10_000))
			],
			now,
		)
	frappe.db.commit()
	frappe.clear_cache()
	return ScaleArchive(tag, 0, email_accounts, users, names, names[:big])


def _plan_rare_words(
	rng: random.Random, mails: int, archive: ScaleArchive
) -> dict[int, list[tuple[str, str]]]:
	"""{mail index: [(word, where)]}: where is "big" (a Shared account's mail filed at the biggest
	Customer), "other" (filed at a Customer that is not big), "hidden" (a Private account's mail
	filed at the biggest Customer)."""
	plan: dict[int, list[tuple[str, str]]] = {}
	needed = sum(sum(counts) for counts in RARE_WORDS.values())
	chosen = rng.sample(range(mails), needed)
	position = 0
	for word, counts in RARE_WORDS.items():
		for where, count in zip(("big", "other", "hidden"), counts, strict=True):
			for index in chosen[position : position + count]:
				plan.setdefault(index, []).append((word, where))
				archive.planted.setdefault(word, []).append(_name(archive.tag, index))
			position += count
		archive.at_big[word] = counts[0] + counts[2]
		archive.hidden[word] = counts[2]
	return plan


def _name(tag: str, index: int) -> str:
	return f"{prefix(tag)}{index:08d}"


@dataclass
class _Mail:
	name: str
	account: int
	customer: int | None
	sent: bool
	sender: str
	sender_name: str
	recipient: str
	date: datetime
	subject: str
	text: str
	private: int
	seen: int
	has_attachment: int


def _mail(rng, index, archive, words, planted, shared, private, cumulative) -> _Mail:
	accounts, customers = len(archive.accounts), len(archive.customers)
	big = len(archive.big)
	account = rng.randrange(accounts)
	customer = None
	if rng.random() < FILED_SHARE:
		group = weighted_index(cumulative, rng)
		customer = group if group < big else rng.randrange(big, customers)
	sent = rng.random() < SENT_SHARE
	marked = int(rng.random() < PRIVATE_MARK_SHARE)
	wheres = {where for _word, where in planted}
	if wheres:  # the planted words' mails: where the counts say
		marked = 0
		if "hidden" in wheres:
			account, customer = private[index % len(private)], 0
		else:
			account = shared[index % len(shared)]
			customer = 0 if "big" in wheres else rng.randrange(big, customers)
	person = f"{rng.choice(('anna', 'jan', 'lea', 'tom', 'eva', 'max'))}.{rng.randrange(100)}"
	outside = (
		f"{person}@{customer_domain(customer) if customer is not None else f'extern{index % 997}.example'}"
	)
	own = account_address(archive.tag, account)
	sender, recipient = (own, outside) if sent else (outside, own)
	sender_name = person.split(".")[0].capitalize()
	subject = " ".join(words.draw(rng, rng.randint(2, 6))) + f" Nr. {index}"
	body = words.draw(rng, body_length(rng))
	for word, _where in planted:
		body.insert(rng.randrange(len(body) + 1), word)
	text = f"{subject} {sender_name} {sender} {recipient} {' '.join(body)}"
	date = END - timedelta(seconds=rng.randrange(YEARS * 365 * 86400))
	return _Mail(
		_name(archive.tag, index),
		account,
		customer,
		sent,
		sender,
		sender_name,
		recipient,
		date,
		subject,
		text,
		marked,
		int(rng.random() < 0.8),
		int(rng.random() < 0.15),
	)


def _insert(batch: list[_Mail], archive: ScaleArchive, now) -> None:
	mark = archive.prefix()
	_rows(
		"Communication",
		"name subject communication_type communication_medium sent_or_received sender sender_full_name "
		"recipients content communication_date status email_status email_account imap_folder seen "
		"has_attachment mail_archive_key mail_archive_filing mail_archive_private message_id",
		[
			(
				*(mail.name, mail.subject, "Communication", "Email", "Sent" if mail.sent else "Received"),
				*(mail.sender, mail.sender_name, mail.recipient, f"<p>{mail.subject}</p>", mail.date),
				*("Open", "Open", archive.accounts[mail.account], "Sent" if mail.sent else "INBOX"),
				*(mail.seen, mail.has_attachment, mail.name.lower()),
				*("Unfiled" if mail.customer is None else "Filed", mail.private),
				f"{mail.name.lower()}@scale.example",
			)
			for mail in batch
		],
		now,
		owners=[archive.users[mail.account] for mail in batch],
	)
	_rows(
		"Timeline Link",
		"name communication link_doctype link_name source communication_date",
		[
			(
				f"{mark}TL{mail.name[len(mark):]}",
				mail.name,
				"Customer",
				archive.customers[mail.customer],
				"Automatic",
				mail.date,
			)
			for mail in batch
			if mail.customer is not None
		],
		now,
	)
	_rows("Mail Search Text", "name communication mail_text", [(m.name, m.name, m.text) for m in batch], now)
	_rows(
		"Mail Address Index",
		"name communication address reversed_domain role",
		[
			(f"{mark}MI{mail.name[len(mark) :]}{role[0]}", mail.name, address, _reversed(address), role)
			for mail in batch
			for role, address in (("From", mail.sender), ("To", mail.recipient))
		],
		now,
	)


def _rows(table: str, columns: str, rows: list[tuple], now, owners: list[str] | None = None) -> None:
	"""Rows of `table` with the given columns (space separated) and who made them when: the
	owners given, else Administrator."""
	owners = owners or ["Administrator"] * len(rows)
	_sql_many(
		table,
		[*columns.split(), *_COMMON],
		[(*row, owner, owner, now, now) for row, owner in zip(rows, owners, strict=True)],
	)


_COMMON = ["owner", "modified_by", "creation", "modified"]


def _reversed(address: str) -> str:
	return ".".join(reversed(address.rsplit("@", 1)[-1].split(".")))


def _drop_fulltext_index() -> None:
	import frappe

	from crm_mail_archive.search.index import FULLTEXT_INDEX, SEARCH_TEXT

	if frappe.db.sql(
		"""select 1 from information_schema.statistics
		where table_schema = database() and table_name = %s and index_name = %s limit 1""",
		(f"tab{SEARCH_TEXT}", FULLTEXT_INDEX),
	):
		frappe.db.sql_ddl(f"alter table `tab{SEARCH_TEXT}` drop index `{FULLTEXT_INDEX}`")


def main(argv: list[str] | None = None) -> None:
	from perf.site import connect

	parser = argparse.ArgumentParser(prog="python -m perf.scale_data")
	parser.add_argument("--site", required=True)
	parser.add_argument("--mails", type=int, default=1_000_000)
	parser.add_argument("--accounts", type=int, default=500)
	parser.add_argument("--customers", type=int, default=50_000)
	parser.add_argument("--seed", type=int, default=21)
	parser.add_argument("--tag", default="scale")
	parser.add_argument(
		"--remove", action="store_true", help="delete the generated rows (and give the disk back)"
	)
	args = parser.parse_args(argv)
	connect(args.site)
	if args.remove:
		print(f"{remove(args.tag, optimize=True)} rows deleted")
		return
	generate(args.mails, args.accounts, args.customers, args.seed, args.tag)


if __name__ == "__main__":
	main()
