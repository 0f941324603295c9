"""Specification of unwrapping journal reports and sorting mail dropped at an archive address
(crm_mail_archive.mailbox.journal). Frappe-free: run with `pytest tests/unit`."""

from __future__ import annotations

import email
import email.message
import email.policy

import pytest

from crm_mail_archive.mailbox.journal import (
	ATTACHED,
	INLINE,
	ITSELF,
	SEVERAL,
	EnvelopeRecipient,
	JournalReportError,
	classify_drop,
	envelope_addresses,
	enveloped,
	is_journal_report,
	unwrap_journal,
)
from crm_mail_archive.mailbox.parser import parse_message
from tests.data.wrapped_mail import (
	a_forward_as_attachment,
	a_journal_report,
	an_inline_forward,
	an_original,
	with_received,
)

ARCHIVE = "archiv@firma.example"


@pytest.fixture
def original() -> bytes:
	return an_original(
		"Angebot Ostsee",
		sender="Vera Vertrieb <vera@firma.example>",
		to="einkauf@kunde.example",
		cc="vertrieb@firma.example",
		message_id="<angebot-ostsee@firma.example>",
		received="from mx.firma.example by journal.firma.example; Tue, 1 Dec 2026 09:30:05 +0000",
	)


def test_the_original_comes_out_of_the_report_byte_for_byte(original):
	report = unwrap_journal(a_journal_report(original, ["To: einkauf@kunde.example"]))
	assert report.original == original
	assert report.sender == "vera@firma.example"
	assert report.message_id == "angebot-ostsee@firma.example"
	assert report.subject == "Angebot Ostsee"


def test_the_envelope_names_the_recipients_the_headers_hide(original):
	raw = a_journal_report(
		original,
		[
			"To: einkauf@kunde.example",
			"Cc: vertrieb@firma.example",
			"Bcc: chef@partner.example",
			"To: anna@firma.example, Expanded: team@firma.example",
			"To: bernd@firma.example, Expanded: team@firma.example",
			"Cc: vertretung@firma.example, Forwarded: urlaub@firma.example",
			"Recipient: extern@anderswo.example",
		],
	)
	assert is_journal_report(raw)
	assert unwrap_journal(raw).recipients == [
		EnvelopeRecipient("einkauf@kunde.example", "To"),
		EnvelopeRecipient("vertrieb@firma.example", "Cc"),
		EnvelopeRecipient("chef@partner.example", "Bcc"),
		EnvelopeRecipient("anna@firma.example", "To", expanded_from="team@firma.example"),
		EnvelopeRecipient("bernd@firma.example", "To", expanded_from="team@firma.example"),
		EnvelopeRecipient("vertretung@firma.example", "Cc", forwarded_from="urlaub@firma.example"),
		EnvelopeRecipient("extern@anderswo.example", "Recipient"),
	]


def test_a_bcc_envelope_recipient_of_an_expanded_list(original):
	raw = a_journal_report(original, ["Bcc: mitglied@kunde.example, Expanded: verteiler@kunde.example"])
	(recipient,) = unwrap_journal(raw).recipients
	assert recipient == EnvelopeRecipient(
		"mitglied@kunde.example", "Bcc", expanded_from="verteiler@kunde.example"
	)


def test_the_original_parses_as_the_same_mail_as_a_personal_copy(original):
	"""Journal copy and mailbox copy differ in their Received lines; they are one mail."""
	report = unwrap_journal(a_journal_report(original, ["To: einkauf@kunde.example"]))
	personal = with_received(original, "from mx2.kunde.example by imap.kunde.example; Tue, 1 Dec 2026")
	journal_mail, personal_mail = parse_message(report.original), parse_message(personal)
	assert journal_mail.message_id == personal_mail.message_id == "angebot-ostsee@firma.example"
	assert journal_mail.content_hash == personal_mail.content_hash


def test_envelope_lines_with_display_names_and_odd_spacing(original):
	raw = a_journal_report(original, ["bcc:   Chef <CHEF@Partner.Example>  ", "To:", "Nonsense line"])
	report = unwrap_journal(raw)
	assert report.recipients == [EnvelopeRecipient("chef@partner.example", "Bcc")]


@pytest.mark.parametrize(
	("raw", "reason"),
	[
		(b"", "empty message"),
		(an_original("Hallo", "a@b.example", "c@d.example"), "not a journal report"),
	],
)
def test_what_is_no_journal_report_is_refused_with_the_reason(raw, reason):
	with pytest.raises(JournalReportError, match=reason):
		unwrap_journal(raw)


def test_a_report_without_its_original_is_refused(original):
	with pytest.raises(JournalReportError, match="no original message"):
		unwrap_journal(a_journal_report(original, ["To: einkauf@kunde.example"], attach_original=False))


def test_a_report_whose_envelope_names_nobody_is_refused(original):
	with pytest.raises(JournalReportError, match="names no recipient"):
		unwrap_journal(a_journal_report(original, []))


def test_a_report_whose_envelope_has_no_sender_is_refused(original):
	raw = a_journal_report(original, ["To: einkauf@kunde.example"]).replace(b"Sender: ", b"Absender: ")
	with pytest.raises(JournalReportError, match="no Sender"):
		unwrap_journal(raw)


def test_the_envelope_travels_with_the_parsed_original(original):
	parsed = parse_message(original)
	mail = enveloped(parsed, envelope=(EnvelopeRecipient("chef@partner.example", "Bcc"),))
	assert mail.message_id == parsed.message_id and mail.content_hash == parsed.content_hash
	assert mail.bcc == parsed.bcc == []  # what is stored is the mail's own text
	assert mail.envelope[0].address == "chef@partner.example"


