"""What of a mail reaches the desk, and in what form.

Header values are stored inert (infra/text.py); attachment names are safe file names.

Mail HTML goes through one pass of an allowlist sanitizer (nh3, ammonia's HTML5 parser in Rust: the
tags, attributes and CSS properties of Frappe's mail sanitizer, and a few more harmless ones such as
span, blockquote and alt): no script, event handlers, javascript: URLs, SVG, iframes, forms or
meta refresh. In the same pass, per attribute: style values that could still load or run something
(expression(), url(), behavior) are dropped, `cid:` images point at the mail's own attachment files
(only a valid Content-ID, only in an img's src), links open outside the desk, and remote images are
held back until the reader asks (as often tracking beacons as pictures): their URL moves to
data-mail-archive-src and the form offers to load them.
"""

from __future__ import annotations

import html
import re
import secrets
import unicodedata
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


def safe_mail_html(source: str, cid_urls: dict[str, str] | None = None) -> str:
	"""Sanitized mail HTML; `cid_urls` maps valid Content-IDs to the URLs of the stored parts."""
	cid_urls = {cid.lower(): url for cid, url in (cid_urls or {}).items()}
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
				return cid_urls.get(content_id.lower()) if content_id else None  # else: nothing to load
			if src.lower().startswith(("http:", "https:", "//")):
				remote.append(src)
				return f"{placeholder}{len(remote) - 1}"
			return src if src.lower().startswith("data:image/") else None
		return value

	cleaned = nh3.clean(
		source,
		tags=TAGS,
		attributes=ATTRIBUTES,
		attribute_filter=attribute,
		url_schemes=URL_SCHEMES,
		filter_style_properties=STYLE_PROPERTIES,
		link_rel="noopener noreferrer",
		set_tag_attribute_values={"a": {"target": "_blank"}},
		strip_comments=True,
	)
	if not remote:
		return cleaned
	return re.sub(
		rf'src="{re.escape(placeholder)}(\d+)"',
		lambda match: f'{REMOTE_SRC_ATTRIBUTE}="{html.escape(remote[int(match.group(1))])}"',
		cleaned,
	)
