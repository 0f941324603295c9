"""Specification of the signature reader (crm_mail_archive.prefill.signature): the plain text of a
business mail into the fields of a "Create Contact / Lead from this mail" dialog.

Frappe-free: run with `pytest tests/unit`.
"""

from __future__ import annotations

import ast
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_mail_archive import prefill
from crm_mail_archive.prefill.signature import Signature, parse_signature

NOTHING = Signature(None, None, None, None, None, None)
DELIMITER = "-- "  # RFC 3676: dash, dash, space


# --- whole signatures ------------------------------------------------------------------------------

GERMAN_WITH_FOOTER = """Hallo Herr Weber,

anbei wie besprochen unser Angebot für die Filialbelieferung.

Mit freundlichen Grüßen

Anna Müller
Einkaufsleiterin
Bäckerei Schmidt GmbH
Hauptstraße 12 · 10115 Berlin
Tel.: +49 30 1234567
Fax: +49 30 1234568
Mobil: +49 171 2345678
anna.mueller@baeckerei-schmidt.de
www.baeckerei-schmidt.de

Geschäftsführer: Hans Schmidt
Sitz der Gesellschaft: Berlin, Amtsgericht Charlottenburg HRB 12345
USt-IdNr.: DE123456789
"""


def test_german_signature_with_legal_footer():
	assert parse_signature(
		GERMAN_WITH_FOOTER, "Anna Müller", "anna.mueller@baeckerei-schmidt.de"
	) == Signature(
		name="Anna Müller",
		organisation="Bäckerei Schmidt GmbH",
		phone="+49 30 1234567",
		mobile="+49 171 2345678",
		website="www.baeckerei-schmidt.de",
		job_title="Einkaufsleiterin",
	)


def test_the_managing_director_of_the_legal_footer_is_not_the_sender():
	mail = """Anbei die Rechnung.

Mit freundlichen Grüßen

Mustermann Handels GmbH
Geschäftsführer: Max Mustermann
Amtsgericht Köln HRB 4711
"""
	found = parse_signature(mail, None, "buchhaltung@mustermann-handel.de")
	assert found.name is None
	assert found.organisation == "Mustermann Handels GmbH"
	assert parse_signature(mail, "Buchhaltung Mustermann").name == "Buchhaltung Mustermann"


def test_organisation_from_the_legal_footer_but_not_its_general_partner_or_bank():
	mail = """Beste Grüße
Jonas Klein

Sitz: Bonn · Registergericht: Amtsgericht Bonn HRA 1234
Persönlich haftende Gesellschafterin: Klein Verwaltungs GmbH
Bankverbindung: Commerzbank AG, IBAN DE12 3704 0044 0532 0130 00
Klein & Partner GmbH & Co. KG · Geschäftsführer: Jonas Klein
"""
	found = parse_signature(mail)
	assert found.name == "Jonas Klein"
	assert found.organisation == "Klein & Partner GmbH & Co. KG"


def test_english_signature_with_ltd_and_a_quoted_mail_below():
	mail = """Hi Tom,

please find the quote attached.

Best regards,
Dr. Jens Weber
Head of Purchasing
Acme Ltd.
Phone: +44 20 7946 0958
https://www.acme.co.uk

On Mon, 3 May 2024 at 10:00, Tom Smith <tom@example.com> wrote:
> Hi Jens,
> can you send a quote?
>
> Kind regards
> Tom Smith
> Sales Director, Example Inc.
> Mobile: +1 917 555 0100
"""
	assert parse_signature(mail, "Jens Weber", "jens.weber@acme.co.uk") == Signature(
		name="Dr. Jens Weber",
		organisation="Acme Ltd.",
		phone="+44 20 7946 0958",
		mobile=None,
		website="https://www.acme.co.uk",
		job_title="Head of Purchasing",
	)


