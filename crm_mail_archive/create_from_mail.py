"""Creating a Contact, Lead, Opportunity or Issue from a mail, filing the mail and its thread
there (source "Created From").

ERPNext's own mapping (make_lead_from_communication) is reused, but it never saves the
Communication: stock's link_communication_to_document runs a full save, which creates Contacts
for every address. The filing service links instead.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.filing.manual import file_thread
from crm_mail_archive.permissions import confidential_owner

CREATABLE = ("Contact", "Lead", "Opportunity", "Issue")


def _filed_at(communication: str, doctype: str) -> list[str]:
	return frappe.get_all(
		"Timeline Link", {"communication": communication, "link_doctype": doctype}, pluck="link_name"
	)


def _split_name(full_name: str | None, address: str) -> tuple[str, str]:
	full_name = (full_name or "").strip()
	if not full_name or full_name == address:
		return address.split("@")[0], ""
	if "," in full_name:  # "Müller, Anna"
		last, _, first = full_name.partition(",")
		return first.strip() or last.strip(), last.strip() if first.strip() else ""
	first, _, last = full_name.rpartition(" ")
	return (first, last) if first else (last, "")


def create_contact(communication: str) -> str:
	mail = frappe.db.get_value("Communication", communication, ["sender", "sender_full_name"], as_dict=True)
	if not mail.sender:
		frappe.throw(_("The mail has no sender address."))
	existing = frappe.db.get_value(
		"Contact Email", {"email_id": mail.sender, "parenttype": "Contact"}, "parent"
	)
	if existing:
		frappe.throw(
			_("{0} already belongs to Contact {1}.").format(mail.sender, existing), frappe.DuplicateEntryError
		)
	first_name, last_name = _split_name(mail.sender_full_name, mail.sender)
	contact = frappe.new_doc("Contact")
	contact.update({"first_name": first_name, "last_name": last_name})
	contact.append("email_ids", {"email_id": mail.sender, "is_primary": 1})
	customers = _filed_at(communication, "Customer")
	if len(customers) == 1:  # the one customer the mail already belongs to
		contact.append("links", {"link_doctype": "Customer", "link_name": customers[0]})
	contact.insert()
	return contact.name


def create_lead(communication: str) -> str:
	from erpnext.crm.doctype.lead.lead import make_lead_from_communication

	return make_lead_from_communication(communication, ignore_communication_links=True)


def party_of(communication: str) -> tuple[str, str] | None:
	"""The Customer or Lead the mail is filed at (one of each at most decides)."""
	for doctype in ("Customer", "Lead"):
		names = _filed_at(communication, doctype)
		if len(names) == 1:
			return doctype, names[0]
	reference = frappe.db.get_value(
		"Communication", communication, ["reference_doctype", "reference_name"], as_dict=True
	)
	if reference.reference_doctype in ("Customer", "Lead") and reference.reference_name:
		return reference.reference_doctype, reference.reference_name
	return None


def open_opportunities(communication: str) -> list[dict]:
	"""Open Opportunities of the mail's party or of the contacts it is filed at."""
	filters = []
	party = party_of(communication)
	if party:
		filters.append({"opportunity_from": party[0], "party_name": party[1]})
	contacts = _filed_at(communication, "Contact")
	if contacts:
		filters.append({"contact_person": ("in", contacts)})
	found: dict[str, dict] = {}
	for extra in filters:
		for row in frappe.get_all(
			"Opportunity",
			{"status": ("in", ["Open", "Replied", "Quotation"]), **extra},
			["name", "title", "party_name", "opportunity_from", "status", "transaction_date"],
			order_by="transaction_date desc",
			limit=20,
		):
			found[row.name] = row
	return list(found.values())


def create_opportunity(communication: str, company: str | None = None) -> str:
	from erpnext.crm.doctype.lead.lead import make_lead_from_communication

	company = (
		company
		or frappe.defaults.get_user_default("Company")
		or frappe.db.get_single_value("Global Defaults", "default_company")
	)
	if not company:
		frappe.throw(_("Set a default Company first."))
	party = party_of(communication) or (
		"Lead",
		make_lead_from_communication(communication, ignore_communication_links=True),
	)
	subject = frappe.db.get_value("Communication", communication, "subject")
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"company": company,
			"opportunity_from": party[0],
			"party_name": party[1],
			"title": (subject or "")[:140] or None,
		}
	)
	contacts = _filed_at(communication, "Contact")
	if len(contacts) == 1:
		opportunity.contact_person = contacts[0]
	opportunity.insert()
	return opportunity.name


def create_issue(communication: str) -> str:
	mail = frappe.db.get_value(
		"Communication", communication, ["subject", "sender", "communication_medium"], as_dict=True
	)
	issue = frappe.get_doc(
		{
			"doctype": "Issue",
			"subject": (mail.subject or _("(no subject)"))[:140],
			"raised_by": mail.sender or "",
			"communication_medium": mail.communication_medium,
		}
	)
	customers = _filed_at(communication, "Customer")
	if len(customers) == 1:
		issue.customer = customers[0]
	issue.insert()
	return issue.name


CREATORS = {
	"Contact": create_contact,
	"Lead": create_lead,
	"Opportunity": create_opportunity,
	"Issue": create_issue,
}


def create_from_mail(communication: str, doctype: str, user: str, **options) -> str:
	"""Create the document and file the mail and its thread there."""
	if doctype not in CREATORS:
		frappe.throw(_("Cannot create a {0} from a mail.").format(_(doctype)))
	name = CREATORS[doctype](communication, **options)
	file_thread(communication, doctype, name, "Created From", user)
	mail = frappe.db.get_value(
		"Communication", communication, ["reference_doctype", "email_account"], as_dict=True
	)
	# stock lets every reader of the reference document read the mail: never for confidential mail
	if not mail.reference_doctype and not confidential_owner(mail.email_account):
		frappe.db.set_value(
			"Communication",
			communication,
			{"reference_doctype": doctype, "reference_name": name},
			update_modified=False,
		)
	return name
