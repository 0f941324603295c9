"""The fields of an invoice in its two XML syntaxes: UBL 2.1 (XRechnung UBL, Peppol) and UN/CEFACT
CII (XRechnung CII, ZUGFeRD 2 / Factur-X). Values are the elements' text, stripped and cut."""

from __future__ import annotations

from lxml import etree

from crm_mail_archive.einvoice.model import (
	FORMAT_CII,
	FORMAT_UBL,
	MAX_LINES,
	MAX_TAXES,
	MAX_TEXT,
	EInvoice,
	Line,
	Party,
	Tax,
)

UBL_ROOTS = (
	"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
	"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
)
CII_ROOT = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UBL = {
	"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
	"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII = {
	"rsm": CII_ROOT,
	"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
	"udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def _text(node: etree._Element | None, path: str, namespaces: dict) -> str:
	if node is None:
		return ""
	found = node.xpath(path, namespaces=namespaces)
	for item in found:
		value = item if isinstance(item, str) else (item.text or "")
		value = " ".join(str(value).split())
		if value:
			return value[:MAX_TEXT]
	return ""


def _first(node: etree._Element, path: str, namespaces: dict) -> etree._Element | None:
	found = node.xpath(path, namespaces=namespaces)
	return found[0] if found else None


def _amount(node: etree._Element | None, path: str, namespaces: dict, currency: str = "") -> str:
	"""An amount; of several (a tax total given in two currencies), the one in `currency`."""
	if node is None:
		return ""
	found = node.xpath(path, namespaces=namespaces)
	chosen = [item for item in found if currency and item.get("currencyID") == currency] or found
	return " ".join((chosen[0].text or "").split())[:40] if chosen else ""


def _cii_date(value: str) -> str:
	"""CII dates are format 102 (YYYYMMDD)."""
	digits = value.strip()
	if len(digits) == 8 and digits.isdigit():
		return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
	return digits[:10]


# ---------------------------------------------------------------- UBL


def _ubl_party(party: etree._Element | None) -> Party:
	if party is None:
		return Party()
	return Party(
		name=_text(party, "cac:PartyLegalEntity/cbc:RegistrationName", UBL)
		or _text(party, "cac:PartyName/cbc:Name", UBL),
		vat_id=_text(party, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID", UBL),
		tax_number=_text(party, "cac:PartyTaxScheme[not(cac:TaxScheme/cbc:ID='VAT')]/cbc:CompanyID", UBL),
	)


def read_ubl(root: etree._Element) -> EInvoice:
	currency = _text(root, "cbc:DocumentCurrencyCode", UBL)
	totals = _first(root, "cac:LegalMonetaryTotal", UBL)
	lines = []
	for line in root.xpath("cac:InvoiceLine | cac:CreditNoteLine", namespaces=UBL)[:MAX_LINES]:
		name = _text(line, "cac:Item/cbc:Name", UBL)
		description = _text(line, "cac:Item/cbc:Description", UBL)
		lines.append(
			Line(
				text=" – ".join(part for part in (name, description) if part)[:MAX_TEXT],
				quantity=_amount(line, "cbc:InvoicedQuantity | cbc:CreditedQuantity", UBL),
				unit_price=_amount(line, "cac:Price/cbc:PriceAmount", UBL),
				net_amount=_amount(line, "cbc:LineExtensionAmount", UBL),
				tax_rate=_amount(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", UBL),
			)
		)
	return EInvoice(
		format=FORMAT_UBL,
		invoice_number=_text(root, "cbc:ID", UBL),
		issue_date=_text(root, "cbc:IssueDate", UBL)[:10],
		due_date=(_text(root, "cbc:DueDate", UBL) or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate", UBL))[
			:10
		],
		currency=currency,
		net_total=_amount(totals, "cbc:TaxExclusiveAmount", UBL),
		tax_total=_amount(root, "cac:TaxTotal/cbc:TaxAmount", UBL, currency),
		gross_total=_amount(totals, "cbc:TaxInclusiveAmount", UBL),
		iban=_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", UBL),
		order_reference=_text(root, "cac:OrderReference/cbc:ID", UBL),
		seller=_ubl_party(_first(root, "cac:AccountingSupplierParty/cac:Party", UBL)),
		buyer=_ubl_party(_first(root, "cac:AccountingCustomerParty/cac:Party", UBL)),
		lines=tuple(lines),
		taxes=_ubl_taxes(root, currency),
	)


def _ubl_taxes(root: etree._Element, currency: str) -> tuple[Tax, ...]:
	"""The VAT breakdown: the subtotals of the tax total in the invoice's currency (a second tax
	total, in the tax currency, has no subtotals)."""
	totals = root.xpath("cac:TaxTotal", namespaces=UBL)
	chosen = [
		total
		for total in totals
		if total.xpath("cbc:TaxAmount/@currencyID", namespaces=UBL) == [currency] and currency
	] or totals
	subtotals = chosen[0].xpath("cac:TaxSubtotal", namespaces=UBL) if chosen else []
	return tuple(
		Tax(
			category=_text(subtotal, "cac:TaxCategory/cbc:ID", UBL)[:40],
			rate=_amount(subtotal, "cac:TaxCategory/cbc:Percent", UBL),
			taxable_amount=_amount(subtotal, "cbc:TaxableAmount", UBL),
			tax_amount=_amount(subtotal, "cbc:TaxAmount", UBL),
		)
		for subtotal in subtotals[:MAX_TAXES]
	)


# ---------------------------------------------------------------- CII


def _cii_party(party: etree._Element | None) -> Party:
	if party is None:
		return Party()
	return Party(
		name=_text(party, "ram:Name", CII),
		vat_id=_text(party, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", CII),
		tax_number=_text(party, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']", CII),
	)


def read_cii(root: etree._Element) -> EInvoice:
	transaction = _first(root, "rsm:SupplyChainTradeTransaction", CII)
	agreement = (
		_first(transaction, "ram:ApplicableHeaderTradeAgreement", CII) if transaction is not None else None
	)
	settlement = (
		_first(transaction, "ram:ApplicableHeaderTradeSettlement", CII) if transaction is not None else None
	)
	currency = _text(settlement, "ram:InvoiceCurrencyCode", CII)
	totals = (
		_first(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation", CII)
		if settlement is not None
		else None
	)
	lines = []
	items = (
		transaction.xpath("ram:IncludedSupplyChainTradeLineItem", namespaces=CII)
		if transaction is not None
		else []
	)
	for line in items[:MAX_LINES]:
		name = _text(line, "ram:SpecifiedTradeProduct/ram:Name", CII)
		description = _text(line, "ram:SpecifiedTradeProduct/ram:Description", CII)
		lines.append(
			Line(
				text=" – ".join(part for part in (name, description) if part)[:MAX_TEXT],
				quantity=_amount(line, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", CII),
				unit_price=_amount(
					line,
					"ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
					CII,
				),
				net_amount=_amount(
					line,
					"ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
					CII,
				),
				tax_rate=_amount(
					line,
					"ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent",
					CII,
				),
			)
		)
	return EInvoice(
		format=FORMAT_CII,
		invoice_number=_text(root, "rsm:ExchangedDocument/ram:ID", CII),
		issue_date=_cii_date(_text(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", CII)),
		due_date=_cii_date(
			_text(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString", CII)
		),
		currency=currency,
		net_total=_amount(totals, "ram:TaxBasisTotalAmount", CII),
		tax_total=_amount(totals, "ram:TaxTotalAmount", CII, currency),
		gross_total=_amount(totals, "ram:GrandTotalAmount", CII),
		iban=_text(
			settlement,
			"ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
			CII,
		),
		order_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", CII),
		seller=_cii_party(_first(agreement, "ram:SellerTradeParty", CII) if agreement is not None else None),
		buyer=_cii_party(_first(agreement, "ram:BuyerTradeParty", CII) if agreement is not None else None),
		lines=tuple(lines),
		taxes=_cii_taxes(settlement),
	)


def _cii_taxes(settlement: etree._Element | None) -> tuple[Tax, ...]:
	"""The VAT breakdown: the header's trade taxes (one per category and rate)."""
	if settlement is None:
		return ()
	return tuple(
		Tax(
			category=_text(tax, "ram:CategoryCode", CII)[:40],
			rate=_amount(tax, "ram:RateApplicablePercent", CII),
			taxable_amount=_amount(tax, "ram:BasisAmount", CII),
			tax_amount=_amount(tax, "ram:CalculatedAmount", CII),
		)
		for tax in settlement.xpath("ram:ApplicableTradeTax", namespaces=CII)[:MAX_TAXES]
	)
