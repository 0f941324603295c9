"""The benchmark's command line: which scenarios run, on which sizes, and where the table goes."""

from __future__ import annotations

import argparse

from perf.measure import Figure
from perf.processes import private_dovecot
from perf.site import connect
from perf.table import table, write_table

SIZES = {
	"full": {
		"import": 5000,
		"rss_small": 500,
		"noop_small": 5000,
		"noop_large": 50000,
		"contacts": 100000,
		"contacts_small": 1000,
		"archive": 20000,
		"search": 100000,
		"retro": 10000,
		"noop_accounts": 10,
		"scale_mails": 1000,
		"idle_mails": 10,
		"documents": 100000,
		"beside_bulk": 10000,
		"scale_accounts": 500,
		"search_scale": 1_000_000,
		"scale_search_accounts": 500,
		"scale_customers": 50_000,
	},
	"quick": {
		"import": 500,
		"rss_small": 50,
		"noop_small": 500,
		"noop_large": 5000,
		"contacts": 10000,
		"contacts_small": 100,
		"archive": 2000,
		"search": 10000,
		"retro": 1000,
		"noop_accounts": 10,
		"scale_mails": 150,
		"idle_mails": 10,
		"documents": 10000,
		"beside_bulk": 1000,
		"scale_accounts": 50,
		"search_scale": 100_000,
		"scale_search_accounts": 500,
		"scale_customers": 50_000,
	},
}
Rows = tuple[list[Figure], list[Figure]]  # (figures on both mailboxes, figures of operations)


def sizes(quick: bool, accounts: int | None = None, mails: int | None = None) -> dict:
	size = dict(SIZES["quick" if quick else "full"])
	if accounts:
		size["scale_accounts"] = accounts
	if mails:
		size["search_scale"] = mails
	return size


def benchmark(site: str, quick: bool, stock_site: str | None = None, accounts: int | None = None) -> Rows:
	"""Every scenario; P15 only with a stock site to compare with."""
	from perf.corpus import business_mailbox, mail_corpus
	from perf.processes import no_other_workers
	from perf.scenarios.beside_bulk import beside_bulk_rows
	from perf.scenarios.desk import desk_rows
	from perf.scenarios.document_numbers import document_number_row
	from perf.scenarios.idle import idle_rows
	from perf.scenarios.imports import Mailbox, import_figures, import_rows
	from perf.scenarios.light_only import light_only_rows
	from perf.scenarios.scale import scale_rows
	from perf.scenarios.verify import verify_rows
	from perf.scenarios.workers import worker_rows
	from perf.site import benchmark_customer, bulk_contacts

	size = sizes(quick, accounts)
	with private_dovecot() as dovecot:
		no_other_workers()
		mailboxes = [
			Mailbox(
				"light",
				mail_corpus,
				size["import"],
				size["rss_small"],
				bulk_contacts(size["contacts_small"], "small"),
				benchmark_customer(),
			),
			Mailbox(
				"business",
				business_mailbox,
				size["import"],
				size["rss_small"],
				bulk_contacts(size["contacts_small"], "business", "Benchmark Kunde Business"),
				benchmark_customer("Benchmark Kunde Business"),
			),
		]
		results = {mailbox.label: import_figures(site, dovecot, mailbox) for mailbox in mailboxes}
		mail_rows = import_rows(results) + light_only_rows(dovecot, size) + [document_number_row(size)]
		desk = desk_rows(site, stock_site) if stock_site else []
		return mail_rows, worker_rows(dovecot, size) + idle_rows(dovecot, size) + beside_bulk_rows(
			dovecot, size
		) + verify_rows(dovecot, size) + scale_rows(dovecot, size) + desk


def idle_only(quick: bool) -> Rows:
	"""Only P13 (`--only P13`): a few seconds instead of the whole run."""
	from perf.processes import no_other_workers
	from perf.scenarios.idle import idle_rows

	with private_dovecot() as dovecot:
		no_other_workers()
		return [], idle_rows(dovecot, sizes(quick))


