"""The signature block of a business mail's plain text, read to prefill a "Create Contact / Lead from
this mail" dialog. Frappe-free: standard library only. Written for German and English sales mail.

`parse_signature(text, sender_name, sender_email)` returns a `Signature` with None for whatever it
cannot tell. It never raises, and its work is bounded whatever the input.

How it reads a mail:

- Own text: the mail up to the first sign of an older mail below it: "-----Original Message-----",
  "-----Ursprüngliche Nachricht-----", a forwarded-message marker, an Outlook header block
  ("Von:"/"From:" followed by "Gesendet:"/"Sent:"/"An:"...), or an attribution line ("Am ... schrieb
  ...:", "On ... wrote:") that is not followed by ">" lines. Lines starting with ">" (and an
  attribution right above them) are quoted: they end a signature block, and trailing ones are
  dropped, so a bottom-posted reply is read too. Only the last `WINDOW_LINES` lines of the own text
  are read; the input is cut at `MAX_TEXT_CHARS` characters, `MAX_LINES` lines and `MAX_LINE_CHARS`
  characters a line. Control, zero-width and bidi characters are dropped, whitespace collapsed.
- Signature block: the lines after the last closing phrase that has lines below it ("Mit
  freundlichen Grüßen", "Viele Grüße aus Berlin", "MfG", "Best regards,", "Thanks, Anna", ...; the
  whole line, case-insensitive) or after the last RFC 3676 "-- " delimiter, whichever comes later; a
  closing phrase at most four lines above the delimiter starts the block ("Viele Grüße / Anna / -- /
  ..."). Without either, the run of short, non-prose lines at the end is the block if it holds a
  labelled phone, a URL, a mail address or a company with a legal form. The block ends at the next
  quoted line, or after `MAX_BLOCK_LINES` lines.
- Legal footer: from the first line naming the Handelsregister/HRB, Amtsgericht, Registergericht,
  USt-IdNr, "Sitz der Gesellschaft", "Geschäftsführer: ...", bank details or a disclaimer on, the
  block is not read for the name and the job title, and it comes last for the organisation.
- Name: among the first `NAME_LINES` lines of the block (and a name after the closing phrase on its
  line, "Viele Grüße, Anna Müller"), the line matching `sender_name` (same words, any order, titles
  ignored), else the first one that looks like a person: 2-4 capitalised words (particles such as
  "von" allowed), optional "Dr."/"Prof."/"Dipl.-Ing." kept, "i.A."/"Herr"/"Mr" dropped, no digits,
  no "@", no legal form, no job or company words. Only the part before "|" or "," counts ("Anna
  Müller, Einkauf"). Else `sender_name` as given, unless it is empty or an address.
- Job title: the rest of the name line, else one of the two lines below the name, else the line
  above it (without a name line: one of the block's first three lines), when it holds a job word
  ("Einkaufsleiterin", "Head of Purchasing", "Geschäftsführer"); text after " at "/" bei " is
  dropped, and so is a part with a legal form ("VP Sales, Widget Corp.").
- Organisation: the first part of a block line (split at "|", bullets, " - ", commas; lines above the
  legal footer first) with a legal form as a whole word (GmbH, GmbH & Co. KG, AG, KG, OHG, UG
  (haftungsbeschränkt), e.K., e.V., GbR, SE, Ltd., Limited, Inc., LLC, Corp., S.A., B.V., N.V.,
  S.r.l., Sp. z o.o., A/S, AB, Oy, ...) after some name, not a footer part ("Komplementärin: ...
  GmbH", bank lines); else a line where the second-level label of the `sender_email` domain appears
  capitalised ("acme-solutions.de" finds "ACME Solutions"), not for freemail domains.
- Phone and mobile: numbers after a label (Tel, Telefon, Phone, Fon, T:, P:, Office, Direkt /
  Mobil, Mobile, Handy, Cell, M:), kept as written with whitespace collapsed; Fax/F: is skipped.
  Phone is the first labelled phone, else a bare international number on its own line, else the
  mobile.
- Website: the first "http(s)://" or "www." URL (or "Web: example.de") of the block, preferring
  the sender's domain and skipping social networks, mail addresses and link shorteners.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_mail_archive.prefill.block import _block, _footer_start, _skip_for_org
from crm_mail_archive.prefill.fields import (
	_ORG_SPLIT,
	_display_name,
	_domain_label,
	_job_title,
	_looks_like_name,
	_matches_sender,
	_name_and_rest,
	_name_tokens,
	_org_by_domain,
	_org_in_line,
	_phones,
	_website,
)
from crm_mail_archive.prefill.own_text import _own_lines
from crm_mail_archive.prefill.text import (
	MAX_LINE_CHARS,
	MAX_TEXT_CHARS,
	NAME_LINES,
	WINDOW_LINES,
	_clean,
	_words,
)


@dataclass(frozen=True)
class Signature:
	name: str | None = None
	organisation: str | None = None
	phone: str | None = None
	mobile: str | None = None
	website: str | None = None
	job_title: str | None = None


def _sender_display_name(sender_name: str | None) -> str | None:
	if not isinstance(sender_name, str):
		return None
	name = _clean(sender_name[:MAX_LINE_CHARS]).strip("\"' ")[:100].strip()
	return name if name and "@" not in name else None


def _parse(text: str, sender_name: str | None, sender_email: str | None) -> Signature:
	own = _own_lines(text)
	end = len(own)
	while end and (own[end - 1][1] or not own[end - 1][0].strip()):
		end -= 1
	block, tail = _block(own[max(0, end - WINDOW_LINES) : end])
	body_end = _footer_start(block)
	sender = _sender_display_name(sender_name)
	sender_words = _words(" ".join(_name_tokens(sender or ""))) - {""}

	# name: (index of its line, -1 for the closing line; the rest of its line)
	lines = [(index, *_name_and_rest(text)) for index, text in enumerate(block[:body_end]) if text]
	lines = lines[:NAME_LINES]
	if tail:
		lines.insert(0, (-1, tail, ""))
	chosen = next((line for line in lines if _matches_sender(line[1], sender_words)), None)
	chosen = chosen or next((line for line in lines if _looks_like_name(line[1])), None)
	name = _display_name(chosen[1]) if chosen else sender

	# job title: next to the name, or near the top of the block
	if chosen:
		index, _segment, rest = chosen
		candidates = [part for part in _ORG_SPLIT.split(rest) if part] if rest else []
		candidates += [text for text in block[index + 1 : body_end] if text][:2]
		if index > 0 and block[index - 1]:
			candidates.append(block[index - 1])
	else:
		candidates = [text for text in block[:body_end] if text][:3]
	job_title = next((title for title in map(_job_title, candidates) if title), None)

	# organisation: a legal form, before the footer first; else the sender's domain
	skipped = _skip_for_org(block)
	order = [index for index in range(len(block)) if block[index] and index not in skipped]
	order.sort(key=lambda index: index >= body_end)
	organisation = next((org for org in (_org_in_line(block[index]) for index in order) if org), None)
	label = _domain_label(sender_email if isinstance(sender_email, str) else None)
	if organisation is None and label:
		name_line = chosen[0] if chosen else None
		organisation = next(
			(
				org
				for org in (_org_by_domain(block[index], label) for index in order if index != name_line)
				if org
			),
			None,
		)

	phone, mobile = _phones(block)
	return Signature(
		name=name or None,
		organisation=organisation,
		phone=phone,
		mobile=mobile,
		website=_website(block, label),
		job_title=job_title,
	)


def parse_signature(text: str, sender_name: str | None = None, sender_email: str | None = None) -> Signature:
	"""The sender's name, organisation, phones, website and job title from a mail's signature block."""
	if isinstance(text, bytes | bytearray):
		text = bytes(text[:MAX_TEXT_CHARS]).decode("utf-8", "replace")
	if not isinstance(text, str):
		text = ""
	if not isinstance(sender_name, str):
		sender_name = None
	if not isinstance(sender_email, str):
		sender_email = None
	return _parse(text, sender_name, sender_email)
