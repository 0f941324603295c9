"""Text from a mail or a mail server. Frappe-free.

A mail's headers are stored as the mail's own text (`header_text`: only control characters become
spaces), in the form stock code parses; every surface escapes them where it renders (ours, and
stock's through public/js/server_text.js and the Communication override). Error messages of a
server, kept on the app's own records, are stored inert (`inert_text`): wherever a value could open
a tag, `<` and `>` become entities.
"""

from __future__ import annotations

import html
import re

# an HTML tokenizer opens a tag (or comment, doctype, processing instruction) only at these
TAG_OPENING = re.compile(r"<[A-Za-z!/?]")


def header_text(value: str | None) -> str | None:
	"""A header value as the text it is, without control characters (a terminal or a CSV reader
	would act on them)."""
	if not value:
		return value
	return "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in value)


def inert_text(value: str | None) -> str | None:
	"""A server's message as text that no HTML surface can turn into markup."""
	if not value:
		return value
	value = header_text(value)
	if TAG_OPENING.search(value):
		return value.replace("<", "&lt;").replace(">", "&gt;")
	return value


def as_text(value: str | None) -> str:
	"""A stored inert server message as the plain text it stands for."""
	return html.unescape(value or "")
