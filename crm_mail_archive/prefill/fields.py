"""What a signature line holds: a closing phrase, prose, a person's name, the job title, the
organisation, phone numbers, the website."""

from __future__ import annotations

import re

from crm_mail_archive.prefill.text import _DIGIT, _fold, _words
from crm_mail_archive.prefill.vocabulary import (
	_FREEMAIL,
	_GENERIC_SLDS,
	_JOB_STEMS,
	_JOB_WORDS,
	_LEGAL_FORMS,
	_MOBILE_LABELS,
	_NOT_A_WEBSITE,
	_PARTICLES,
	_PHRASE,
	_STOPWORDS,
)

_CLOSING = re.compile(
	rf"{_PHRASE}(?:(?:\s*(?:[/|&+,]|und|and|-)\s*|\s+){_PHRASE})*(?![^\W\d_])", re.IGNORECASE
)


_FROM_PLACE = re.compile(r"(?:aus|von|vom|nach|in|from)\s+([^\d@]{1,40})", re.IGNORECASE)


def _closing(text: str) -> str | None:
	"""None when the line is no closing phrase; else a name written after it on the line, or ""."""
	match = _CLOSING.match(text)
	if not match:
		return None
	rest = text[match.end() :]
	tail = rest.lstrip(" ,.!:;-")
	if not tail.strip(" .!"):
		return ""
	after_comma = rest.lstrip().startswith(",")
	if not after_comma and " " not in match.group(0).strip():
		return None  # "Thanks for the offer", "LG Electronics": a one-word phrase needs a comma
	tail = tail.rstrip(" !")
	place = _FROM_PLACE.fullmatch(tail)
	if place:
		named = place.group(1).strip()
		return named if tail[:4].lower() in ("von ", "from") and _looks_like_name(named) else ""
	if _looks_like_name(tail):
		return tail
	if tail.isalpha() and tail[:1].isupper() and len(tail) <= 30:
		return ""  # a first name
	return None


_TITLE_TOKEN = re.compile(
	r"(?:dr|prof|dipl|mag|dott)(?:[.\-]|$)\S*|(?:ing|med|rer|nat|phil|jur|habil|ir)\.\S*"
	r"|mba|msc|bsc|llm|ll\.m\.?|m\.\s?sc\.|b\.\s?sc\.|m\.a\.|b\.a\.|ph\.?d\.?",
	re.IGNORECASE,
)


_SALUTATION_TOKEN = re.compile(r"(?:herr|frau|mr|mrs|ms|sir)\.?", re.IGNORECASE)


_SIGNING_FOR = re.compile(r"(?:i\.\s?a\.|i\.\s?v\.|ppa\.|pp\.|p\.p\.|per\s+pro\.?)\s*", re.IGNORECASE)


_LETTERS = re.compile(r"[^\W\d_]+")


def _has_job_word(text: str) -> bool:
	"""A job title's word: "Einkaufsleiterin", "Head of Purchasing", "Industriekaufmann"."""
	lowered = text.casefold()
	if any(stem in lowered for stem in _JOB_STEMS):
		return True
	return any(
		word in _JOB_WORDS or (word.endswith("kaufmann") and word != "kaufmann")
		for word in _LETTERS.findall(lowered)
	)


def _name_tokens(segment: str) -> list[str]:
	"""The words of a name without titles, salutations and trailing degrees."""
	tokens = segment.split()
	while tokens and (_TITLE_TOKEN.fullmatch(tokens[0]) or _SALUTATION_TOKEN.fullmatch(tokens[0])):
		tokens = tokens[1:]
	while tokens and _TITLE_TOKEN.fullmatch(tokens[-1]):
		tokens = tokens[:-1]
	return tokens


def _looks_like_name(segment: str) -> bool:
	if not segment or len(segment) > 60 or segment[-1] in ",;:!?" or _DIGIT.search(segment):
		return False
	if any(mark in segment for mark in ("@", ":", "/", "(", "<", "&", "+")):
		return False
	if _LEGAL.search(segment) or _has_job_word(segment):
		return False
	tokens = _name_tokens(segment)
	core = [token for token in tokens if token.casefold() not in _PARTICLES]
	if not 2 <= len(core) <= 4 or len(tokens) > 6 or not tokens[0][:1].isupper():
		return False
	for token in tokens:
		bare = token.replace("-", "").replace("'", "").replace("\u2019", "").removesuffix(".")
		if not bare.isalpha() or (token.endswith(".") and len(bare) > 1):
			return False  # only an initial ends with a dot; "Str." is no name
		if token.casefold() in _PARTICLES:
			continue
		if not token[0].isupper() or _fold(bare) in _STOPWORDS:
			return False
	return True


