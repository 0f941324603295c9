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

import io
import itertools
import re
import unicodedata
from dataclasses import dataclass

MAX_TEXT_CHARS = 1_000_000
MAX_LINES = 50_000
MAX_LINE_CHARS = 300
WINDOW_LINES = 60
MAX_BLOCK_LINES = 30
NAME_LINES = 8
CLOSING_ABOVE_DELIMITER = 4


@dataclass(frozen=True)
class Signature:
	name: str | None = None
	organisation: str | None = None
	phone: str | None = None
	mobile: str | None = None
	website: str | None = None
	job_title: str | None = None


# --- text helpers --------------------------------------------------------------------------------

_CONTROL = re.compile(
	"[\x00-\x08\x0e-\x1b\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
	"\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
_SPACE_LIKE = re.compile("[\t\x0b\x0c\x1c-\x1f\u2028\u2029]")
_DIGIT = re.compile(r"\d")
_FOLD_TABLE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe"})


def _clean(line: str) -> str:
	"""One line without control characters, whitespace collapsed, html2text emphasis stripped."""
	line = _SPACE_LIKE.sub(" ", _CONTROL.sub("", line))
	return " ".join(line.split()).strip("*_ ")


def _fold(value: str) -> str:
	"""Letters and digits only, lower case, umlauts spelt out: "Müller & Söhne" -> "muellersoehne"."""
	value = unicodedata.normalize("NFC", value).casefold().translate(_FOLD_TABLE)
	value = unicodedata.normalize("NFKD", value)
	return "".join(ch for ch in value if ch.isalnum() and not unicodedata.combining(ch))


def _words(values: str) -> frozenset[str]:
	return frozenset(_fold(word) for word in values.split())


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
_ATTRIBUTION_WORDS = ("wrote", "schrieb", "crit", "escribi", "scritto", "schreef")
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


# --- closing phrases -------------------------------------------------------------------------------

_GRUSS = r"gr(?:ü|ue|u)(?:ß|ss)(?:e|en)?"
_PHRASE = (
	r"(?:"
	rf"(?:mit\s+)?(?:(?:ganz\s+)?(?:freundlich|best|herzlich|lieb|viel|sch(?:ö|oe)n|sonnig|kollegial|nett"
	rf"|froh|sommerlich|winterlich|hanseatisch)(?:e|en|em|er|es)?\s+)?{_GRUSS}"
	r"|freundlichst|hochachtungsvoll|servus|tsch(?:ü|ue)ss?|ciao|bis\s+(?:bald|dann|sp(?:ä|ae)ter|morgen)"
	r"|(?:vielen|besten|herzlichen|lieben)\s+(?:lieben\s+)?dank(?:\s+im\s+voraus)?"
	r"|dankesch(?:ö|oe)n|danke(?:\s+(?:sch(?:ö|oe)n|sehr|dir|euch|ihnen|im\s+voraus))?|merci"
	r"|mfg|lg|vg|bg|fg"
	r"|(?:(?:with\s+)?(?:best|kind|kindest|warm|warmest|many|sincere|personal)\s+)?regards|rgds|br|kr"
	r"|best(?:\s+wishes)?|all\s+the\s+best|cheers|(?:best\s+)?greetings"
	r"|many\s+thanks|thanks?(?:\s+you)?(?:\s+(?:again|a\s+lot|so\s+much|very\s+much|in\s+advance))?|thx"
	r"|(?:yours\s+)?sincerely(?:\s+yours)?|yours\s+(?:faithfully|truly)|respectfully"
	r"|take\s+care|talk\s+soon|speak\s+soon"
	r")"
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


# --- names and job titles --------------------------------------------------------------------------

_PARTICLES = frozenset(
	"von van de der den del della di da du la le zu zur vom ten ter y bin al el dos das do".split()
)
_TITLE_TOKEN = re.compile(
	r"(?:dr|prof|dipl|mag|dott)(?:[.\-]|$)\S*|(?:ing|med|rer|nat|phil|jur|habil|ir)\.\S*"
	r"|mba|msc|bsc|llm|ll\.m\.?|m\.\s?sc\.|b\.\s?sc\.|m\.a\.|b\.a\.|ph\.?d\.?",
	re.IGNORECASE,
)
_SALUTATION_TOKEN = re.compile(r"(?:herr|frau|mr|mrs|ms|sir)\.?", re.IGNORECASE)
_SIGNING_FOR = re.compile(r"(?:i\.\s?a\.|i\.\s?v\.|ppa\.|pp\.|p\.p\.|per\s+pro\.?)\s*", re.IGNORECASE)
_STOPWORDS = frozenset(
	_fold(word)
	for word in """
	hallo hi hello hey dear liebe lieber sehr geehrte geehrter geehrtes guten tag morgen abend moin servus
	mit freundlichen freundliche freundlichem besten viele vielen herzliche herzlichen lieben grüße grüßen
	gruß regards wishes thanks thank danke dank cheers sincerely yours faithfully mfg greetings
	sent gesendet outlook iphone ipad android samsung galaxy mobile mobil download get app
	tel telefon phone fax mail e-mail email web website internet homepage adresse address anschrift
	postfach kontakt contact
	germany deutschland österreich schweiz austria switzerland united kingdom states usa uk europe europa
	straße strasse str platz weg allee gasse damm ufer street road avenue building floor etage gebäude
	zentrale headquarters niederlassung filiale standort campus
	confidential vertraulich hinweis disclaimer datenschutz privacy notice please bitte diese dieser this
	note termin meeting kalender calendar wochenende woche weekend schönes schöne schönen frohe frohes
	happy merry weihnachten christmas ostern easter neue neues news newsletter messe booth follow folgen
	besuchen visit uns sie ihr ihre unser unsere our your the der die das
	consulting solutions services systems software group gruppe holding partners technologies technology
	tech media digital design studio agentur agency bäckerei metzgerei apotheke praxis kanzlei autohaus
	hotel restaurant werkstatt handel immobilien versicherung versicherungen bank sparkasse stadtwerke
	verlag druckerei elektro sanitär heizung maschinenbau industries industrie international global labs
	ventures capital energy energie foods networks sports shop store online firma company unternehmen
	department kundenservice
	""".split()
)
_JOB_STEMS = (
	"leiter",
	"leitung",
	"manager",
	"geschäftsführ",
	"führung",
	"berater",
	"beratung",
	"referent",
	"assisten",
	"assistant",
	"sachbearbeit",
	"bearbeiter",
	"mitarbeiter",
	"ingenieur",
	"engineer",
	"techniker",
	"technician",
	"spezialist",
	"specialist",
	"beauftragt",
	"vertrieb",
	"einkauf",
	"einkäuf",
	"verkauf",
	"verkäuf",
	"buchhalt",
	"abteilung",
	"entwickl",
	"developer",
	"disponent",
	"disposition",
	"koordinat",
	"coordinator",
	"direktor",
	"director",
	"vorstand",
	"vorständ",
	"inhaber",
	"gründer",
	"founder",
	"gesellschafter",
	"prokurist",
	"betreu",
	"service",
	"support",
	"sekretär",
	"secretary",
	"officer",
	"consultant",
	"representative",
	"executive",
	"analyst",
	"administrat",
	"accountant",
	"controll",
	"architekt",
	"architect",
	"marketing",
	"purchas",
	"procurement",
	"logisti",
	"kundendienst",
	"aussendienst",
	"innendienst",
	"projekt",
	"project",
	"produkt",
	"product",
	"recruit",
	"personalabteilung",
	"vertreter",
	"kauffrau",
	"kaufmännisch",
	"auszubild",
	"praktikant",
	"werkstudent",
	"redakteur",
	"redaktion",
	"journalist",
	"verantwortlich",
)
_JOB_WORDS = frozenset(
	"""head chief lead senior junior vice president präsident vp svp evp ceo cfo cto coo cmo cio cso cpo
	owner partner managing general team teamlead office customer key hr it legal counsel operations
	intern trainee buyer seller sales quality qualität qm qa chairman chairwoman chair board associate
	principal staff agent advisor adviser editor professor professorin finance finanzen accounting
	accounts geschäftsleitung""".split()
)
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


# --- organisation ----------------------------------------------------------------------------------

_LEGAL_FORMS = (
	r"(?:GmbH|AG|SE)\s?&\s?Co\.?\s?(?:KGaA|KG|OHG)",
	r"UG\s?\(haftungsbeschränkt\)(?:\s?&\s?Co\.?\s?KG)?",
	r"gGmbH",
	r"(?i:gmbh)",
	r"GesmbH",
	r"mbH",
	r"KGaA",
	r"AG",
	r"KG",
	r"OHG",
	r"oHG",
	r"UG",
	r"e\.\s?(?:K|Kfm|Kfr|V|G)\.",
	r"eG",
	r"GbR",
	r"PartG(?:\s?mbB)?",
	r"PartGmbB",
	r"SE",
	r"(?:Pty|Pte|Co\.,?)\s?(?i:ltd)\.?",
	r"(?i:ltd)\.?",
	r"(?i:limited)",
	r"(?i:inc)\.?",
	r"(?i:llc)",
	r"L\.L\.C\.",
	r"LLP",
	r"(?i:plc)",
	r"(?i:corp)\.?",
	r"Corporation",
	r"&\s?(?:Co|Cie)\.?",
	r"S\.A\.S\.",
	r"S\.A\.",
	r"SA",
	r"SAS",
	r"S\.L\.(?:U\.)?",
	r"B\.V\.",
	r"BV",
	r"N\.V\.",
	r"NV",
	r"S\.r\.l\.",
	r"S\.R\.L\.",
	r"Srl",
	r"S\.p\.A\.",
	r"SpA",
	r"Sp\.\s?z\s?o\.\s?o\.",
	r"A/S",
	r"ApS",
	r"AB",
	r"Oyj?",
	r"SARL",
	r"S\.\u00e0\s?r\.l\.",
	r"s\.r\.o\.",
	r"a\.s\.",
	r"Kft\.",
	r"Zrt\.",
	r"d\.o\.o\.",
	r"K\.K\.",
)
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


_GENERIC_SLDS = frozenset("co com org net ac gov edu or ne gv ltd plc gob nic".split())
_FREEMAIL = frozenset(
	"""gmail googlemail gmx web t-online outlook hotmail live msn yahoo icloud me mac aol posteo
	mailbox protonmail proton freenet arcor vodafone online email mail yandex zoho""".split()
)
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
_MOBILE_LABELS = frozenset("mobiltelefon mobilfunk mobile mobil handy cellphone cell natel mob m".split())


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
_NOT_A_WEBSITE = (
	"linkedin.",
	"xing.",
	"facebook.",
	"fb.",
	"twitter.",
	"x.com",
	"instagram.",
	"youtube.",
	"youtu.be",
	"tiktok.",
	"t.me",
	"wa.me",
	"whatsapp.",
	"aka.ms",
	"maps.",
	"goo.gl",
	"bit.ly",
	"calendly.",
	"teams.microsoft",
	"zoom.us",
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


def _has_signal(texts: list[str]) -> bool:
	return any(
		_PHONE.search(text) or _URL.search(text) or "@" in text or _org_in_line(text) for text in texts
	)


def _block(window: list[tuple[str, bool]]) -> tuple[list[str], str]:
	"""The signature block's lines, and a name written on the closing line ("" if none)."""
	texts = [_clean(line) for line, _quoted in window]
	quoted = [is_quoted for _line, is_quoted in window]
	delimiter = next(
		(
			index
			for index in range(len(window) - 1, -1, -1)
			if not quoted[index] and _CONTROL.sub("", window[index][0]).rstrip() == "--"
		),
		None,
	)

	def followed_by_text(index: int) -> bool:
		for following in range(index + 1, len(texts)):
			if quoted[following]:
				return False
			if texts[following]:
				return True
		return False

	# the last closing phrase with something below it ("Thank you." ending a disclaimer has not)
	closing = tail = None
	for index in range(len(window) - 1, -1, -1):
		found = _closing(texts[index]) if texts[index] and not quoted[index] else None
		if found is None:
			continue
		if closing is None or found or followed_by_text(index):
			closing, tail = index, found
		if found or followed_by_text(index):
			break
	if closing is not None and (
		delimiter is None
		or closing > delimiter
		or sum(1 for text in texts[closing + 1 : delimiter] if text) <= CLOSING_ABOVE_DELIMITER
	):
		start = closing
	elif delimiter is not None:
		start, tail = delimiter, ""
	else:
		end = len(texts)
		start = end
		while start > 0 and end - start < MAX_BLOCK_LINES:
			if quoted[start - 1] or _is_prose(texts[start - 1]):
				break
			start -= 1
		block = texts[start:end]
		return (block, "") if _has_signal(block) else ([], "")
	block = []
	for index in range(start + 1, min(len(texts), start + 1 + MAX_BLOCK_LINES)):
		if quoted[index]:
			break
		block.append(texts[index])
	return block, tail or ""


def _footer_start(block: list[str]) -> int:
	return next((index for index, text in enumerate(block) if text and _is_footer(text)), len(block))


def _skip_for_org(block: list[str]) -> set[int]:
	"""Lines under a footer label without value ("Bankverbindung:", "Geschäftsführer:")."""
	skipped = set()
	for index, text in enumerate(block):
		if text.endswith(":") and (_is_footer(text) or _BANK.search(text)):
			following = next((n for n in range(index + 1, len(block)) if block[n]), None)
			if following is not None:
				skipped.add(following)
	return skipped


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
