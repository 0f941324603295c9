"""The words of an attachment, for the search index. Frappe-free.

Attachments are hostile input like the rest of a mail: each file is read with a size cap, its text
is capped, and the caller runs the reading in a process of its own with a time limit (a crafted
PDF can keep a parser busy for minutes). PDF with pypdf, XLSX with openpyxl, DOCX and ODT as the
XML inside their ZIP (standard library), text and HTML decoded; anything else has no words here.
"""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 500_000
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a ZIP member larger than this is not read (zip bombs)


class ExtractionFailed(Exception):
	"""The file is of a kind we read, but its words could not be read (the reason is the text)."""


def extension(filename: str) -> str:
	return filename.rpartition(".")[2].lower() if "." in filename else ""


READABLE = {"pdf", "docx", "xlsx", "odt", "ods", "txt", "csv", "htm", "html"}


def attachment_text(filename: str, content: bytes) -> str | None:
	"""The words of the file, or None for a kind of file that has none we read."""
	kind = extension(filename)
	if kind not in READABLE:
		return None
	if len(content) > MAX_FILE_BYTES:
		raise ExtractionFailed(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
	try:
		if kind == "pdf":
			text = _pdf(content)
		elif kind == "docx":
			text = _zipped_xml(content, "word/document.xml", paragraph="p")
		elif kind in ("odt", "ods"):
			text = _zipped_xml(content, "content.xml", paragraph="p")
		elif kind == "xlsx":
			text = _xlsx(content)
		elif kind in ("htm", "html"):
			text = _html(_decoded(content))
		else:
			text = _decoded(content)
	except ExtractionFailed:
		raise
	except Exception as error:  # any parser's error on a broken or hostile file
		raise ExtractionFailed(f"{type(error).__name__}: {str(error)[:200]}") from error
	return " ".join(text[:MAX_TEXT_CHARS].split())


def words_or_reason(filename: str, content: bytes) -> tuple[str | None, str | None]:
	"""(the words, or why there are none): what the reading process sends back (this module is
	all it imports, not Frappe)."""
	try:
		return attachment_text(filename, content), None
	except ExtractionFailed as error:
		return None, str(error)


def serve_words(connection) -> None:
	"""The reading process: (filename, content) in, words_or_reason out, until the pipe closes."""
	while True:
		try:
			filename, content = connection.recv()
		except EOFError:
			return
		connection.send(words_or_reason(filename, content))


def _pdf(content: bytes) -> str:
	from pypdf import PdfReader

	reader = PdfReader(io.BytesIO(content))
	if reader.is_encrypted:
		raise ExtractionFailed("encrypted PDF")
	parts: list[str] = []
	size = 0
	for page in reader.pages:
		text = page.extract_text() or ""
		parts.append(text)
		size += len(text)
		if size >= MAX_TEXT_CHARS:
			break
	return "\n".join(parts)


def _zipped_xml(content: bytes, member: str, paragraph: str) -> str:
	"""The text of each paragraph element of an OOXML or ODF document, in document order."""
	with zipfile.ZipFile(io.BytesIO(content)) as archive:
		info = archive.getinfo(member)
		if info.file_size > MAX_UNZIPPED_BYTES:
			raise ExtractionFailed(f"{member} unpacks to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB")
		# expat (3.11) refuses entity expansion bombs, and ElementTree loads no external entities
		root = ElementTree.fromstring(archive.read(info))
	parts: list[str] = []
	size = 0
	for element in root.iter():
		if element.tag.rpartition("}")[2] == paragraph:
			text = "".join(element.itertext())
			parts.append(text)
			size += len(text)
			if size >= MAX_TEXT_CHARS:
				break
	return "\n".join(parts)


def _xlsx(content: bytes) -> str:
	from openpyxl import load_workbook

	with zipfile.ZipFile(io.BytesIO(content)) as archive:
		if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
			raise ExtractionFailed(f"unpacks to more than {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB")
	workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
	parts: list[str] = []
	size = 0
	try:
		for sheet in workbook.worksheets:
			parts.append(sheet.title)
			for row in sheet.iter_rows(values_only=True):
				for value in row:
					if value is not None:
						text = str(value)
						parts.append(text)
						size += len(text)
				if size >= MAX_TEXT_CHARS:
					return " ".join(parts)
	finally:
		workbook.close()
	return " ".join(parts)


def _decoded(content: bytes) -> str:
	try:
		return content.decode("utf-8")
	except UnicodeDecodeError:
		return content.decode("cp1252", errors="replace")


class _HtmlWords(HTMLParser):
	def __init__(self) -> None:
		super().__init__(convert_charrefs=True)
		self.parts: list[str] = []
		self._skipping = 0

	def handle_starttag(self, tag, attrs) -> None:
		if tag in ("script", "style"):
			self._skipping += 1

	def handle_endtag(self, tag) -> None:
		if tag in ("script", "style") and self._skipping:
			self._skipping -= 1

	def handle_data(self, data) -> None:
		if not self._skipping:
			self.parts.append(data)


def _html(text: str) -> str:
	parser = _HtmlWords()
	parser.feed(text)
	parser.close()
	return " ".join(parser.parts)