def test_am_schrieb_quote_below_the_signature_is_not_read():
	mail = """Die Lieferung kommt morgen.

Gruß
Peter Schulz
Schulz Haustechnik
+49 40 555 1234

Am 02.05.2024 um 09:12 schrieb Anna Müller <anna@baeckerei-schmidt.de>:
> Wann kommt die Lieferung?
>
> Mit freundlichen Grüßen
> Anna Müller
> Bäckerei Schmidt GmbH
> Tel.: +49 30 1234567
"""
	found = parse_signature(mail, "Peter Schulz", "peter@schulz-haustechnik.de")
	assert found == Signature(
		name="Peter Schulz",
		organisation="Schulz Haustechnik",  # the sender's domain, written on a line
		phone="+49 40 555 1234",
		mobile=None,
		website=None,
		job_title=None,
	)


def test_a_wrapped_attribution_without_quote_marks_ends_the_own_text():
	mail = """Passt, danke.

Viele Grüße
Clara Hoffmann

On Mon, May 3, 2024 at 10:00 AM Tom Smith <
tom@example.com> wrote:
Hi Clara,
Tom Smith
Tel.: +1 212 555 0142
"""
	assert parse_signature(mail) == Signature(name="Clara Hoffmann")


def test_bottom_posted_reply_reads_the_signature_after_the_quote():
	mail = """Am 02.05.2024 um 09:12 schrieb Tom Becker <tom@becker-logistik.de>:
> Wann können Sie liefern?
>
> Gruß
> Tom Becker
> Becker Logistik UG (haftungsbeschränkt)

Am Montag um 10 Uhr.

Beste Grüße
Clara Hoffmann
Hoffmann IT-Service e.K.
Tel 0221 / 98 76 54
"""
	found = parse_signature(mail, "Clara Hoffmann")
	assert (found.name, found.organisation, found.phone) == (
		"Clara Hoffmann",
		"Hoffmann IT-Service e.K.",
		"0221 / 98 76 54",
	)


@pytest.mark.parametrize(
	"quoted_header",
	[
		"-----Ursprüngliche Nachricht-----\nVon: Tom Becker <tom@example.com>",
		"-----Original Message-----\nFrom: Tom Becker",
		"________________________________\nVon: Tom Becker <tom@example.com>\nGesendet: Montag, 3. Mai 2024 10:00\nAn: Jan Petersen",
		"From: Tom Becker <tom@example.com>\nSent: Monday, May 3, 2024 10:00 AM\nTo: Jan Petersen",
	],
)
def test_outlook_style_quotes_end_the_own_text(quoted_header):
	mail = f"""Passt so.

Viele Grüße aus Hamburg
i.A. Jan Petersen

{quoted_header}
Betreff: Angebot

Mit freundlichen Grüßen
Tom Becker
Becker Logistik GmbH
Tel.: +49 511 445566
"""
	assert parse_signature(mail) == Signature(name="Jan Petersen")


def test_signature_with_fax_and_mobil():
	mail = """Hallo,

bitte um kurze Bestätigung.

Freundliche Grüße
Stefan Braun
Braun Metallbau OHG
Fon 0711 / 22 33 44-0
Fax 0711 / 22 33 44-99
Handy 0152 / 123 456 78
"""
	found = parse_signature(mail)
	assert found.phone == "0711 / 22 33 44-0"
	assert found.mobile == "0152 / 123 456 78"
	assert found.organisation == "Braun Metallbau OHG"


def test_labels_on_one_line_and_mobile_taken_when_there_is_no_phone():
	one_line = "Danke!\n\n-- \nAnna Müller | Vertrieb\nMüller & Söhne KG\nT +49 89 123456-0 | F +49 89 123456-9 | M +49 160 9876543\n"
	found = parse_signature(one_line, None, "anna@mueller-soehne.de")
	assert (found.phone, found.mobile, found.job_title, found.organisation) == (
		"+49 89 123456-0",
		"+49 160 9876543",
		"Vertrieb",
		"Müller & Söhne KG",
	)

	mobile_only = "Cheers,\nBob Miller\nVP Sales, Widget Corp.\nCell: (415) 555-0199\nFax: (415) 555-0100\n"
	assert parse_signature(mobile_only) == Signature(
		name="Bob Miller",
		organisation="Widget Corp.",
		phone="(415) 555-0199",
		mobile="(415) 555-0199",
		website=None,
		job_title="VP Sales",
	)

	fax_only = "Regards,\nBob Miller\nFax: +1 415 555 0100\n"
	assert parse_signature(fax_only).phone is None