# --- the archive address ----------------------------------------------------------------------


def test_a_mail_bccd_to_the_archive_is_archived_as_itself(original):
	sent = an_original("Angebot", "vera@firma.example", "einkauf@kunde.example", bcc=ARCHIVE)
	drop = classify_drop(sent, {ARCHIVE})
	assert (drop.kind, drop.dropper, drop.original) == (ITSELF, "vera@firma.example", sent)


def test_a_mail_forwarded_as_attachment_gives_its_original(original):
	drop = classify_drop(a_forward_as_attachment(original, "Vera <Vera@Firma.example>", ARCHIVE), {ARCHIVE})
	assert drop.kind == ATTACHED
	assert drop.dropper == "vera@firma.example"
	assert parse_message(drop.original).message_id == "angebot-ostsee@firma.example"
	assert parse_message(drop.original).content_hash == parse_message(original).content_hash


def test_an_inline_forward_is_archived_as_it_is(original):
	raw = an_inline_forward(original, "vera@firma.example", ARCHIVE)
	drop = classify_drop(raw, {ARCHIVE})
	assert (drop.kind, drop.original, drop.dropper) == (INLINE, raw, "vera@firma.example")


def test_an_inline_forward_in_german_is_recognised_by_its_marker(original):
	raw = an_original(
		"Bitte ablegen",
		"vera@firma.example",
		ARCHIVE,
		text="Anbei.\n\n-----Ursprüngliche Nachricht-----\nVon: Kunde\nBetreff: Angebot\n",
	)
	assert classify_drop(raw, {ARCHIVE}).kind == INLINE


def test_a_forward_the_archive_only_sees_in_bcc_is_the_users_own_mail():
	"""Vera forwards a mail to a customer and BCCs the archive: her forward is what she sent."""
	raw = an_original("Fwd: Preise", "vera@firma.example", "einkauf@kunde.example", bcc=ARCHIVE)
	assert classify_drop(raw, {ARCHIVE}).kind == ITSELF


def test_a_hostile_dropper_header_gives_no_address():
	raw = an_original("x", "<script>@@", ARCHIVE)
	assert classify_drop(raw, {ARCHIVE}).dropper is None


def test_several_mails_forwarded_as_attachments_are_archived_in_their_forward(original):
	"""One place on the server is one archived mail: the forward keeps them all as attachments."""
	other = an_original("Zweites Angebot", "kunde@kunde.example", "vera@firma.example")
	raw = a_forward_as_attachment(original, "vera@firma.example", ARCHIVE)
	second = email.message_from_bytes(raw, policy=email.policy.default)
	second.add_attachment(email.message_from_bytes(other, policy=email.policy.default), filename="2.eml")
	drop = classify_drop(bytes(second), {ARCHIVE})
	assert (drop.kind, drop.original) == (SEVERAL, bytes(second))


def test_the_envelope_adds_only_recipients_the_headers_do_not_name(original):
	mail = enveloped(
		parse_message(original),
		envelope=(
			EnvelopeRecipient("einkauf@kunde.example", "To"),
			EnvelopeRecipient("chef@partner.example", "Bcc"),
			EnvelopeRecipient("anna@firma.example", "To", expanded_from="team@firma.example"),
			EnvelopeRecipient("extern@anderswo.example", "Recipient"),
			EnvelopeRecipient("chef@partner.example", "Recipient"),
		),
	)
	assert envelope_addresses(mail) == {
		"To": ["anna@firma.example"],
		"Cc": [],
		"Bcc": ["chef@partner.example", "extern@anderswo.example"],
	}


def test_an_envelope_beside_its_html_rendering_is_read(original):
	"""Some servers send the envelope as multipart/alternative (text and HTML)."""
	raw = a_journal_report(original, ["Bcc: chef@partner.example"])
	message = email.message_from_bytes(raw, policy=email.policy.default)
	envelope, attached = message.get_payload()
	alternative = email.message.EmailMessage()
	alternative.set_content(envelope.get_content())
	alternative.add_alternative("<p>Sender: vera@firma.example</p>", subtype="html")
	message.set_payload([alternative, attached])
	report = unwrap_journal(message.as_bytes())
	assert report.recipients == [EnvelopeRecipient("chef@partner.example", "Bcc")]
	assert parse_message(report.original).message_id == "angebot-ostsee@firma.example"


def test_an_original_a_gateway_sent_base64_encoded_comes_out_decoded(original):
	"""RFC 2046 forbids it for message/rfc822, some gateways do it anyway."""
	import base64

	raw = a_journal_report(original, ["To: einkauf@kunde.example"])
	head, _sep, rest = raw.partition(b"Content-Type: message/rfc822\r\n")
	disposition, _blank, tail = rest.partition(b"\r\n\r\n")
	body, closing = tail.rsplit(b"\r\n--", 1)
	encoded = base64.encodebytes(body).replace(b"\n", b"\r\n")
	raw = (
		head
		+ b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n"
		+ disposition
		+ b"\r\n\r\n"
		+ encoded
		+ b"\r\n--"
		+ closing
	)
	assert unwrap_journal(raw).original == original


def test_an_original_that_cannot_be_decoded_is_refused_with_the_reason(original):
	raw = a_journal_report(original, ["To: einkauf@kunde.example"]).replace(
		b"Content-Type: message/rfc822\r\n",
		b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n",
	)
	with pytest.raises(JournalReportError, match="cannot be decoded"):
		unwrap_journal(raw)
