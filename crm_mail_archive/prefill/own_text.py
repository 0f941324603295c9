"""The mail's own text: everything above the first sign of an older mail below it (separators,
Outlook header blocks, attributions), with quoted lines marked."""

from __future__ import annotations

import io
import itertools
import re

from crm_mail_archive.prefill.text import MAX_LINE_CHARS, MAX_LINES, MAX_TEXT_CHARS
from crm_mail_archive.prefill.vocabulary import _ATTRIBUTION_WORDS

# --- quoted mail -----------------------------------------------------------------------------------
_SEPARATOR = re.compile(
	r"-{2,}\s*(?:original\s+message|original-?nachricht|originalnachricht|urspr\S{1,3}ngliche\s+nachricht"
	r"|forwarded\s+message|weitergeleitete\s+nachricht|message\s+d'origine|message\s+transf\S{1,3}r\S{1,3}"
	r"|messaggio\s+originale|mensaje\s+original|oorspronkelijk\s+bericht)\s*-{2,}"
	r"|begin\s+forwarded\s+message\s*:|anfang\s+der\s+weitergeleiteten\s+nachricht\s*:",
	re.IGNORECASE,
)


_HEADER_FROM = re.compile(r"(?:from|von|de|da|van|fr\S{1,2}n|fra|od)\s*:\s*\S", re.IGNORECASE)


_HEADER_NEXT = re.compile(
	r"(?:sent|gesendet|date|datum|to|an|subject|betreff|cc|envoy\S{1,2}|enviado|inviato|verzonden|objet)\s*:",
	re.IGNORECASE,
)


_ATTRIBUTION = re.compile(
	r"(?:on\s.{1,300}\swrote\s?:"
	r"|am\s.{1,300}\sschrieb\b.{0,300}:"
	r"|.{1,300}\sschrieb\s+am\s.{1,300}:"
	r"|[^@]{0,300}@[^@]{1,300}\s(?:wrote|schrieb|a\s+\S{1,2}crit|escribi\S{1,2}|ha\s+scritto|schreef)\s?:"
	r"|le\s.{1,300}\sa\s+\S{1,2}crit\s?:"
	r"|op\s.{1,300}\sschreef.{0,300}:"
	r"|el\s.{1,300}\sescribi\S{1,2}\s?:"
	r"|il\s.{1,300}\sha\s+scritto\s?:)",
	re.IGNORECASE,
)


def _is_separator(stripped: str) -> bool:
	return stripped[:1] in "-BbAa" and _SEPARATOR.fullmatch(stripped) is not None


def _is_header_block(lines: list[str], index: int) -> bool:
	"""An Outlook-style header block of a quoted mail: "Von: ..." then "Gesendet: ..." or so."""
	stripped = lines[index].strip().replace("*", "")
	if ":" not in stripped[:8] or not _HEADER_FROM.match(stripped):
		return False
	following = (line.strip().replace("*", "") for line in lines[index + 1 : index + 6])
	return any(_HEADER_NEXT.match(line) for line in following)


def _attribution_lines(lines: list[str], index: int) -> int:
	"""How many lines an attribution ("On ... wrote:") starting here spans: 0, 1 or 2 (wrapped)."""
	stripped = lines[index].strip()
	candidates = [stripped]
	if not stripped.endswith(":") and index + 1 < len(lines):  # wrapped by the client
		candidates.append(f"{stripped} {lines[index + 1].strip()}")
	for spans, candidate in enumerate(candidates, start=1):
		lowered = candidate.lower()
		if candidate.endswith(":") and any(word in lowered for word in _ATTRIBUTION_WORDS):
			if _ATTRIBUTION.fullmatch(candidate[:700]):
				return spans
	return 0


def _quote_follows(lines: list[str], index: int) -> bool:
	following = [line.strip() for line in lines[index + 1 : index + 5]]
	return any(line.startswith(">") for line in following if line)


def _own_lines(text: str) -> list[tuple[str, bool]]:
	"""The lines of the mail's own text as (line, quoted), up to the first quoted-mail separator."""
	reader = io.StringIO(text[:MAX_TEXT_CHARS], newline=None)
	lines = [line.rstrip("\n")[:MAX_LINE_CHARS] for line in itertools.islice(reader, MAX_LINES)]
	own: list[tuple[str, bool]] = []
	attribution_until = -1
	for index, line in enumerate(lines):
		stripped = line.strip()
		if not stripped:
			own.append((line, False))
		elif stripped.startswith(">") or index <= attribution_until:
			own.append((line, True))
		elif _is_separator(stripped) or _is_header_block(lines, index):
			break
		elif spans := _attribution_lines(lines, index):
			if not _quote_follows(lines, index + spans - 1):
				break
			attribution_until = index + spans - 1
			own.append((line, True))
		else:
			own.append((line, False))
	return own
