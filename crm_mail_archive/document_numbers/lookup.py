"""The documents a batch of mail names, found with one query per DocType for all the batch's
candidates: their party (Customer, Supplier or Lead), contact and contact address, so that a
mail files at a document only when the mail's own parties lead to the document's party.

Which DocTypes: Mail Archive Settings' `document_number_doctypes`. Their recognisers come from
the site's naming series options (property setters included), autonames and Document Naming
Rules (patterns.py). The customer's order number (`po_no`) and the supplier's invoice number
(`bill_no`) are looked up only among the documents of the mail's own parties.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import frappe

from crm_mail_archive.document_numbers.patterns import Recognisers, autoname_patterns
from crm_mail_archive.infra.chunks import chunked

# the party a document belongs to, in the order asked: a dynamic party, then the buying side
# (a Purchase Order's `customer` is the drop-ship customer, not its party), then the selling side
PARTY_FIELDS = ("party_name", "supplier", "customer")
EMAIL_FIELDS = ("contact_email", "raised_by")
CONTACT_FIELD = "contact_person"
# the supplier rows of a Request for Quotation: its parties and their addresses
SUPPLIER_ROWS = ("suppliers", "Request for Quotation Supplier")
# (DocType, its field of the party's own reference, the party's field): order and invoice numbers
PARTY_REFERENCES = (
	("Sales Order", "po_no", "customer"),
	("Sales Invoice", "po_no", "customer"),
	("Purchase Invoice", "bill_no", "supplier"),
)
PARTY_DOCTYPES = ("Customer", "Supplier", "Lead")
MAX_REFERENCED_DOCUMENTS = 1000  # per DocType and batch


@dataclass(frozen=True)
class Document:
	"""A named document and whom it belongs to."""

	doctype: str
	name: str
	parties: tuple[tuple[str, str], ...]  # (Customer|Supplier|Lead, name)
	contacts: tuple[str, ...] = ()
	emails: tuple[str, ...] = ()

	@property
	def target(self) -> tuple[str, str]:
		return (self.doctype, self.name)


def configured_doctypes() -> list[str]:
	"""The DocTypes whose numbers file mail (the setting, one per line), those that exist."""
	return _recognised()[0]


def recognisers(doctypes: list[str]) -> Recognisers:
	"""The name shapes of `doctypes` as the site names them (property setters included)."""
	configured, recognise = _recognised()
	if doctypes == configured:
		return recognise
	return _build_recognisers(doctypes)


# (site, the settings' modified) -> (when, doctypes, recognisers): built at most once a minute per
# process, and at once when the setting changes; the sync decides many batches with them
_CACHE: dict[tuple[str, str], tuple[float, list[str], Recognisers]] = {}
CACHE_SECONDS = 60


def _recognised() -> tuple[list[str], Recognisers]:
	settings = frappe.get_cached_doc("Mail Archive Settings")
	key = (frappe.local.site, str(settings.modified))
	cached = _CACHE.get(key)
	if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
		return cached[1], cached[2]
	configured = settings.document_number_doctypes or ""
	wanted = list(dict.fromkeys(line.strip() for line in configured.splitlines() if line.strip()))
	existing = set(
		frappe.get_all("DocType", {"name": ("in", wanted or [""]), "istable": 0, "issingle": 0}, pluck="name")
	)
	doctypes = [doctype for doctype in wanted if doctype in existing]
	recognise = _build_recognisers(doctypes)
	_CACHE.clear()
	_CACHE[key] = (time.monotonic(), doctypes, recognise)
	return doctypes, recognise


def _build_recognisers(doctypes: list[str]) -> Recognisers:
	variables = list(frappe.get_hooks("naming_series_variables") or {})
	rules: dict[str, list[tuple[str, int]]] = {}
	for rule in frappe.get_all(
		"Document Naming Rule",
		{"document_type": ("in", doctypes or [""]), "disabled": 0},
		["document_type", "prefix", "prefix_digits"],
	):
		rules.setdefault(rule.document_type, []).append((rule.prefix, rule.prefix_digits))
	patterns = {}
	for doctype in doctypes:
		meta = frappe.get_meta(doctype)
		series_field = meta.get_field("naming_series")
		series = (series_field.options or "").splitlines() if series_field else []
		fieldnames = [df.fieldname for df in meta.fields] + variables
		patterns[doctype] = autoname_patterns(meta.autoname, series, fieldnames, rules.get(doctype, ()))
	return Recognisers(patterns)


def _fields_of(doctype: str) -> tuple[str | None, str | None, list[str], str | None]:
	"""(party field, the field naming its DocType when dynamic, e-mail fields, contact field)."""
	meta = frappe.get_meta(doctype)
	party, party_type = None, None
	for fieldname in PARTY_FIELDS:
		df = meta.get_field(fieldname)
		if df and df.fieldtype == "Dynamic Link" and df.options and meta.get_field(df.options):
			party, party_type = fieldname, df.options
			break
		if df and df.fieldtype == "Link" and df.options in PARTY_DOCTYPES:
			party = fieldname
			break
	emails = [fieldname for fieldname in EMAIL_FIELDS if meta.get_field(fieldname)]
	contact = CONTACT_FIELD if meta.get_field(CONTACT_FIELD) else None
	return party, party_type, emails, contact


def _documents(
	doctype: str, filters: dict, reference_field: str | None = None, limit: int | None = None
) -> list[tuple[Document, str | None]]:
	"""The documents `filters` finds, each with its `reference_field`'s value: one query (and one
	of its supplier rows for a Request for Quotation)."""
	party, party_type, emails, contact = _fields_of(doctype)
	fields = ["name", *filter(None, [party, party_type, contact, reference_field]), *emails]
	rows = frappe.get_all(doctype, filters, list(dict.fromkeys(fields)), limit=limit)
	documents = []
	suppliers_field = frappe.get_meta(doctype).get_field(SUPPLIER_ROWS[0])
	rows_of: dict[str, list] = {}
	if suppliers_field and suppliers_field.options == SUPPLIER_ROWS[1] and rows:
		for row in frappe.get_all(
			SUPPLIER_ROWS[1],
			{"parenttype": doctype, "parent": ("in", [row.name for row in rows])},
			["parent", "supplier", "email_id", "contact"],
		):
			rows_of.setdefault(row.parent, []).append(row)
	meta = frappe.get_meta(doctype)
	for row in rows:
		parties = []
		if party and row.get(party):
			party_doctype = row.get(party_type) if party_type else meta.get_field(party).options
			if party_doctype in PARTY_DOCTYPES:
				parties.append((party_doctype, row.get(party)))
		parties += [("Supplier", child.supplier) for child in rows_of.get(row.name, ()) if child.supplier]
		addresses = [row.get(fieldname) for fieldname in emails]
		addresses += [child.email_id for child in rows_of.get(row.name, ())]
		contacts = [row.get(contact)] if contact and row.get(contact) else []
		contacts += [child.contact for child in rows_of.get(row.name, ()) if child.contact]
		document = Document(doctype, row.name, tuple(parties), tuple(contacts), tuple(_addresses(addresses)))
		documents.append((document, row.get(reference_field) if reference_field else None))
	return documents


def _addresses(values) -> list[str]:
	"""The addresses in contact e-mail fields (a Small Text may hold several)."""
	found = []
	for value in values:
		for part in (value or "").replace(";", ",").replace("\n", ",").split(","):
			part = part.strip().strip("<>").lower()
			if "@" in part:
				found.append(part)
	return found


def documents_named(numbers: dict[str, set[str]]) -> dict[tuple[str, str], Document]:
	"""(doctype, number as found, lower case) -> the document, for every candidate of a batch:
	one query per DocType that has candidates."""
	by_doctype: dict[str, set[str]] = {}
	for number, doctypes in numbers.items():
		for doctype in doctypes:
			by_doctype.setdefault(doctype, set()).add(number)
	found = {}
	for doctype, names in by_doctype.items():
		for chunk in chunked(sorted(names)):
			for document, _reference in _documents(doctype, {"name": ("in", chunk)}):
				found[(doctype, document.name.lower())] = document
	return found


def documents_by_reference(
	references: set[str], parties: set[tuple[str, str]], doctypes: list[str]
) -> dict[str, list[Document]]:
	"""reference (lower case) -> the documents of `parties` that carry it as the party's own order
	or invoice number: one query per DocType, only among those parties' documents."""
	found: dict[str, list[Document]] = {}
	if not references:
		return found
	for doctype, field, party_field in PARTY_REFERENCES:
		party_doctype = "Supplier" if party_field == "supplier" else "Customer"
		names = sorted(name for kind, name in parties if kind == party_doctype)
		if doctype not in doctypes or not names:
			continue
		for document, reference in _documents(
			doctype,
			{party_field: ("in", names), field: ("in", sorted(references))},
			reference_field=field,
			limit=MAX_REFERENCED_DOCUMENTS,
		):
			found.setdefault((reference or "").lower(), []).append(document)
	return found
