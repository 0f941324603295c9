"""Document numbers are recognised by the shapes the site names its documents with (naming
series, autoname formats, hash names), in a mail's subject, own text and attachment names, never
in its quoted history; whatever the mail, the scan is bounded."""

import re
import time

from crm_mail_archive.document_numbers.patterns import (
	HASH_PATTERN,
	MAX_CANDIDATES,
	MAX_REFERENCES,
	MailText,
	Recognisers,
	autoname_patterns,
	format_pattern,
	references,
	scan,
	series_pattern,
)


def recognisers(**autonames) -> Recognisers:
	return Recognisers(
		{
			doctype.replace("_", " "): autoname_patterns(*spec)
			if isinstance(spec, tuple)
			else autoname_patterns(spec)
			for doctype, spec in autonames.items()
		}
	)


ERP = recognisers(
	Quotation=("naming_series:", ["SAL-QTN-.YYYY.-"]),
	Sales_Order=("naming_series:", ["SAL-ORD-.YYYY.-"]),
	Purchase_Order=("naming_series:", ["PUR-ORD-.YYYY.-"]),
	Project=("naming_series:", ["PROJ-.####"]),
)


def found(subject="", text="", files=(), recognise=ERP) -> dict[str, set[str]]:
	return scan(MailText(subject, text, tuple(files)), recognise).numbers


def test_a_naming_series_names_its_documents_with_the_year_a_counter_and_an_amendment():
	pattern = re.compile(series_pattern("SAL-QTN-.YYYY.-"))
	assert pattern.fullmatch("SAL-QTN-2026-00001")
	assert pattern.fullmatch("SAL-QTN-2026-00001-1")  # amended
	assert not pattern.fullmatch("SAL-QTN-26-00001")
	assert not pattern.fullmatch("SAL-ORD-2026-00001")
	assert re.compile(series_pattern("PROJ-.####")).fullmatch("PROJ-0042")
	assert re.compile(series_pattern("PROJ-.####")).fullmatch("PROJ-10000")  # outgrown its digits
	assert not re.compile(series_pattern("PROJ-.####")).fullmatch("PROJ-042")
	assert re.compile(series_pattern("ACC-SINV-.YY.MM.-.###")).fullmatch("ACC-SINV-2612-007")


def test_each_doctype_keeps_its_own_numbers():
	assert found("Ihre Anfrage zu SAL-QTN-2026-00017") == {"SAL-QTN-2026-00017": {"Quotation"}}
	assert found("Bestellung PUR-ORD-2026-00003 und SAL-ORD-2026-00009-2") == {
		"PUR-ORD-2026-00003": {"Purchase Order"},
		"SAL-ORD-2026-00009-2": {"Sales Order"},
	}
	assert found("Projekt PROJ-0042 läuft") == {"PROJ-0042": {"Project"}}


def test_a_number_inside_a_longer_word_or_number_is_not_a_number():
	assert found("XSAL-QTN-2026-00001 und SAL-QTN-2026-00001B und SAL-QTN-2026-1") == {}


def test_hash_names_need_a_digit_and_a_letter_and_ordinary_words_are_not_hashes():
	assert autoname_patterns("hash") == [HASH_PATTERN]
	hashed = recognisers(ToDo="hash")
	assert found("siehe 3f9a0b2c1d", recognise=hashed) == {"3f9a0b2c1d": {"ToDo"}}
	assert found("Rechnungen abcdefghij 1234567890", recognise=hashed) == {}


def test_field_and_prompt_autonames_have_no_shape_and_format_autonames_have_theirs():
	assert autoname_patterns("field:project_name") == []
	assert autoname_patterns("prompt") == []
	assert autoname_patterns("autoincrement") == []
	pattern = re.compile(format_pattern("format:PRJ-{customer}-{YYYY}-{###}"))
	assert pattern.fullmatch("PRJ-ACME-2026-007")
	assert not pattern.fullmatch("PRJ-ACME-2026-07")
	assert not pattern.fullmatch("PRJ-ACME-2026-0007-")
	assert format_pattern("format:{customer}-{###}") is None  # nothing fixed: every number would do
	assert autoname_patterns("format:TKT-{#####}") == [format_pattern("format:TKT-{#####}")]


def test_fields_and_parser_variables_in_a_series_are_bounded_words():
	pattern = series_pattern("SINV-.company_abbr.-.YYYY.-", fieldnames=["company_abbr"])
	assert re.compile(pattern).fullmatch("SINV-MUS-2026-00001")
	assert series_pattern(".#####") is None  # only a counter: any number would match
	assert autoname_patterns(None, ["SAL-QTN-.YYYY.-"], naming_rules=[("ANG-", 4)]) == [
		series_pattern("SAL-QTN-.YYYY.-"),
		series_pattern("ANG-.####"),
	]


def test_only_the_mails_own_text_is_scanned_not_its_quoted_history():
	text = (
		"Guten Tag,\nbitte liefern Sie SAL-ORD-2026-00002.\n\n"
		"Am 01.12.2026 um 10:00 schrieb Vertrieb <v@firma.example>:\n"
		"> Unser Angebot SAL-QTN-2026-00005\n"
	)
	assert found(text=text) == {"SAL-ORD-2026-00002": {"Sales Order"}}
	outlook = "Danke!\n\nVon: Vertrieb\nGesendet: Montag\nAn: Kunde\nBetreff: SAL-QTN-2026-00006\n"
	assert found(text=outlook) == {}


def test_attachment_names_are_scanned_as_words():
	assert found(files=["Angebot_SAL-QTN-2026-00003.pdf", "SAL-ORD-2026-00004_v2.PDF"]) == {
		"SAL-QTN-2026-00003": {"Quotation"},
		"SAL-ORD-2026-00004": {"Sales Order"},
	}


def test_order_and_invoice_references_are_tokens_with_a_digit_not_dates_or_amounts():
	found_references = references(
		["Unsere Bestellung PO-4711 vom 07.12.2026 über 1.234,56 EUR, Rechnung RE2026/0815."]
	)
	assert found_references == ["PO-4711", "RE2026/0815"]
	assert references(["Bestellnummer 4500012345"]) == ["4500012345"]


def test_the_scan_is_bounded_whatever_the_mail():
	many = " ".join(f"SAL-QTN-2026-{n:05d} PO-{n}" for n in range(5000))
	named = scan(MailText("x", many), ERP)
	assert len(named.numbers) == MAX_CANDIDATES
	assert len(named.references) <= MAX_REFERENCES
	hostile = ("SAL-QTN-" * 200_000) + ("9" * 100_000) + ("-" * 100_000)
	started = time.perf_counter()
	scan(MailText(hostile[:2000], hostile, tuple([hostile[:1000]] * 1000)), ERP)
	assert time.perf_counter() - started < 1.0


def test_long_lines_are_read_whole_and_a_long_quoted_line_stays_quoted():
	words = "Wir beziehen uns auf die Lieferung vom Montag " * 12
	assert found(text=f"{words}SAL-ORD-2026-00008 bitte.") == {"SAL-ORD-2026-00008": {"Sales Order"}}
	quoted = f"Danke.\n\nAm Montag schrieb Vertrieb <v@firma.example>:\n> {words}SAL-ORD-2026-00009\n"
	assert found(text=quoted) == {}


def test_numbers_are_matched_as_the_site_writes_them():
	assert found("sal-qtn-2026-00001") == {}
	assert found("(SAL-QTN-2026-00001), SAL-ORD-2026-00002.") == {
		"SAL-QTN-2026-00001": {"Quotation"},
		"SAL-ORD-2026-00002": {"Sales Order"},
	}