def test_numbers_keep_their_writing_with_whitespace_collapsed():
	mail = "Viele Grüße\nAnna Müller\nTel.:   +49 (0)30  /  123 45-67\n"
	assert parse_signature(mail).phone == "+49 (0)30 / 123 45-67"


def test_a_bare_international_number_counts_as_phone_unless_a_labelled_one_exists():
	bare = "Danke\n\n--\nJAN KOWALSKI\nPolmex Sp. z o.o.\n+48 22 123 45 67\nMobile: +48 601 234 567\n"
	found = parse_signature(bare)
	assert (found.name, found.organisation) == ("JAN KOWALSKI", "Polmex Sp. z o.o.")
	assert (found.phone, found.mobile) == ("+48 22 123 45 67", "+48 601 234 567")

	labelled = "Danke\nJan Kowalski\n+48 22 123 45 67\nTel. +48 22 765 43 21\n"
	assert parse_signature(labelled).phone == "+48 22 765 43 21"


def test_ltd_and_inc_companies():
	mail = """Hi,

Thanks for your help with the order.

Kind regards

Sarah O'Connor
Key Account Manager | Northwind Traders, Inc.
Office: +1 (212) 555-0142
Mobile: +1 917 555 0100
www.linkedin.com/in/sarahoconnor
https://northwind.com
"""
	assert parse_signature(mail, "Sarah O'Connor", "sarah@northwind.com") == Signature(
		name="Sarah O'Connor",
		organisation="Northwind Traders, Inc.",
		phone="+1 (212) 555-0142",
		mobile="+1 917 555 0100",
		website="https://northwind.com",
		job_title="Key Account Manager",
	)
	assert parse_signature("Regards,\nLars Nielsen\nSenior Buyer at Tesco Stores Limited\n") == Signature(
		name="Lars Nielsen", organisation="Tesco Stores Limited", job_title="Senior Buyer"
	)


@pytest.mark.parametrize(
	"company",
	[
		"Schmidt Bau AG",
		"Weber Logistik KG",
		"Becker Logistik UG (haftungsbeschränkt)",
		"Hoffmann Elektro e.K.",
		"Förderverein Musikschule e.V.",
		"Praxis Dr. Klein GbR",
		"Siemens Energy SE",
		"Acme Ltd",
		"Globex LLC",
		"Initech Corp.",
		"Iberia Consulting S.L.",
		"Vinci Construction S.A.",
		"Dutch Flowers B.V.",
		"Philips Lighting N.V.",
		"Rossi Arredamenti S.r.l.",
		"Nordisk Design A/S",
		"Volvo Lastvagnar AB",
		"Kone Oy",
		"Umbrella Holdings Limited",
		"Müller & Co.",
	],
)
def test_legal_forms_name_the_organisation(company):
	mail = f"Mit freundlichen Grüßen\nAnna Müller\n{company}\nHauptstraße 1, 12345 Musterstadt\n"
	assert parse_signature(mail).organisation == company


@pytest.mark.parametrize(
	"line",
	["Agentur Bergmann", "Kagan Seeger", "SEO Beratung", "Ingo Ltdova", "Amtsgericht Köln, AG Köln"],
)
def test_legal_forms_are_whole_words(line):
	mail = f"Viele Grüße\nJana Wolf\n{line}\n"
	assert parse_signature(mail).organisation is None


def test_organisation_from_the_sender_domain_not_from_a_freemail_domain():
	mail = "Viele Grüße\nPeter Schulz\nACME Solutions\nwww.acme-solutions.de\n"
	assert parse_signature(mail, None, "p.schulz@acme-solutions.de").organisation == "ACME Solutions"
	assert parse_signature(mail, None, "Peter <p.schulz@mail.acme-solutions.de>").organisation == (
		"ACME Solutions"
	)
	gmail = "Viele Grüße\nPeter Schulz\nGmail Fanclub Nord\n"
	assert parse_signature(gmail, None, "peter.schulz@gmail.com").organisation is None


