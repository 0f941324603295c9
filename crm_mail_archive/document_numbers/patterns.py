"""Document numbers in a mail: recognisers built from the site's naming series and autoname
formats (not a hard-coded pattern), and the scan of a mail's subject, own text (quoted history
left out) and attachment file names. Frappe-free, deterministic, bounded: whatever the mail, at
most MAX_SCANNED_CHARS of text are read and at most MAX_CANDIDATES numbers come out of it.

A naming series "SAL-QTN-.YYYY.-" names documents "SAL-QTN-2026-00001": the literal parts as
written, the date parts as digits, the counter as its digits (five when the series has none), an
amended copy's "-1" behind. Free names (`field:`, `prompt`) and plain counters (`autoincrement`)
have no shape to recognise: every word or number would be a candidate, so they are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from crm_mail_archive.prefill.own_text import _own_lines
from crm_mail_archive.prefill.text import MAX_LINE_CHARS

MAX_SCANNED_CHARS = 20_000  # of the own text; the subject and file names are short by themselves
MAX_FILE_NAMES = 20
MAX_CANDIDATES = 20  # document numbers per mail
MAX_REFERENCES = 20  # other tokens per mail that may be an order or invoice number of the party
MAX_PATTERN_PARTS = 12

# one part of a naming series that is filled in from the date or the document
DATE_PARTS = {
	"YYYY": r"\d{4}",
	"YY": r"\d{2}",
	"MM": r"\d{2}",
	"DD": r"\d{2}",
	"WW": r"\d{2}",
	"FY": r"\d{4}(?:-\d{2,4})?",  # ERPNext's fiscal year
}
FREE_PART = r"[A-Za-z0-9]{1,20}"  # a field's value (company abbreviation, a branch): bounded
COUNTER_GROWTH = 3
AMENDED = r"(?:-\d{1,3})?"  # an amended document is "<original>-1", "<original>-2", …
# a Frappe "hash" name: ten characters of base32hex (0-9, a-v); one digit and one letter at least,
# so that no ordinary word or number is taken for one
HASH_PATTERN = r"(?=[0-9a-v]{0,9}[a-v])(?=[0-9a-v]{0,9}[0-9])[0-9a-v]{10}"
BEFORE = r"(?<![A-Za-z0-9])"
AFTER = r"(?![A-Za-z0-9])"
LINE_CHARS = MAX_LINE_CHARS - 20
QUOTE_MARKER = re.compile(r"[ \t]*(?:>[ \t]?)*")
BRACED = re.compile(r"\{([^{}]{1,40})\}")
# a token that may be a customer's order or a supplier's invoice number ("PO-4711", "RE2026/0815",
# "4500012345"): letters, digits and the separators numbers are written with; a letter and a digit,
# or five digits in a row — dates, times, amounts and short numbers are too common in mail. Names
# and references are read from the words with a digit only (letters, digits and "_./-"): a series
# whose names hold a space (its `timestamp` part) is not recognised
DIGIT_CHARS = "0123456789"
MAX_DIGIT_TOKENS = 1000
TOKEN_REST = re.compile(r"[\w./-]{0,80}")
TOKEN_CHARS = "_./-"
MAX_TOKEN_CHARS = 80
FIVE_DIGITS = re.compile(r"\d{5}")
REFERENCE_EDGES = "./-_"


def counter_pattern(digits: int) -> str:
	"""A counter of `digits` digits: zero-padded to them, longer once it outgrows them (Frappe
	keeps counting: "PROJ-.####" names PROJ-9999, then PROJ-10000)."""
	return rf"\d{{{digits},{digits + COUNTER_GROWTH}}}"


def _part_pattern(part: str, fieldnames: frozenset[str]) -> str:
	if part.startswith("#"):
		return counter_pattern(len(part))
	if part in DATE_PARTS:
		return DATE_PARTS[part]
	if part.startswith("{") or part in fieldnames:
		# a field's value, or a variable of an app's parser (`naming_series_variables`)
		return DATE_PARTS.get(part.strip("{}"), FREE_PART)
	if part == "timestamp":
		return r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?"
	return re.escape(part)


def series_pattern(series: str, fieldnames: Iterable[str] = ()) -> str | None:
	"""The regular expression of the names a naming series makes ("SAL-QTN-.YYYY.-"), or None
	when it has nothing fixed to recognise (no literal text and no date: any number would do)."""
	series = (series or "").strip()
	if not series or len(series) > 100:
		return None
	if "#" not in series:
		series += ".#####"
	fields = frozenset(fieldnames)
	parts = [part for part in series.split(".") if part]
	if len(parts) > MAX_PATTERN_PARTS:
		return None
	pattern, counter, fixed = "", False, False
	for part in parts:
		if part.startswith("#"):
			if counter:
				continue  # Frappe fills in the first counter only
			counter = True
		piece = _part_pattern(part, fields)
		fixed = fixed or (piece == re.escape(part) and any(ch.isalpha() for ch in part)) or part in DATE_PARTS
		pattern += piece
	return pattern + AMENDED if fixed and counter else None


def format_pattern(autoname: str) -> str | None:
	"""The names of a "format:PRJ-{YYYY}-{####}" autoname."""
	body = autoname.split(":", 1)[1] if ":" in autoname else autoname
	if not body or len(body) > 140 or "{" not in body:
		return None
	pattern, position, counter, fixed = "", 0, False, False
	for index, match in enumerate(BRACED.finditer(body)):
		if index >= MAX_PATTERN_PARTS:
			return None
		literal = body[position : match.start()]
		pattern += re.escape(literal)
		fixed = fixed or any(ch.isalnum() for ch in literal)
		part = match.group(1)
		if part.startswith("#"):
			counter = True
			pattern += counter_pattern(len(part))
		elif part in DATE_PARTS:
			fixed = True
			pattern += DATE_PARTS[part]
		else:
			pattern += FREE_PART
		position = match.end()
	literal = body[position:]
	pattern += re.escape(literal)
	fixed = fixed or any(ch.isalnum() for ch in literal)
	return pattern + AMENDED if fixed and counter else None


def autoname_patterns(
	autoname: str | None,
	naming_series: Iterable[str] = (),
	fieldnames: Iterable[str] = (),
	naming_rules: Iterable[tuple[str, int]] = (),
) -> list[str]:
	"""Every shape the names of one DocType can take: its naming series options (when it names
	by series), its format or "#" autoname, its Document Naming Rules (prefix, digits), its hash."""
	autoname = (autoname or "").strip()
	lowered = autoname.lower()
	found: list[str | None] = []
	if lowered.startswith("naming_series:") or (naming_series and not autoname):
		found += [series_pattern(series, fieldnames) for series in naming_series]
	elif lowered.startswith("format:"):
		found.append(format_pattern(autoname))
	elif lowered == "hash" or (not autoname and not naming_series):
		found.append(HASH_PATTERN)  # Frappe's default: a hash
	elif "#" in autoname and ":" not in autoname:
		found.append(series_pattern(autoname, fieldnames))
	# field:, prompt, autoincrement, by "Set by user" or a controller's own autoname: nothing to see
	for prefix, digits in naming_rules:
		found.append(series_pattern(f"{prefix}.{'#' * max(1, min(int(digits or 5), 12))}", fieldnames))
	return list(dict.fromkeys(pattern for pattern in found if pattern))


@dataclass
class Recognisers:
	"""The document numbers of the configured DocTypes: one compiled scan over a text, then the
	DocTypes whose shape each found number has. Names are matched as the site writes them (case
	counts: "sal-qtn-…" is not taken for a Quotation's number)."""

	patterns: dict[str, list[str]]  # doctype -> its name patterns
	_any: re.Pattern | None = field(init=False, default=None)
	_each: dict[str, re.Pattern] = field(init=False, default_factory=dict)

	def __post_init__(self) -> None:
		shapes = sorted({pattern for patterns in self.patterns.values() for pattern in patterns})
		if shapes:
			self._any = re.compile(BEFORE + "(?:" + "|".join(shapes) + ")" + AFTER)
		self._each = {
			doctype: re.compile("(?:" + "|".join(patterns) + ")")
			for doctype, patterns in self.patterns.items()
			if patterns
		}

	def may_name(self, token: str) -> bool:
		return self._any is not None and self._any.search(token) is not None

	def numbers(self, texts: Iterable[str]) -> dict[str, set[str]]:
		"""number as found -> the DocTypes it may be a name of; at most MAX_CANDIDATES numbers."""
		found: dict[str, set[str]] = {}
		if self._any is None:
			return found
		for text in texts:
			for match in (m for token in digit_tokens(text) for m in self._any.finditer(token)):
				number = match.group(0)
				if number in found:
					continue
				doctypes = {d for d, pattern in self._each.items() if pattern.fullmatch(number)}
				if doctypes:
					found[number] = doctypes
				if len(found) >= MAX_CANDIDATES:
					return found
		return found


def digit_token_ends(text: str) -> list[tuple[int, str]]:
	"""(end, token) of the words with a digit (letters, digits and "_./-", at most
	MAX_TOKEN_CHARS each, at most MAX_DIGIT_TOKENS): every name and reference has a digit. The
	digits are found with str.find (C speed, where a regular expression reads every character
	in Python's matcher), so the words without one cost nearly nothing."""
	found: list[tuple[int, str]] = []
	following = {digit: text.find(digit) for digit in DIGIT_CHARS}
	covered = 0
	while len(found) < MAX_DIGIT_TOKENS:
		positions = [position for position in following.values() if position >= 0]
		if not positions:
			break
		position = min(positions)
		start, floor = position, max(covered, position - MAX_TOKEN_CHARS)
		while start > floor and (text[start - 1].isalnum() or text[start - 1] in TOKEN_CHARS):
			start -= 1
		covered = max(TOKEN_REST.match(text, position).end(), position + 1)
		found.append((covered, text[start:covered]))
		for digit, following_at in following.items():
			if 0 <= following_at < covered:
				following[digit] = text.find(digit, covered)
	return found


def digit_tokens(text: str) -> list[str]:
	return [token for _end, token in digit_token_ends(text)]


def references(texts: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
	"""Tokens that may be the party's own order or invoice number ("PO-4711", "RE2026/0815"):
	at most MAX_REFERENCES, in the order they occur."""
	skip = {value.lower() for value in exclude}
	found: dict[str, None] = {}
	for text in texts:
		for token in digit_tokens(text):
			token = reference(token)
			if token is None or token.lower() in skip:
				continue
			found.setdefault(token)
			if len(found) >= MAX_REFERENCES:
				return list(found)
	return list(found)


def reference(token: str) -> str | None:
	"""The token as an order or invoice number, or None."""
	token = token.strip(REFERENCE_EDGES)
	if not 3 <= len(token) <= 40:
		return None
	if FIVE_DIGITS.search(token) or any(ch.isalpha() for ch in token):
		return token
	return None


def own_text(text: str | None) -> str:
	"""The mail's own text without the quoted history (prefill.own_text), at most MAX_SCANNED_CHARS."""
	if not text:
		return ""
	lines = []
	size = 0
	for line, quoted in _own_lines(_wrapped(text[: MAX_SCANNED_CHARS * 2])):
		if quoted:
			continue
		lines.append(line)
		size += len(line) + 1
		if size >= MAX_SCANNED_CHARS:
			break
	return "\n".join(lines)[:MAX_SCANNED_CHARS]


def file_stem(name: str) -> str:
	"""A file name as words: "Angebot_SAL-QTN-2026-00001.pdf" -> "Angebot SAL-QTN-2026-00001"."""
	stem, dot, extension = name.rpartition(".")
	if dot and stem and 0 < len(extension) <= 5 and extension.isalnum():
		name = stem
	return name.replace("_", " ")


def _wrapped(text: str) -> str:
	"""Long lines cut at spaces into lines the own-text reader reads whole (it keeps the first
	MAX_LINE_CHARS of a line), each piece of a quoted line quoted as well."""
	lines = []
	for line in text.splitlines():
		if len(line) <= LINE_CHARS:
			lines.append(line)
			continue
		marker = QUOTE_MARKER.match(line).group(0)
		rest = line[len(marker) :]
		while rest:
			cut = rest.rfind(" ", 0, LINE_CHARS) if len(rest) > LINE_CHARS else len(rest)
			cut = cut if cut > LINE_CHARS // 2 else min(len(rest), LINE_CHARS)
			lines.append(marker + rest[:cut])
			rest = rest[cut:].lstrip(" ")
	return "\n".join(lines)


@dataclass(frozen=True)
class MailText:
	"""What of a mail can name a document."""

	subject: str | None = None
	text: str | None = None  # the whole plain text; its own part is scanned
	file_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
	"""The numbers a mail names: DocType candidates by number, and other reference tokens."""

	numbers: dict[str, set[str]]
	references: list[str]


def scan(mail: MailText, recognisers: Recognisers, with_references: bool = True) -> Found:
	"""The numbers a mail names. Its own text is told from the quoted history only as far down as
	the last token that may be a number (found at C speed): most of a mail is never read twice."""
	text = (mail.text or "")[: MAX_SCANNED_CHARS * 2]
	last = 0
	for end, token in digit_token_ends(text):
		if recognisers.may_name(token) or (with_references and reference(token)):
			last = end
	end = text.find("\n", last)
	texts = [
		(mail.subject or "")[:1000],
		own_text(text[: end if end >= 0 else len(text)]) if last else "",
		*(file_stem(name[:255]) for name in mail.file_names[:MAX_FILE_NAMES] if name),
	]
	numbers = recognisers.numbers(texts)
	return Found(numbers, references(texts, exclude=numbers) if with_references else [])
