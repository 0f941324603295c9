"""Limits of the signature reader and the text helpers every part of it uses: cleaning a line,
folding umlauts for comparisons, word sets."""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT_CHARS = 1_000_000


MAX_LINES = 50_000


MAX_LINE_CHARS = 300


WINDOW_LINES = 60


MAX_BLOCK_LINES = 30


NAME_LINES = 8


CLOSING_ABOVE_DELIMITER = 4


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