def beside_bulk_only(quick: bool) -> Rows:
	"""Only P17 (`--only P17`): new mail beside an erasure and an import. Its workers take the
	site's own queues (devtools/worker.py), so other sites' workers on the bench may run."""
	from perf.scenarios.beside_bulk import beside_bulk_rows

	with private_dovecot() as dovecot:
		return [], beside_bulk_rows(dovecot, sizes(quick))


def scale_only(quick: bool, accounts: int | None) -> Rows:
	"""Only P18 to P20 (`--only P18`): many mailboxes on one scheduler and one watcher. Its
	workers take the site's own queues (devtools/worker.py)."""
	from perf.scenarios.scale import scale_rows

	with private_dovecot() as dovecot:
		return [], scale_rows(dovecot, sizes(quick, accounts))


def search_scale_only(quick: bool, mails: int | None, keep: bool, repeat: int) -> Rows:
	"""Only P21 (`--only P21 [--mails N] [--keep]`): search over a generated archive of N mails
	(full: 1,000,000, quick: 100,000), removed afterwards unless --keep. Not part of the whole run:
	generating a million mails takes a while."""
	from perf.scenarios.search_scale import search_scale_row

	return [], [search_scale_row(sizes(quick, mails=mails), keep, repeat)]


def verify_only(quick: bool) -> Rows:
	"""Only P14 (`--only P14`)."""
	from perf.scenarios.verify import verify_rows

	with private_dovecot() as dovecot:
		return [], verify_rows(dovecot, sizes(quick))


def document_numbers_only(quick: bool) -> Rows:
	"""Only P16 (`--only P16`): the filing decision with document numbers on."""
	from perf.scenarios.document_numbers import document_number_row

	return [document_number_row(sizes(quick))], []


def desk_only(site: str, stock_site: str) -> Rows:
	"""Only P15 (`--only P15 --stock-site S`)."""
	from perf.scenarios.desk import desk_rows

	return [], desk_rows(site, stock_site)


def parser() -> argparse.ArgumentParser:
	parser = argparse.ArgumentParser(prog="python -m perf.benchmark")
	parser.add_argument("--site", required=True)
	parser.add_argument("--quick", action="store_true")
	parser.add_argument("--output")
	parser.add_argument("--child")
	parser.add_argument("--account")
	parser.add_argument("--user")
	parser.add_argument("--password")
	parser.add_argument("--port")
	parser.add_argument(
		"--only",
		choices=["P13", "P14", "P15", "P16", "P17", "P18", "P21"],
		help="run only this figure (P18: P18 to P20, many mailboxes)",
	)
	parser.add_argument(
		"--mails", type=int, help="P21: this many generated mails (full: 1,000,000, quick: 100,000)"
	)
	parser.add_argument("--keep", action="store_true", help="P21: keep the generated mails for the next run")
	parser.add_argument(
		"--repeat", type=int, default=7, help="P21: each search this many times (median, slowest)"
	)
	parser.add_argument("--accounts", type=int, help="P18 to P20: this many mailboxes (full: 500, quick: 50)")
	parser.add_argument("--stock-site", help="P15: an ERPNext site without this app (the scratch site)")
	return parser


def main(argv: list[str] | None = None) -> None:
	args = parser().parse_args(argv)
	if args.child:
		# a measured import in this fresh process (perf.scenarios.imports.run_child)
		from perf.scenarios.imports import child

		child(args)
		return
	connect(args.site)
	if args.only == "P13":
		rows = idle_only(args.quick)
	elif args.only == "P17":
		rows = beside_bulk_only(args.quick)
	elif args.only == "P14":
		rows = verify_only(args.quick)
	elif args.only == "P15":
		rows = desk_only(args.site, args.stock_site)
	elif args.only == "P18":
		rows = scale_only(args.quick, args.accounts)
	elif args.only == "P21":
		rows = search_scale_only(args.quick, args.mails, args.keep, args.repeat)
	elif args.only == "P16":
		rows = document_numbers_only(args.quick)
	else:
		rows = benchmark(args.site, args.quick, args.stock_site, args.accounts)
	result = table(*rows, args.quick)
	print(result)
	if args.output:
		write_table(result, args.output)
