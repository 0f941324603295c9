"""What of a mail reaches the desk, and in what form.

Header values are stored inert (infra/text.py); attachment names are safe file names.

Mail HTML goes through one pass of an allowlist sanitizer (nh3, ammonia's HTML5 parser in Rust: the
tags, attributes and CSS properties of Frappe's mail sanitizer, and a few more harmless ones such as
span, blockquote and alt): no script, event handlers, javascript: URLs, SVG, iframes, forms or
meta refresh. In the same pass, per attribute: style values that could still load or run something
(expression(), url(), behavior) are dropped, `cid:` images stay only where they name an attachment
of the mail by a valid Content-ID (only in an img's src), links open outside the desk, and remote
images are held back until the reader asks (as often tracking beacons as pictures): their URL moves
to data-mail-archive-src and the form offers to load them.

The stored HTML keeps `cid:` as the mail wrote it; when the mail is shown, `shown_html` points each
at the app's URL for that attachment (read rule, typed by its bytes), in a second pass of the same
sanitizer, never by replacing text in HTML. No stored HTML names a file of the archive.
"""

from __future__ import annotations

import html
import re
import secrets
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote

import nh3

from crm_mail_archive.mailbox.body import fit_file_name

REMOTE_SRC_ATTRIBUTE = "data-mail-archive-src"
ACTIVE_CSS = re.compile(r"expression\s*\(|url\s*\(|behavior\s*:|-moz-binding|@import", re.IGNORECASE)
# RFC 5322 msg-id characters without quotes, brackets, spaces or backslashes
CONTENT_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@]{1,250}$")
# not in a file name on any system we serve files to, nor in HTML
UNSAFE_FILE_NAME_CHARACTERS = re.compile(r'[<>:"/\\|?*&\'`]')

# Frappe's clean_email_html allowlist, and a few harmless tags and attributes mail is written with
TAGS = {"div", "p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "a", "table", "thead"}
TAGS |= {"tbody", "tfoot", "td", "tr", "th", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "img"}
TAGS |= {"span", "blockquote", "hr", "small", "sub", "sup", "caption", "s", "del", "ins", "center"}
ATTRIBUTES = {
	"*": {"style", "align", "title"},
	"a": {"href"},
	"img": {"src", "alt", "width", "height", "border"},
}
ATTRIBUTES |= {
	"table": {"border", "width", "cellpadding", "cellspacing"},
	"td": {"colspan", "rowspan", "width", "valign"},
	"th": {"colspan", "rowspan", "width", "valign"},
}
STYLE_PROPERTIES = {"color", "border-color", "width", "height", "max-width", "background-color"}
STYLE_PROPERTIES |= {"border-collapse", "border-radius", "border", "border-top", "border-bottom"}
STYLE_PROPERTIES |= {"border-left", "border-right", "margin", "margin-top", "margin-bottom", "margin-left"}
STYLE_PROPERTIES |= {"margin-right", "padding", "padding-top", "padding-bottom", "padding-left"}
STYLE_PROPERTIES |= {"padding-right", "font-size", "font-weight", "font-family", "text-decoration"}
STYLE_PROPERTIES |= {"line-height", "text-align", "vertical-align", "display", "font-style"}
URL_SCHEMES = {"http", "https", "mailto", "cid", "data"}


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


def safe_mail_html(source: str, content_ids: set[str] | None = None) -> str:
	"""Sanitized mail HTML; `content_ids` are the valid Content-IDs of the mail's saved parts."""
	known = {content_id.lower() for content_id in content_ids or ()}
	remote: list[str] = []
	# a remote image's src becomes this placeholder in the pass, and its own attribute after it;
	# the random part keeps a mail from forging it
	placeholder = f"cid:mail-archive-remote-{secrets.token_hex(8)}-"

	def attribute(tag: str, name: str, value: str) -> str | None:
		if name == "style":
			return None if ACTIVE_CSS.search(value) else value
		if name == "href":
			return None if value.strip().lower().startswith("data:") else value
		if tag == "img" and name == "src":
			src = value.strip()
			if src.lower().startswith("cid:"):
				content_id = valid_content_id(unquote(src[4:]))
				# else: nothing to load
				return f"cid:{content_id}" if content_id and content_id.lower() in known else None
			if src.lower().startswith(("http:", "https:", "//")):
				remote.append(src)
				return f"{placeholder}{len(remote) - 1}"
			return src if src.lower().startswith("data:image/") else None
		return value

	cleaned = _clean(source, ATTRIBUTES, attribute)
	if not remote:
		return cleaned
	return re.sub(
		rf'src="{re.escape(placeholder)}(\d+)"',
		lambda match: f'{REMOTE_SRC_ATTRIBUTE}="{html.escape(remote[int(match.group(1))])}"',
		cleaned,
	)


def shown_html(stored: str, urls_by_content_id: dict[str, str]) -> str:
	"""The stored (sanitized) HTML as the desk shows it: each `cid:` image at the URL of its
	attachment."""
	if "cid:" not in stored:
		return stored
	urls = {content_id.lower(): url for content_id, url in urls_by_content_id.items()}

	def src(value: str) -> str | None:
		if not value.lower().startswith("cid:"):
			return value
		content_id = valid_content_id(unquote(value[4:]))
		return urls.get(content_id.lower()) if content_id else None

	return repointed_images(stored, src)


def repointed_images(stored: str, new_src: Callable[[str], str | None]) -> str:
	"""The stored (sanitized) HTML with each image's src as `new_src(src)` says (None: none), in a
	second pass of the same allowlist, so that nothing but those values changes."""

	def attribute(tag: str, name: str, value: str) -> str | None:
		return new_src(value) if tag == "img" and name == "src" else value

	return _clean(stored, STORED_ATTRIBUTES, attribute)


# what the first pass and storing added: remote images held back, the notes of the limits
STORED_ATTRIBUTES = {**ATTRIBUTES, "img": ATTRIBUTES["img"] | {REMOTE_SRC_ATTRIBUTE}, "p": {"class"}}


def _clean(source: str, attributes: dict, attribute_filter: Callable) -> str:
	"""One pass of the allowlist sanitizer (nh3)."""
	return nh3.clean(
		source,
		tags=TAGS,
		attributes=attributes,
		attribute_filter=attribute_filter,
		url_schemes=URL_SCHEMES,
		filter_style_properties=STYLE_PROPERTIES,
		link_rel="noopener noreferrer",
		set_tag_attribute_values={"a": {"target": "_blank"}},
		strip_comments=True,
	)


# what the desk may show of an attachment, by its first bytes (never by its name or declared type):
# raster images and PDFs; everything else is downloaded
VIEWABLE_SIGNATURES = (
	(b"\x89PNG\r\n\x1a\n", "image/png"),
	(b"\xff\xd8\xff", "image/jpeg"),
	(b"GIF87a", "image/gif"),
	(b"GIF89a", "image/gif"),
	(b"%PDF-", "application/pdf"),
)


def viewable_type(content: bytes) -> str | None:
	"""The type the desk may show these bytes as, or None (download only)."""
	for signature, content_type in VIEWABLE_SIGNATURES:
		if content.startswith(signature):
			return content_type
	if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
		return "image/webp"
	return None
