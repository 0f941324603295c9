"""Text from a mail or a mail server, made inert for every HTML surface. Frappe-free.

Stock Frappe renders a Communication's subject and sender name as HTML on the form timeline and in
read-only fields, so what we store must be inert there: wherever a value could open a tag, `<` and
`>` are stored as entities (stricter than stock's sanitizer, which keeps "harmless" tags). The exact
header stays in the raw message.
"""

from __future__ import annotations

import html
import re

# an HTML tokenizer opens a tag (or comment, doctype, processing instruction) only at these
TAG_OPENING = re.compile(r"<[A-Za-z!/?]")


def inert_text(value: str | None) -> str | None:
	"""A header value as text that no HTML surface can turn into markup."""
	if not value:
		return value
	value = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in value)
	if TAG_OPENING.search(value):
		return value.replace("<", "&lt;").replace(">", "&gt;")
	return value


def as_text(value: str | None) -> str:
	"""A stored (inert) mail value as the plain text it stands for."""
	return html.unescape(value or "")
