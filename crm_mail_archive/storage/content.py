"""What of a mail reaches the desk, and in what form.

Header values are stored inert (infra/text.py); attachment names are safe file names.

Mail HTML goes through Frappe's mail sanitizer (a tag and attribute allowlist: no script, event
handlers, javascript: URLs, SVG, iframes, forms or meta refresh; CSS properties allowlisted), then,
in the parsed tree: style values that could still load or run something (expression(), url(),
behavior) are dropped, `cid:` images are pointed at the mail's own attachment files (only a valid
Content-ID, only in an img's src), and remote images are held back until the reader asks (as often
tracking beacons as pictures): their URL moves to data-mail-archive-src and the form offers to load
them.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from bs4 import BeautifulSoup
from frappe.utils.html_utils import clean_email_html

from crm_mail_archive.mailbox.body import fit_file_name

REMOTE_SRC_ATTRIBUTE = "data-mail-archive-src"
ACTIVE_CSS = re.compile(r"expression\s*\(|url\s*\(|behavior\s*:|-moz-binding|@import", re.IGNORECASE)
# RFC 5322 msg-id characters without quotes, brackets, spaces or backslashes
CONTENT_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@]{1,250}$")
# not in a file name on any system we serve files to, nor in HTML
UNSAFE_FILE_NAME_CHARACTERS = re.compile(r'[<>:"/\\|?*&\'`]')


def safe_file_name(name: str | None, fallback: str = "attachment") -> str:
	"""An attachment's name as shown and offered for download: printable, no path, no markup."""
	name = unicodedata.normalize("NFC", name or "")
	name = "".join(ch if ch.isprintable() else " " for ch in name)
	name = " ".join(UNSAFE_FILE_NAME_CHARACTERS.sub("_", name).split()).strip(" .")
	return fit_file_name(name) or fallback


def valid_content_id(value: str | None) -> str | None:
	"""A Content-ID usable as a key, or None (a hostile or broken one is ignored)."""
	if not value:
		return None
	value = value.strip().strip("<>")
	return value if CONTENT_ID.match(value) else None


def safe_mail_html(html: str, cid_urls: dict[str, str] | None = None) -> str:
	"""Sanitized mail HTML; `cid_urls` maps valid Content-IDs to the URLs of the stored parts."""
	cleaned = clean_email_html(html)
	if not any(needle in cleaned for needle in ("<img", "style=", "<a ", "id=")):
		return cleaned
	soup = BeautifulSoup(cleaned, "html.parser")
	for element in soup.find_all(style=True):
		if ACTIVE_CSS.search(element["style"]):
			del element["style"]
	for element in soup.find_all(id=True):
		del element["id"]  # a mail's ids must not clobber the desk's globals or anchors
	for link in soup.find_all("a", href=True):
		# a link in a mail never replaces the desk it is read in
		link["target"] = "_blank"
		link["rel"] = "noopener noreferrer"
	cid_urls = {cid.lower(): url for cid, url in (cid_urls or {}).items()}
	for image in soup.find_all("img"):
		src = (image.get("src") or "").strip()
		if src.lower().startswith("cid:"):
			content_id = valid_content_id(unquote(src[4:]))
			url = cid_urls.get(content_id.lower()) if content_id else None
			if url:
				image["src"] = url
			else:
				del image["src"]  # a part this mail does not have: nothing to load
		elif src.lower().startswith(("http:", "https:", "//")):
			image[REMOTE_SRC_ATTRIBUTE] = src
			del image["src"]
			image["alt"] = "⊘"
	return str(soup)