def _display_name(segment: str) -> str:
	"""A name as written, without "i.A." and "Herr"/"Mr" (academic titles stay)."""
	segment = _SIGNING_FOR.sub("", segment, count=1) if _SIGNING_FOR.match(segment) else segment
	tokens = segment.split()
	while len(tokens) > 2 and _SALUTATION_TOKEN.fullmatch(tokens[0]):
		tokens = tokens[1:]
	return " ".join(tokens).rstrip(",;:")


_NAME_SPLIT = re.compile(r"\s*[|\u2022\u00b7\u2219\u25aa]\s*|\s+[\u2013\u2014-]\s+|\s*,\s*|\s+/\s+|\s+\(")


def _name_and_rest(text: str) -> tuple[str, str]:
	"""'i.A. Anna Müller, Einkauf' and 'Anna Müller (Einkauf)' -> ('Anna Müller', 'Einkauf')."""
	match = _SIGNING_FOR.match(text)
	if match:
		text = text[match.end() :]
	parts = _NAME_SPLIT.split(text, maxsplit=1)
	return parts[0].strip(), (parts[1].strip(" ()") if len(parts) > 1 else "")


def _matches_sender(segment: str, sender_words: frozenset[str]) -> bool:
	if len(sender_words) < 2 or len(segment) > 60 or "@" in segment or _DIGIT.search(segment):
		return False
	if _LEGAL.search(segment) or _has_job_word(segment):
		return False
	words = _words(" ".join(_name_tokens(segment))) - {""}
	return len(words) >= 2 and (sender_words <= words or words <= sender_words)


_AT_COMPANY = re.compile(r"\s+(?:at|bei|@)\s+", re.IGNORECASE)


_TITLE_SPLIT = re.compile(r"\s*[|\u2022\u00b7\u2219\u25aa,]\s*|\s+[\u2013\u2014-]\s+")


def _job_title(text: str) -> str | None:
	"""The job title on a line: the whole line, else its first part ("VP Sales, Widget Corp.")."""
	if not text or len(text) > 80 or "@" in text or _URL.search(text) or _PHONE.search(text):
		return None
	if _is_prose(text) or len(_DIGIT.findall(text)) >= 4 or _closing(text) is not None:
		return None
	for part in [text, *_TITLE_SPLIT.split(text)]:
		title = _AT_COMPANY.split(part, maxsplit=1)[0].strip(" ,;:-")
		if not title or len(title.split()) > 10 or _LEGAL.search(title) or _looks_like_name(title):
			continue
		if _has_job_word(title):
			return title
	return None


_LEGAL = re.compile(r"(?<![\w&])(?:" + "|".join(_LEGAL_FORMS) + r")(?![\w&])")


_FOOTER = re.compile(
	r"handelsregister|\bHR\s?[AB]\b|amtsgericht|registergericht|registernummer|\bust\.?\s?-?\s?id"
	r"|umsatzsteuer|steuer-?\s?nr|steuernummer|\bst\.?-?nr\b|\bvat\b|\btax\s+id"
	r"|(?:firmen)?sitz(?:\s+der\s+gesellschaft)?\s*:|sitz\s+der\s+gesellschaft|sitz\s+und\s+register"
	r"|registered\s+(?:office|in|address)|company\s+(?:registration\s+)?(?:no\b|number|reg)"
	r"|aufsichtsrat|komplementär|persönlich\s+haftend|\bweee\b|gerichtsstand"
	r"|\biban\b|\bbic\b|\bswift\b|bankverbindung|bank\s+details|\bblz\b|\bkto\b|kontonummer"
	r"|disclaimer|vertraulich|confidential|datenschutz|privacy|haftungsausschluss"
	r"|diese\s+e-?mail|this\s+e-?mail|this\s+message",
	re.IGNORECASE,
)


_ROLE = r"(?:geschäftsführ\w*|gf|managing\s+directors?|directors?|vorstand|vorstände|vorsitz\w*|inhaber(?:in)?|ceo)"