def test_rfc_3676_delimiter_without_closing_phrase():
	mail = f"""Die Ware ist unterwegs.
{DELIMITER}
Prof. Dr. Eva Lang
Leiterin Einkauf
Universitätsklinikum Nord AöR
Telefon: 040 7410 0
"""
	found = parse_signature(mail)
	assert (found.name, found.job_title, found.phone) == (
		"Prof. Dr. Eva Lang",
		"Leiterin Einkauf",
		"040 7410 0",
	)


def test_closing_phrase_just_above_the_delimiter_starts_the_block():
	mail = f"""Sieht gut aus.

Viele Grüße
Anna

{DELIMITER}
Anna Müller
Vertriebsinnendienst
Müller Präzisionsteile GmbH
"""
	found = parse_signature(mail)
	assert (found.name, found.job_title, found.organisation) == (
		"Anna Müller",
		"Vertriebsinnendienst",
		"Müller Präzisionsteile GmbH",
	)


@pytest.mark.parametrize(
	"closing",
	[
		"Mit freundlichen Grüßen",
		"mit freundlichen grüßen,",
		"Viele Grüße",
		"Viele Grüsse",
		"Beste Grüße",
		"Freundliche Grüße",
		"Herzliche Grüße aus München",
		"MfG",
		"LG",
		"Danke!",
		"Vielen Dank und viele Grüße",
		"Mit freundlichen Grüßen / Best regards",
		"Best regards,",
		"Kind regards",
		"Regards",
		"Cheers",
		"Thanks,",
		"Thank you!",
		"Best",
		"Yours sincerely",
	],
)
def test_closing_phrases_start_the_block(closing):
	mail = f"Hallo,\n\nanbei die Unterlagen.\n\n{closing}\nLena Vogel\nLeitung Disposition\n"
	found = parse_signature(mail)
	assert (found.name, found.job_title) == ("Lena Vogel", "Leitung Disposition")


@pytest.mark.parametrize(
	"line",
	[
		"Viele Grüße, Anna Müller",
		"Best, Anna Müller",
		"Beste Grüße von Anna Müller",
		"Mit freundlichen Grüßen Anna Müller",
	],
)
def test_name_on_the_closing_line(line):
	assert parse_signature(f"Bis morgen.\n\n{line}\n").name == "Anna Müller"


def test_a_sentence_starting_like_a_closing_phrase_is_no_signature():
	mail = "Hi,\n\nThanks for the quick reply.\nBest practices are attached.\nWe would like 200 units.\n"
	assert parse_signature(mail) == NOTHING


def test_mail_without_signature():
	mail = "Hallo,\n\nbitte schicken Sie uns bis Freitag ein Angebot über 200 Stück.\n"
	assert parse_signature(mail) == NOTHING
	assert parse_signature(mail, "Anna Müller", "anna@example.de") == Signature(name="Anna Müller")


def test_sender_name_fallback():
	first_name_only = "Alles klar.\n\nViele Grüße\nAnna\n\nSent from my iPhone\n"
	assert parse_signature(first_name_only, "Anna Meyer").name == "Anna Meyer"
	assert parse_signature(first_name_only, '"Anna Meyer"').name == "Anna Meyer"
	assert parse_signature(first_name_only, "anna.meyer@example.de").name is None  # an address is no name
	assert parse_signature(first_name_only, "").name is None
	assert parse_signature(first_name_only).name is None


def test_the_line_matching_the_sender_wins_over_an_earlier_name():
	mail = "Beste Grüße\nJonas Klein\nSophie Wagner\n\nKlein Consulting GmbH\n"
	assert parse_signature(mail).name == "Jonas Klein"
	assert parse_signature(mail, "Sophie Wagner").name == "Sophie Wagner"
	assert parse_signature(mail, "Wagner, Sophie").name == "Sophie Wagner"
	assert parse_signature("Gruß\nDr. Jens Weber\n", "Jens Weber").name == "Dr. Jens Weber"


