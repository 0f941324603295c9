"""E-invoices in mail attachments: XRechnung (UBL or CII XML) and ZUGFeRD / Factur-X PDFs (their
embedded CII XML), read into a typed `EInvoice`. Frappe-free.

An attachment is hostile input: the XML is parsed by one hardened lxml parser (no network, no DTD,
no entities, no huge trees, a size cap, any DOCTYPE refused), and what it holds is plain text
returned in a dataclass, never markup. `read_einvoice` answers None for a file that is no
e-invoice, an `EInvoice` with `status="Rejected"` and a `note` for one that must not be read.
"""

from crm_mail_archive.einvoice.model import READ, REJECTED, EInvoice, Line, Party, Tax
from crm_mail_archive.einvoice.reader import (
	MAX_PDF_BYTES,
	MAX_XML_BYTES,
	is_candidate,
	read_einvoice,
	read_xml,
)

__all__ = [
	"MAX_PDF_BYTES",
	"MAX_XML_BYTES",
	"READ",
	"REJECTED",
	"EInvoice",
	"Line",
	"Party",
	"Tax",
	"is_candidate",
	"read_einvoice",
	"read_xml",
]