_ROLE_LABEL = re.compile(rf"\b{_ROLE}\s*:", re.IGNORECASE)


_ROLE_LIST = re.compile(rf"{_ROLE}\s+(.+)", re.IGNORECASE)


_BANK = re.compile(
	r"\biban\b|\bbic\b|\bswift\b|bankverbindung|bank\s+details|bank\s+account|\bblz\b|\bkto\b|kontonummer",
	re.IGNORECASE,
)


_ORG_SPLIT = re.compile(r"\s*[|\u2022\u00b7\u2219\u25aa]\s*|\s+[\u2013\u2014-]\s+|\s+/\s+")


_ORG_LABEL = re.compile(r"(?:firma|company|unternehmen|arbeitgeber|employer)\s*:\s*", re.IGNORECASE)


_LEAD_IN = re.compile(
	r"(?:(?:ihr|ihre|euer|eure|your)\s+(?:\S+\s+){0,2}?(?:der|des|von|vom|bei|at|from|of)\s+"
	r"|(?:for\s+and\s+)?on\s+behalf\s+of\s+|im\s+auftrag\s+(?:der|des|von)\s+)",
	re.IGNORECASE,
)


def _is_footer(text: str) -> bool:
	if _FOOTER.search(text) or _ROLE_LABEL.search(text):
		return True
	role = _ROLE_LIST.match(text)  # "Geschäftsführer Max Mustermann" - not the title "Geschäftsführer"
	if role:
		rest = role.group(1)
		return "," in rest or " und " in rest or " & " in rest or _looks_like_name(rest)
	return False


def _org_from_segment(segment: str) -> str | None:
	segment = _ORG_LABEL.sub("", segment, count=1).strip(" ,;:")
	if (
		not segment
		or len(segment) > 100
		or "@" in segment
		or _URL.search(segment)
		or _is_footer(segment)
		or _PHONE.search(segment)
	):
		return None
	at_company = _AT_COMPANY.split(segment)
	if len(at_company) > 1 and _LEGAL.search(at_company[-1]):
		segment = at_company[-1]  # "Head of Purchasing at Acme Ltd."
	lead_in = _LEAD_IN.match(segment)
	if lead_in and _LEGAL.search(segment[lead_in.end() :]):
		segment = segment[lead_in.end() :]
	forms = list(_LEGAL.finditer(segment))
	if not forms or not any(ch.isalpha() for ch in segment[: forms[0].start()]):
		return None  # "GmbH" alone, "AG Charlottenburg": the legal form names no company
	last = forms[-1]
	if _DIGIT.search(segment[last.end() :]):
		segment = segment[: last.end()]  # "Acme GmbH Hauptstr. 5"
	elif segment.endswith(".") and last.end() < len(segment):
		segment = segment[:-1]
	segment = segment.strip(" ,;:")
	if len(segment) > 80 or len(segment.split()) > 10:
		return None
	return segment


def _org_in_line(text: str) -> str | None:
	if _is_prose(text) or _BANK.search(text):
		return None
	for segment in _ORG_SPLIT.split(text):
		parts = [part.strip() for part in segment.split(",")]
		for index, part in enumerate(parts):
			if not _LEGAL.search(part):
				continue
			if index and _LEGAL.fullmatch(part):  # "Acme, Inc."
				part = f"{parts[index - 1]}, {part}"
			found = _org_from_segment(part)
			if found:
				return found
	return None


_SENDER_DOMAIN = re.compile(r"@([\w.-]+)")


def _domain_label(sender_email: str | None) -> str | None:
	"""The second-level label of the sender's domain, folded: "anna@baeckerei-schmidt.de" -> ..."""
	if not sender_email:
		return None
	match = _SENDER_DOMAIN.search(sender_email[:320])
	if not match:
		return None
	labels = [label for label in match.group(1).lower().split(".") if label]
	if len(labels) < 2:
		return None
	label = labels[-3] if len(labels) >= 3 and labels[-2] in _GENERIC_SLDS else labels[-2]
	if label in _FREEMAIL:
		return None
	if label.startswith("xn--"):
		try:
			label = label.encode("ascii").decode("idna")
		except (UnicodeError, ValueError):
			return None
	folded = _fold(label)
	return folded if len(folded) >= 3 else None