def test_names_are_people_not_titles_companies_or_addresses():
	mail = """Mit freundlichen Grüßen

Key Account Manager
Schmidt Consulting
Hauptstraße 12
i.A. Lena von der Heide
"""
	found = parse_signature(mail)
	assert found.name == "Lena von der Heide"
	assert found.job_title is None  # "Key Account Manager" is not next to the name


def test_job_title_beside_the_name():
	assert parse_signature("Gruß\nAnna Müller, Einkaufsleiterin\n").job_title == "Einkaufsleiterin"
	assert parse_signature("Regards\nTom Baker | Head of Purchasing | Acme Ltd.\n").job_title == (
		"Head of Purchasing"
	)
	above = "Viele Grüße\nGeschäftsführer\nHans Schmidt\nSchmidt GmbH\n"
	assert parse_signature(above).job_title == "Geschäftsführer"


def test_a_disclaimer_below_the_signature_does_not_hide_it():
	mail = """Anbei der Lieferschein.

Mit freundlichen Grüßen
Lena Vogel (Disposition)
Vogel Spedition GmbH
Tel. +49 421 556677

Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind,
informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.
This e-mail may contain confidential information. If you are not the intended recipient,
please notify the sender immediately and delete this e-mail.
Thank you.
"""
	assert parse_signature(mail) == Signature(
		name="Lena Vogel",
		organisation="Vogel Spedition GmbH",
		phone="+49 421 556677",
		job_title="Disposition",
	)


def test_website_prefers_the_sender_domain_and_skips_social_and_mail_addresses():
	mail = """Viele Grüße
Thomas Wagner
Messe-Info: https://www.messe-muenchen.de/bau
Folgen Sie uns: https://www.linkedin.com/company/wagner-bau
Web: wagner-bau.de
"""
	assert parse_signature(mail, None, "t.wagner@wagner-bau.de").website == "wagner-bau.de"
	assert parse_signature(mail).website == "https://www.messe-muenchen.de/bau"
	only_mail = "Viele Grüße\nThomas Wagner\nthomas@wagner-bau.de\n"
	assert parse_signature(only_mail).website is None
	assert parse_signature("Gruß\nThomas Wagner\nW: wagner-bau.de\n").website == "wagner-bau.de"
	assert parse_signature("Gruß\nThomas Wagner\nWebdesign.de Agentur\n").website is None


def test_signature_without_closing_phrase_or_delimiter():
	mail = """Hallo zusammen,
anbei die Unterlagen.

Lukas Becker
Becker Logistik UG (haftungsbeschränkt)
Telefon +49 511 445566
"""
	found = parse_signature(mail)
	assert (found.name, found.organisation, found.phone) == (
		"Lukas Becker",
		"Becker Logistik UG (haftungsbeschränkt)",
		"+49 511 445566",
	)


# --- hostile and garbage input --------------------------------------------------------------------


def test_html_and_script_lines_are_no_signature_data():
	mail = "<script>alert(1)</script>\n" * 5 + "Viele Grüße\n<script>document.cookie</script>\n<b>Anna</b>\n"
	assert parse_signature(mail) == NOTHING
	assert parse_signature(mail, "<img src=x onerror=alert(1)>").name == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
	"text",
	[
		"",
		"\n\n\n",
		"> only\n> quoted\n> lines\n",
		"-- \n",
		"Mit freundlichen Grüßen",
		"\x00\x01\x02\ufffd\ud800\udfff" * 100,
		"Tel. " + "1" * 10_000,
		"a" * 5_000_000,
		"\n" * 2_000_000,
		"Viele Grüße\n" + "Anna Müller " * 10_000,
	],
)
def test_garbage_gives_an_empty_signature(text):
	assert parse_signature(text) == NOTHING


