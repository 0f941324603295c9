"""An Outlook item's RTF body as HTML or text. Frappe-free.

Outlook keeps a mail written in HTML inside RTF (`\\fromhtml1`): RTFDE takes the HTML out. Other
RTF (text kept as RTF, `\\fromtext`, or a mail written in Outlook's RTF editor) becomes its plain
text here (RTFDE's parser takes a tenth of a second for what this does in a millisecond): groups that show nothing (font and colour tables, pictures, `\\*`
destinations) are left out, paragraphs and tabs kept, `\\'hh` and `\\uN` characters decoded."""

from __future__ import annotations

import re

from crm_mail_archive.mailbox.pst_props import codepage_name

MAX_RTF = 20 * 1024 * 1024  # an RTF body larger than this is read as text only
HIDDEN_GROUPS = {
	b"fonttbl",
	b"colortbl",
	b"stylesheet",
	b"info",
	b"pict",
	b"object",
	b"header",
	b"footer",
	b"listtable",
	b"listoverridetable",
	b"themedata",
	b"datastore",
	b"latentstyles",
	b"xmlnstbl",
	b"rsidtbl",
	b"generator",
	b"mmathPr",
}
BREAKS = {
	b"par": "\n",
	b"line": "\n",
	b"tab": "\t",
	b"emdash": "\u2014",
	b"endash": "\u2013",
	b"cell": "\t",
	b"row": "\n",
}
TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.S)


def rtf_bodies(rtf: bytes) -> tuple[str | None, str | None]:
	"""(html, text) of an RTF body: the encapsulated HTML, else its text."""
	if is_encapsulated_html(rtf) and len(rtf) <= MAX_RTF:
		try:
			unwrapped = _unwrapper()(rtf)
			unwrapped.deencapsulate()
			if unwrapped.content_type == "html" and unwrapped.html is not None:
				html = unwrapped.html
				return (html.decode("utf-8", "replace") if isinstance(html, bytes) else html), None
		except Exception:  # damaged or hostile RTF: its text is what is left of it
			pass
	return None, rtf_text(rtf)


_UNWRAPPER = None


def _unwrapper():
	"""RTFDE's de-encapsulator, with one grammar parser for all mails (RTFDE builds its Lark
	parser for each one, most of a second; the LALR parser keeps no state between parses)."""
	global _UNWRAPPER
	if _UNWRAPPER is None:
		import RTFDE
		from lark import Lark

		class Unwrapper(RTFDE.DeEncapsulator):
			parser_for_all = None

			def parse_rtf(self, rtf):
				if Unwrapper.parser_for_all is None:
					Unwrapper.parser_for_all = Lark(
						self.grammar,
						parser="lalr",
						keep_all_tokens=True,
						use_bytes=True,
						propagate_positions=True,
					)
				self.parser = Unwrapper.parser_for_all
				self.full_tree = self.parser.parse(rtf)

		_UNWRAPPER = Unwrapper
	return _UNWRAPPER


def is_encapsulated_html(rtf: bytes) -> bool:
	return b"\\fromhtml" in rtf[:4096]


def rtf_text(rtf: bytes) -> str:
	match = re.search(rb"\\ansicpg(\d+)", rtf[:4096])
	codepage = codepage_name(int(match.group(1)) if match else 1252)
	out: list[str] = []
	pending = bytearray()  # \'hh bytes, decoded together (a multi-byte code page)
	depth = 0
	hidden_from: int | None = None  # the depth at which a hidden group started
	skip_next = 0  # characters after \uN that stand in for it
	star = False

	def flush() -> None:
		if pending:
			out.append(bytes(pending).decode(codepage, "replace"))
			pending.clear()

	for match in TOKEN.finditer(rtf):
		word, number, hexa, symbol, brace, text = match.groups()
		if brace:
			flush()
			if brace == b"{":
				depth += 1
			else:
				if hidden_from is not None and depth <= hidden_from:
					hidden_from = None
				depth -= 1
			star = False
			continue
		hidden = hidden_from is not None
		if word is not None:
			if (star or word in HIDDEN_GROUPS) and not hidden:
				hidden_from = depth
			elif not hidden and word == b"u" and number:
				flush()
				out.append(chr(int(number) % 65536))
				skip_next = 1
			elif not hidden and word in BREAKS:
				flush()
				out.append(BREAKS[word])
			star = False
			continue
		if symbol is not None:
			if symbol == b"*":
				star = True
			elif not hidden and symbol in (b"\\", b"{", b"}"):
				flush()
				out.append(symbol.decode())
			elif not hidden and symbol == b"~":
				out.append("\u00a0")
			continue
		if hidden:
			continue
		if hexa is not None:
			if skip_next:
				skip_next -= 1
				continue
			pending.append(int(hexa, 16))
		elif text is not None:
			flush()
			chunk = text.decode(codepage, "replace")
			if skip_next:
				chunk, skip_next = chunk[skip_next:], 0
			out.append(chunk)
	flush()
	return re.sub(r"\n{3,}", "\n\n", "".join(out).replace("\x00", "")).strip() + "\n"
