"""What of a mail's HTML reaches the desk: Frappe's mail sanitizer (a tag and attribute allowlist:
no script, event handlers, javascript: URLs, SVG, iframes, forms or meta refresh; CSS properties
allowlisted), then two more steps: style values that could still load or run something
(expression(), url(), behavior) are dropped, and remote images are held back until the reader
asks (as often tracking beacons as pictures): their URL moves to data-mail-archive-src and the
form offers to load them."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from frappe.utils.html_utils import clean_email_html

REMOTE_SRC_ATTRIBUTE = "data-mail-archive-src"
ACTIVE_CSS = re.compile(r"expression\s*\(|url\s*\(|behavior\s*:|-moz-binding|@import", re.IGNORECASE)


def safe_mail_html(html: str) -> str:
	cleaned = clean_email_html(html)
	if "<img" not in cleaned and "style=" not in cleaned:
		return cleaned
	soup = BeautifulSoup(cleaned, "html.parser")
	changed = False
	for element in soup.find_all(style=True):
		if ACTIVE_CSS.search(element["style"]):
			del element["style"]
			changed = True
	for image in soup.find_all("img"):
		src = (image.get("src") or "").strip()
		if src.lower().startswith(("http:", "https:", "//")):
			image[REMOTE_SRC_ATTRIBUTE] = src
			del image["src"]
			image["alt"] = "⊘"
			changed = True
	return str(soup) if changed else cleaned
