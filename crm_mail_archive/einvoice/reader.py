"""Reading an attachment as an e-invoice: the hardened XML parser, the PDF's embedded XML
(factur-x), and which syntax (UBL or CII) the XML is in."""

from __future__ import annotations

import io
import logging
import re

from lxml import etree

from crm_mail_archive.einvoice.model import (
	FORMAT_CII,
	FORMAT_PDF,
	FORMAT_UBL,
	EInvoice,
	rejected,
)
from crm_mail_archive.einvoice.syntaxes import CII_ROOT, UBL_ROOTS, read_cii, read_ubl

MAX_XML_BYTES = 10 * 1024 * 1024  # an XRechnung of thousands of lines is a few hundred kB
MAX_PDF_BYTES = 30 * 1024 * 1024
# the names ZUGFeRD 1/2, Factur-X and ZUGFeRD's XRechnung profile give the embedded XML
PDF_XML_NAMES = ["factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml"]

# a declaration of a document type or an entity anywhere, in the encodings an XML file may have
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_WIDE_DECLARATIONS = [
	"<!DOCTYPE".encode(codec) for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
] + ["<!ENTITY".encode(codec) for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")]


def _parser() -> etree.XMLParser:
	return etree.XMLParser(
		resolve_entities=False,
		no_network=True,
		load_dtd=False,
		dtd_validation=False,
		huge_tree=False,
		remove_comments=True,
		remove_pis=True,
	)


class Refused(Exception):
	"""The file must not be read (the reason is the text)."""


def extension(filename: str) -> str:
	return filename.rpartition(".")[2].lower() if "." in filename else ""


def is_candidate(filename: str, content_type: str | None = None) -> bool:
	"""An attachment worth trying: an XML file or a PDF (which may embed one)."""
	kind = extension(filename or "")
	mime = (content_type or "").lower()
	return kind in ("xml", "pdf") or mime in ("application/xml", "text/xml", "application/pdf")


def parse_xml(content: bytes) -> etree._Element:
	"""The XML's root, parsed safely; Refused for anything that declares a DTD or entities,
	exceeds the size cap or is no well-formed XML."""
	if len(content) > MAX_XML_BYTES:
		raise Refused(f"XML larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
	if _DECLARATION.search(content) or any(wide in content for wide in _WIDE_DECLARATIONS):
		raise Refused("XML with a DOCTYPE or ENTITY declaration (not allowed in an e-invoice)")
	try:
		root = etree.fromstring(content, _parser())
	except (etree.XMLSyntaxError, ValueError) as error:
		raise Refused(f"no well-formed XML ({str(error)[:200]})")
	docinfo = root.getroottree().docinfo
	if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
		raise Refused("XML with a DOCTYPE or ENTITY declaration (not allowed in an e-invoice)")
	for node in root.iter():
		if isinstance(node, etree._Entity):
			raise Refused("XML with an entity reference (not allowed in an e-invoice)")
	return root


def syntax_of(root: etree._Element) -> str | None:
	"""FORMAT_UBL, FORMAT_CII, or None for XML that is no invoice we read."""
	if not isinstance(root.tag, str):
		return None
	name = etree.QName(root)
	if name.namespace in UBL_ROOTS and name.localname in ("Invoice", "CreditNote"):
		return FORMAT_UBL
	if name.namespace == CII_ROOT and name.localname == "CrossIndustryInvoice":
		return FORMAT_CII
	return None


def read_xml(content: bytes, format: str | None = None) -> EInvoice | None:
	"""An XRechnung (UBL or CII) read from its bytes; None when the XML is no invoice."""
	try:
		root = parse_xml(content)
	except Refused as error:
		return rejected(format or "XML", str(error))
	syntax = syntax_of(root)
	if syntax is None:
		return rejected(format, "the embedded XML is no invoice (neither CII nor UBL)") if format else None
	try:
		read = read_ubl(root) if syntax == FORMAT_UBL else read_cii(root)
	except Exception as error:  # a value of the wrong shape anywhere: noted, never raised
		return rejected(format or syntax, f"unreadable invoice ({type(error).__name__}: {str(error)[:200]})")
	return read if not format else EInvoice(**{**read.__dict__, "format": format})


def xml_of_pdf(content: bytes) -> bytes | None:
	"""The e-invoice XML a ZUGFeRD / Factur-X PDF embeds (None when it embeds none)."""
	from facturx import get_xml_from_pdf
	from pypdf import PdfReader

	logging.getLogger("factur-x").setLevel(logging.CRITICAL)
	# factur-x finds the attachment by its name; the XSD check is ours to skip: a file that does
	# not validate is still an invoice the user wants to see (the note says what is wrong)
	_name, xml = get_xml_from_pdf(io.BytesIO(content), check_xsd=False, filenames=PDF_XML_NAMES)
	if xml:
		return xml
	# factur-x skips an embedded invoice it cannot parse: ours refuses it with the reason
	names = {name.lower() for name in PDF_XML_NAMES}
	for attachment in PdfReader(io.BytesIO(content)).attachment_list:
		if (attachment.name or "").lower() in names and attachment.content:
			return attachment.content
	return None


def read_pdf(content: bytes) -> EInvoice | None:
	if len(content) > MAX_PDF_BYTES:
		return None  # too large for the search too: not read
	try:
		xml = xml_of_pdf(content)
	except Exception:  # a broken PDF is no e-invoice here; the search notes it
		return None
	if xml is None:
		return None
	return read_xml(xml, FORMAT_PDF)


def read_einvoice(filename: str, content: bytes, content_type: str | None = None) -> EInvoice | None:
	"""The e-invoice in an attachment: None when it is none, `status` Rejected with a `note` when it
	must not be read (hostile, too large, broken)."""
	kind = extension(filename or "")
	if kind == "pdf" or content.startswith(b"%PDF"):
		return read_pdf(content)
	if not is_candidate(filename, content_type):
		return None
	return read_xml(content)
