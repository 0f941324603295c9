"""P16: the filing decision with document-number recognition on, at 100,000 documents per
recognised DocType (inserted straight into their tables, kept between runs), for mails that name
a Quotation in the subject, a Sales Order in an attachment's name, the customer's order number in
their text and other numbers in their quoted history, from Contacts of the benchmark Customer."""

from __future__ import annotations

import random
import time

from perf.measure import Figure, log
from perf.site import ROWS_PER_INSERT, benchmark_customer, bulk_contacts, insert_rows

YEAR = "2009"  # the documents' year in their names: no real document of the site has it
CUSTOMERS = 1000  # the documents belong to this many parties; the benchmark Customer's are found
BATCH = 100


def _party_values(doctype: str, party: str, n: int) -> dict:
	"""The party fields of one synthetic document of `doctype`."""
	if doctype in ("Quotation", "Opportunity"):
		kind = "quotation_to" if doctype == "Quotation" else "opportunity_from"
		return {kind: "Customer", "party_name": party}
	if doctype in ("Purchase Order", "Purchase Invoice", "Supplier Quotation"):
		values = {"supplier": f"BENCH-SUPPLIER-{n % CUSTOMERS}"}
		return values | ({"bill_no": f"BENCH-RE-{n}"} if doctype == "Purchase Invoice" else {})
	if doctype in ("Sales Order", "Sales Invoice"):
		return {"customer": party, "po_no": f"BENCH-PO-{n}"}
	if doctype in ("Delivery Note", "Project", "Issue"):
		return {"customer": party}
	return {}


def bulk_documents(count: int, customer: str) -> dict[str, list[str]]:
	"""`count` documents per recognised DocType, named by the DocType's first naming series;
	every CUSTOMERS-th belongs to `customer`. Returns the DocType's names of `customer`."""
	import frappe

	from crm_mail_archive.document_numbers.lookup import configured_doctypes

	now = frappe.utils.now_datetime()
	own: dict[str, list[str]] = {}
	for doctype in configured_doctypes():
		meta = frappe.get_meta(doctype)
		series_field = meta.get_field("naming_series")
		series = ((series_field.options or "").splitlines() if series_field else [""])[0]
		if "#" not in series:
			series = series.replace(".YYYY.", f".{YEAR}.") + ".#####"
		prefix, _, hashes = series.rpartition(".")
		prefix = prefix.replace(".YYYY.", f".{YEAR}.").replace(".", "")

		def name(n: int) -> str:
			return f"{prefix}{n:0{len(hashes)}d}"

		own[doctype] = [name(n) for n in range(0, count, CUSTOMERS)]
		made = frappe.db.count(doctype, {"name": ("like", f"{prefix}%")})  # by an earlier run
		if made >= count:
			continue
		log(f"{count} {doctype}")
		fields = None
		for start in range(made, count, ROWS_PER_INSERT):
			rows = []
			for n in range(start, min(count, start + ROWS_PER_INSERT)):
				party = customer if n % CUSTOMERS == 0 else f"BENCH-CUSTOMER-{n % CUSTOMERS}"
				values = {"name": name(n), **_party_values(doctype, party, n)}
				fields = fields or list(values)
				rows.append(tuple(values[field] for field in fields))
			insert_rows(doctype, fields, rows, now)
			frappe.db.commit()
	return own


def naming_mails(senders: list[str], own: dict[str, list[str]], count: int) -> dict:
	from crm_mail_archive.document_numbers.filing import NamingMail
	from crm_mail_archive.document_numbers.patterns import MailText
	from crm_mail_archive.filing.rules import MailAddresses

	generator = random.Random(16)
	quotations, orders = own.get("Quotation") or [""], own.get("Sales Order") or [""]
	mails = {}
	for n in range(count):
		quoted = "\n".join(f"> siehe {generator.choice(quotations)} und PO-{n}-{i}" for i in range(30))
		text = (
			"Guten Tag,\n\nbitte bestätigen Sie unsere Bestellung BENCH-PO-"
			f"{generator.randrange(0, 100000, CUSTOMERS)} zum vereinbarten Termin.\n"
			* 5
			+ f"\nMit freundlichen Grüßen\n\nAm 01.12.2026 um 10:00 schrieb Vertrieb <v@muster.example>:\n{quoted}\n"
		)
		mails[f"BENCH-P16-{n}"] = NamingMail(
			MailAddresses(
				sent=False,
				sender=senders[generator.randrange(len(senders))],
				to=("vertrieb@muster-handels.example",),
				cc=(f"x{n}@extern.example",),
			),
			MailText(
				f"AW: Angebot {generator.choice(quotations)}",
				text,
				(f"Auftrag_{generator.choice(orders)}.pdf", "AGB.pdf"),
			),
		)
	return mails


def document_number_row(size: dict) -> Figure:
	import frappe

	from crm_mail_archive.document_numbers.filing import decide
	from crm_mail_archive.filing.policy import filing_policy

	customer = benchmark_customer()
	senders = bulk_contacts(size["contacts_small"], "small")
	own = bulk_documents(size["documents"], customer)
	policy = filing_policy(None)
	mails = naming_mails(senders, own, 300)
	names = list(mails)
	for name in names[:20]:  # warm up
		decide({name: mails[name]}, policy)
	started = time.perf_counter()
	filed = sum(len(decide({name: mails[name]}, policy).get(name, {})) for name in names)
	single = (time.perf_counter() - started) / len(names)
	started = time.perf_counter()
	for start in range(0, len(names), BATCH):
		decide({name: mails[name] for name in names[start : start + BATCH]}, policy)
	batched = (time.perf_counter() - started) / len(names)
	frappe.db.rollback()
	doctypes = len(own)
	return Figure(
		"P16",
		f"filing decision per mail with document numbers on, {size['documents']} documents in each of {doctypes} DocTypes",
		f"in the batch ({BATCH} mails, as ingest decides): **{batched * 1000:.2f} ms**; one mail alone: "
		f"{single * 1000:.2f} ms ({filed / len(names):.1f} filings a mail: Quotation, Sales Order, the order number's Sales Order, their Customer)",
		"reads no mail body: as light",
		"≤ 2 ms",
		batched <= 0.002,
	)
