"""How long an archived mail must be kept, and what holds it longer (GoBD: the period runs from
the end of the calendar year of the mail; 6 years for business letters, 10 for mail that belongs
to accounting documents; Mail Archive Settings, an account may keep its mail longer). A legal
hold on the mail, its account or a record it is filed at keeps it regardless."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import getdate, today

from crm_mail_archive.infra import audit
from crm_mail_archive.infra.chunks import chunked

# the mail of these records is accounting-relevant (§ 147 AO): the longer period applies
ACCOUNTING_DOCTYPES = (
	"Sales Invoice",
	"Purchase Invoice",
	"Payment Entry",
	"Journal Entry",
	"Sales Order",
	"Purchase Order",
	"Delivery Note",
	"Purchase Receipt",
)


@dataclass(frozen=True)
class RetentionSettings:
	business_years: int = 6
	accounting_years: int = 10
	purge_enabled: bool = False

	@classmethod
	def current(cls) -> RetentionSettings:
		settings = frappe.get_cached_doc("Mail Archive Settings")

		def years(value, default: int) -> int:
			return int(value) if value is not None and str(value) != "" and int(value) >= 0 else default

		return cls(
			business_years=years(settings.get("business_retention_years"), 6),
			accounting_years=years(settings.get("accounting_retention_years"), 10),
			purge_enabled=bool(settings.get("purge_after_retention")),
		)


def retention_ends(
	communications: list[str], settings: RetentionSettings | None = None
) -> dict[str, datetime.date]:
	"""The last day each mail must be kept: the end of the calendar year of its date plus the
	years that apply (the longest of: the site's, its account's, accounting's if filed at an
	accounting document)."""
	settings = settings or RetentionSettings.current()
	ends: dict[str, datetime.date] = {}
	for chunk in chunked(communications):
		mails = frappe.get_all(
			"Communication",
			{"name": ("in", chunk)},
			["name", "communication_date", "creation", "email_account"],
		)
		account_years = {
			row.email_account: row.retention_years
			for row in frappe.get_all(
				"Mail Archive Account",
				{
					"email_account": (
						"in",
						sorted({mail.email_account for mail in mails if mail.email_account}) or [""],
					)
				},
				["email_account", "retention_years"],
			)
		}
		accounting = set(
			frappe.get_all(
				"Timeline Link",
				{"communication": ("in", chunk), "link_doctype": ("in", ACCOUNTING_DOCTYPES)},
				pluck="communication",
			)
		)
		for mail in mails:
			years = max(settings.business_years, int(account_years.get(mail.email_account) or 0))
			if mail.name in accounting:
				years = max(years, settings.accounting_years)
			year = getdate(mail.communication_date or mail.creation).year
			ends[mail.name] = datetime.date(year + years, 12, 31)
	return ends


def legal_holds(communications: list[str]) -> dict[str, str]:
	"""The mails on legal hold, with what holds them: the mail itself, its account, or a record
	it is filed at."""
	held: dict[str, str] = {}
	accounts_on_hold = set(frappe.get_all("Mail Archive Account", {"legal_hold": 1}, pluck="email_account"))
	holds = frappe.get_all("Mail Archive Legal Hold", {"active": 1}, ["reference_doctype", "reference_name"])
	held_records = {(hold.reference_doctype, hold.reference_name) for hold in holds}
	for chunk in chunked(communications):
		for mail in frappe.get_all(
			"Communication",
			{"name": ("in", chunk)},
			["name", "email_account", "mail_archive_legal_hold"],
		):
			if mail.mail_archive_legal_hold:
				held[mail.name] = _("legal hold on the mail")
			elif mail.email_account in accounts_on_hold:
				held[mail.name] = _("legal hold on its account")
		if held_records:
			for link in frappe.get_all(
				"Timeline Link",
				{
					"communication": ("in", chunk),
					"link_doctype": ("in", sorted({d for d, _n in held_records})),
				},
				["communication", "link_doctype", "link_name"],
			):
				if (link.link_doctype, link.link_name) in held_records and link.communication not in held:
					held[link.communication] = _("legal hold on {0} {1}").format(
						_(link.link_doctype), link.link_name
					)
	return held


def deletion_refusals(communications: list[str], on: datetime.date | None = None) -> dict[str, str]:
	"""Why each mail may not be deleted now (the others may be, by a manager)."""
	on = on or getdate(today())
	refusals = {
		name: _("kept by: {0}").format(reason) for name, reason in legal_holds(communications).items()
	}
	for name, end in retention_ends(communications).items():
		if name not in refusals and on <= end:
			refusals[name] = _("it must be kept until {0}").format(frappe.format(end, "Date"))
	return refusals


def set_mail_legal_hold(communication: str, hold: bool) -> bool:
	"""Put an archived mail on legal hold, or release it; audited."""
	if not frappe.db.get_value("Communication", communication, "mail_archive_key"):
		frappe.throw(_("{0} is not an archived mail.").format(communication), frappe.DoesNotExistError)
	frappe.db.set_value(
		"Communication", communication, "mail_archive_legal_hold", int(hold), update_modified=False
	)
	audit.record("Legal Hold Set" if hold else "Legal Hold Released", [communication])
	return hold