def test_not_a_string():
	assert parse_signature(None) == NOTHING  # type: ignore[arg-type]
	assert parse_signature(12, ["x"], {"y": 1}) == NOTHING  # type: ignore[arg-type]
	assert parse_signature("Viele Grüße\nAnna Müller\n".encode()).name == "Anna Müller"  # type: ignore[arg-type]


def test_control_bidi_and_surrogate_characters_are_dropped():
	mail = "Viele Grüße\nAnna\u202e Mül\u200bler\x00\nTel.: +49\u00a030\u00a01234567\nAcme\udcff GmbH\n"
	assert parse_signature(mail) == Signature(
		name="Anna Müller", organisation="Acme GmbH", phone="+49 30 1234567"
	)


def test_ten_thousand_lines_are_read_quickly_and_the_signature_is_found():
	body = "Position 4711: 20 Stück Schrauben M8, Lieferung KW 23.\n" * 10_000
	mail = body + "\nViele Grüße\nAnna Müller\nTel. 030 1234567\n"
	started = time.perf_counter()
	found = parse_signature(mail)
	assert time.perf_counter() - started < 2
	assert (found.name, found.phone) == ("Anna Müller", "030 1234567")


def test_ten_thousand_quoted_lines_below_the_signature():
	mail = "Ok.\n\nBeste Grüße\nAnna Müller\n\nOn Mon, Tom wrote:\n" + "> Tel. 030 999999\n" * 10_000
	started = time.perf_counter()
	assert parse_signature(mail) == Signature(name="Anna Müller")
	assert time.perf_counter() - started < 2


def test_only_the_end_of_the_own_text_is_read():
	mail = "Viele Grüße\nAnna Müller\nTel. 030 1234567\n" + "Noch eine Zeile ohne Bedeutung\n" * 100
	assert parse_signature(mail) == NOTHING


_FRAGMENTS = [
	"Mit freundlichen Grüßen",
	"Best regards,",
	"Viele Grüße, ",
	"-- ",
	"--",
	"> ",
	"Am 1.2.2024 schrieb a@b.de:",
	"On Mon, x wrote:",
	"-----Original Message-----",
	"Von: x",
	"Gesendet: y",
	"Anna Müller",
	"Dr. ",
	"i.A. ",
	"Einkaufsleiterin",
	"Head of ",
	"GmbH & Co. KG",
	" Ltd.",
	", Inc.",
	"UG (haftungsbeschränkt)",
	"Geschäftsführer: ",
	"HRB 1234",
	"IBAN ",
	"Tel.: ",
	"Fax ",
	"M: ",
	"+49 (0)30 / 123-45",
	"www.",
	"https://",
	"Web: ",
	"a.de",
	"@",
	" | ",
	" · ",
	"\n",
	"\n",
	"\r\n",
	"\u202e",
	"\x00",
	"\ud800",
	"<script>",
]


def _assert_well_formed(found: Signature) -> None:
	assert isinstance(found, Signature)
	for value in (
		found.name,
		found.organisation,
		found.phone,
		found.mobile,
		found.website,
		found.job_title,
	):
		assert value is None or (isinstance(value, str) and value.strip() and len(value) <= 300)
		assert value is None or not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(), st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_never_raises_on_arbitrary_text(text, sender_name, sender_email):
	_assert_well_formed(parse_signature(text, sender_name, sender_email))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
	st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=5)), max_size=80).map("".join),
	st.one_of(st.none(), st.sampled_from(["Anna Müller", "Müller, Anna", "", "x@y"])),
	st.one_of(st.none(), st.sampled_from(["anna@acme.de", "a@xn--mller-kva.de", "@", "a@b", "x@co.uk"])),
)
def test_never_raises_on_signature_like_fragments(text, sender_name, sender_email):
	_assert_well_formed(parse_signature(text, sender_name, sender_email))


def test_the_signature_reader_is_frappe_free():
	for module in ("text", "vocabulary", "own_text", "block", "fields", "signature"):
		source = (Path(prefill.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
		tree = ast.parse(source)
		imported = {
			alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
		}
		imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
		assert not {name for name in imported if name.split(".")[0] == "frappe"}, module
