"""The typed result of reading an e-invoice: plain text and decimal strings, JSON both ways."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

READ = "Read"
REJECTED = "Rejected"

FORMAT_UBL = "XRechnung (UBL)"
FORMAT_CII = "XRechnung (CII)"
FORMAT_PDF = "ZUGFeRD / Factur-X"

MAX_TEXT = 1000  # characters of one value kept (a crafted file's megabyte names are cut)
MAX_LINES = 500  # invoice lines kept
MAX_TAXES = 50  # lines of the VAT breakdown kept (one per category and rate: a handful)


@dataclass(frozen=True)
class Party:
	name: str = ""
	vat_id: str = ""
	tax_number: str = ""


@dataclass(frozen=True)
class Line:
	text: str = ""
	quantity: str = ""
	unit_price: str = ""
	net_amount: str = ""
	tax_rate: str = ""  # the VAT rate in percent of the line ("" unknown)


@dataclass(frozen=True)
class Tax:
	"""One line of the VAT breakdown: a category (S standard, Z zero, E exempt, AE reverse charge, …)
	at a rate, the amount taxed at it and the tax."""

	category: str = ""
	rate: str = ""
	taxable_amount: str = ""
	tax_amount: str = ""


@dataclass(frozen=True)
class EInvoice:
	"""What an e-invoice says. Dates are ISO (YYYY-MM-DD), amounts decimal strings ("" unknown)."""

	format: str
	status: str = READ
	note: str = ""
	invoice_number: str = ""
	issue_date: str = ""
	due_date: str = ""
	currency: str = ""
	net_total: str = ""
	tax_total: str = ""
	gross_total: str = ""
	iban: str = ""
	order_reference: str = ""
	seller: Party = field(default_factory=Party)
	buyer: Party = field(default_factory=Party)
	lines: tuple[Line, ...] = ()
	taxes: tuple[Tax, ...] = ()  # the VAT breakdown (older stored results have none)

	@property
	def rejected(self) -> bool:
		return self.status == REJECTED

	def to_json(self) -> str:
		return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

	@classmethod
	def from_json(cls, text: str) -> EInvoice:
		data = json.loads(text)
		nested = ("seller", "buyer", "lines", "taxes")
		return cls(
			**{
				**{key: str(value) for key, value in data.items() if key in _FIELDS and key not in nested},
				"seller": _of(Party, data.get("seller")),
				"buyer": _of(Party, data.get("buyer")),
				"lines": tuple(_of(Line, line) for line in data.get("lines") or ()),
				"taxes": tuple(_of(Tax, tax) for tax in data.get("taxes") or ()),
			}
		)

	def totals_problem(self) -> str:
		"""Why the totals do not add up ("" when they do, or cannot be checked): the lines' net
		amounts against the net total, net plus tax against the gross total."""
		net, tax, gross = decimal(self.net_total), decimal(self.tax_total), decimal(self.gross_total)
		amounts = [decimal(line.net_amount) for line in self.lines]
		if net is not None and amounts and None not in amounts and sum(amounts) != net:
			return f"lines {sum(amounts)} != net total {net}"
		if None not in (net, tax, gross) and net + tax != gross:
			return f"net {net} + tax {tax} != gross {gross}"
		breakdown = [decimal(row.tax_amount) for row in self.taxes]
		if tax is not None and breakdown and None not in breakdown and sum(breakdown) != tax:
			return f"VAT breakdown {sum(breakdown)} != tax {tax}"
		return ""


_FIELDS = frozenset(EInvoice.__dataclass_fields__)


def _of(kind, values: dict | None):
	"""A Party, Line or Tax from its stored JSON: keys it does not know (a newer or older version's)
	are left out, values are text."""
	known = kind.__dataclass_fields__
	return kind(**{key: str(value) for key, value in (values or {}).items() if key in known})


def rejected(format: str, note: str) -> EInvoice:
	return EInvoice(format=format, status=REJECTED, note=note[:MAX_TEXT])


def decimal(value: str) -> Decimal | None:
	try:
		return Decimal(value) if value else None
	except InvalidOperation:
		return None