def _org_by_domain(text: str, label: str) -> str | None:
	if _is_prose(text) or "@" in text or _URL.search(text) or _PHONE.search(text) or _BANK.search(text):
		return None
	for segment in _ORG_SPLIT.split(text):
		segment = segment.strip(" ,;:")
		if not segment or len(segment) > 60 or _is_footer(segment) or _closing(segment) is not None:
			continue
		tokens = segment.split()
		for index, token in enumerate(tokens):
			capitalised = token[:1].isupper() or token[:1].isdigit()
			if capitalised and _fold(" ".join(tokens[index:])).startswith(label):
				return segment
	return None


# --- phones and websites ---------------------------------------------------------------------------
_NUMBER = r"\+?\(?\d[\d \t/().\-\u2013]{4,40}\d"


_PHONE = re.compile(
	r"(?<![^\s|\u2022\u00b7,;:/(\[])"
	r"(?P<label>telefax|fax|mobiltelefon|mobilfunk|mobile|mobil|handy|cellphone|cell|natel|mob"
	r"|telefon(?:nummer|nr)?|telephone|tel|phone|ph|fon|festnetz|office|direktwahl|direkt|direct|durchwahl"
	r"|zentrale|(?-i:[TPMF]))"
	r"(?![^\W\d_])\.?"
	r"(?:\s?\((?P<note>[^()]{0,20})\))?"
	rf"\s?[:.]?\s?(?P<number>{_NUMBER})",
	re.IGNORECASE,
)


_BARE_NUMBER = re.compile(r"(?:\+|00)[1-9][\d \t/().\-\u2013]{5,30}\d")


def _number(raw: str) -> str | None:
	digits = len(_DIGIT.findall(raw))
	return " ".join(raw.split()) if 6 <= digits <= 20 else None


def _phones(texts: list[str]) -> tuple[str | None, str | None]:
	phone = mobile = bare = None
	for text in texts:
		for match in _PHONE.finditer(text):
			number = _number(match.group("number"))
			label = match.group("label").lower()
			note = (match.group("note") or "").lower()
			if number is None or label in ("fax", "telefax", "f") or "fax" in note:
				continue
			if label in _MOBILE_LABELS or any(word in note for word in ("mobil", "cell", "handy")):
				mobile = mobile or number
			else:
				phone = phone or number
		if bare is None and _BARE_NUMBER.fullmatch(text):
			bare = _number(text)
	return phone or bare or mobile, mobile


_URL = re.compile(r"(?<![\w@.\-/])(?:https?://|www\.)[^\s<>\"'`|,;()\[\]{}]{1,200}", re.IGNORECASE)


_WEB_LABEL = re.compile(
	r"(?<!\w)(?:(?i:web(?:site|seite)?|internet|homepage|url)(?:\s?:\s?|\s)|W\s?:\s?)"
	r"(?P<host>(?i:[a-z0-9\u00e4\u00f6\u00fc](?:[a-z0-9\u00e4\u00f6\u00fc-]{0,62}\.)+[a-z]{2,24}))"
	r"(?![\w@.-])(?P<path>/[^\s<>\"'|,;]{0,150})?"
)


def _host(url: str) -> str:
	rest = url.split("://", 1)[-1]
	return re.split(r"[/?#:]", rest, maxsplit=1)[0].lower()


def _website(texts: list[str], label: str | None) -> str | None:
	found: list[tuple[bool, bool, int, str]] = []
	for index, text in enumerate(texts):
		urls = [match.group(0).rstrip(".:!?'\"") for match in _URL.finditer(text)]
		urls += [match.group("host") + (match.group("path") or "") for match in _WEB_LABEL.finditer(text)]
		for url in urls:
			host = _host(url)
			if (
				"@" in url
				or "." not in host.removeprefix("www.")
				or any(bad in host for bad in _NOT_A_WEBSITE)
			):
				continue
			own = bool(label) and label in _fold(host)
			found.append((not own, _is_prose(text), index, url))
	return min(found)[3] if found else None


# --- the block -------------------------------------------------------------------------------------
def _is_prose(text: str) -> bool:
	"""A sentence rather than a signature line."""
	if len(text) > 120:
		return True
	words = text.split()
	lower = sum(
		1
		for word in words
		if word[:1].islower() and len(word.strip(".,;:!?")) >= 3 and word.casefold() not in _PARTICLES
	)
	if len(words) >= 6 and lower * 5 >= len(words) * 2:
		return True
	return len(words) >= 4 and text[-1:] in ".!?" and lower >= 2
