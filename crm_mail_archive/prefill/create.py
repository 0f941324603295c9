"""Creating a Contact, Lead, Opportunity or Issue from a mail, filing the mail and its thread
there (source "Created From").

`prefill` proposes the new record's values from the mail: the sender's address and name, and from
the signature the organisation, phone numbers and job title. The person reviews and edits them in
the desk, and `create_from_mail` creates the record from what they confirmed. The Communication is
never saved (stock's link_communication_to_document runs a full save, which creates Contacts for
every address): the filing service links instead.
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.filing.manual import file_thread
from crm_mail_archive.permissions import confidential_owner
from crm_mail_archive.prefill.signature import parse_signature

CREATABLE = ("Contact", "Lead", "Opportunity", "Issue")
# what the review dialog may set, per document type (anything else sent is ignored)
PERSON = ("first_name", "last_name", "email_id", "phone", "mobile_no", "company_name")
EDITABLE = {
	"Contact": (*PERSON, "designation", "customer"),
	"Lead": (*PERSON, "job_title", "website"),
	"Opportunity": ("title", "opportunity_from", "party_name", "contact_person", "company"),
	"Issue": ("subject", "raised_by", "customer"),
}


def _filed_at(communication: str, doctype: str) -> list[str]:
	return frappe.get_all(
		"Timeline Link", {"communication": communication, "link_doctype": doctype}, pluck="link_name"
	)


def split_name(full_name: str | None, address: str) -> tuple[str, str]:
	full_name = (full_name or "").strip()
	if not full_name or full_name == address:
		return address.split("@")[0], ""
	if "," in full_name:  # "Müller, Anna"
		last, _, first = full_name.partition(",")
		return first.strip() or last.strip(), last.strip() if first.strip() else ""
	first, _, last = full_name.rpartition(" ")
	return (first, last) if first else (last, "")


def _mail(communication: str):
	mail = frappe.db.get_value(
		"Communication",
		communication,
		["subject", "sender", "sender_full_name", "text_content", "phone_no"],
		as_dict=True,
	)
	return mail


def prefill(communication: str, doctype: str) -> dict:
	"""The values the review dialog starts with."""
	mail = _mail(communication)
	if doctype in ("Contact", "Lead"):
		if not mail.sender:
			frappe.throw(_("The mail has no sender address."))
		signature = parse_signature(mail.text_content or "", mail.sender_full_name, mail.sender)
		first_name, last_name = split_name(signature.name or mail.sender_full_name, mail.sender)
		values = {
			"first_name": first_name,
			"last_name": last_name,
			"email_id": mail.sender,
			"phone": signature.phone or "",
			"mobile_no": signature.mobile or mail.phone_no or "",
			"company_name": signature.organisation or "",
		}
		if doctype == "Contact":
			customers = _filed_at(communication, "Customer")
			values.update(
				designation=signature.job_title or "",
				customer=customers[0] if len(customers) == 1 else "",
			)
		else:
			values.update(job_title=signature.job_title or "", website=signature.website or "")
		return values
	if doctype == "Opportunity":
		party = party_of(communication)
		contacts = _filed_at(communication, "Contact")
		return {
			"title": (mail.subject or "")[:140],
			"opportunity_from": party[0] if party else "Lead",
			"party_name": party[1] if party else "",
			"contact_person": contacts[0] if len(contacts) == 1 else "",
			"company": default_company() or "",
			"open": open_opportunities(communication),
		}
	customers = _filed_at(communication, "Customer")
	return {
		"subject": (mail.subject or _("(no subject)"))[:140],
		"raised_by": mail.sender or "",
		"customer": customers[0] if len(customers) == 1 else "",
	}


def default_company() -> str | None:
	return frappe.defaults.get_user_default("Company") or frappe.db.get_single_value(
		"Global Defaults", "default_company"
	)


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


def _reviewed(communication: str, doctype: str, values: dict | None) -> dict:
	"""What the person confirmed, over what the mail proposes (only fields the dialog edits)."""
	proposed = {
		key: value for key, value in prefill(communication, doctype).items() if key in EDITABLE[doctype]
	}
	confirmed = {key: value for key, value in (values or {}).items() if key in EDITABLE[doctype]}
	return {**proposed, **confirmed}


def create_contact(communication: str, values: dict) -> str:
	email_id = (values.get("email_id") or "").strip()
	existing = email_id and frappe.db.get_value(
		"Contact Email", {"email_id": email_id, "parenttype": "Contact"}, "parent"
	)
	if existing:
		frappe.throw(
			_("{0} already belongs to Contact {1}.").format(email_id, existing), frappe.DuplicateEntryError
		)
	contact = frappe.new_doc("Contact")
	contact.update(
		{
			"first_name": values.get("first_name") or email_id.split("@")[0],
			"last_name": values.get("last_name") or "",
			"company_name": values.get("company_name") or "",
			"designation": values.get("designation") or "",
		}
	)
	if email_id:
		contact.append("email_ids", {"email_id": email_id, "is_primary": 1})
	for field, flag in (("phone", "is_primary_phone"), ("mobile_no", "is_primary_mobile_no")):
		if values.get(field):
			contact.append("phone_nos", {"phone": values[field], flag: 1})
	if values.get("customer"):
		contact.append("links", {"link_doctype": "Customer", "link_name": values["customer"]})
	contact.insert()
	return contact.name


def create_lead(communication: str, values: dict) -> str:
	email_id = (values.get("email_id") or "").strip()
	existing = email_id and frappe.db.get_value("Lead", {"email_id": email_id})
	if existing:
		frappe.throw(
			_("{0} already belongs to Lead {1}.").format(email_id, existing), frappe.DuplicateEntryError
		)
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": values.get("first_name") or email_id.split("@")[0],
			"last_name": values.get("last_name") or "",
			"email_id": email_id or None,
			"phone": values.get("phone") or "",
			"mobile_no": values.get("mobile_no") or "",
			"company_name": values.get("company_name") or "",
			"job_title": values.get("job_title") or "",
			"website": values.get("website") or "",
		}
	)
	lead.insert()
	return lead.name


def create_opportunity(communication: str, values: dict) -> str:
	company = values.get("company") or default_company()
	if not company:
		frappe.throw(_("Set a default Company first."))
	party = (values.get("opportunity_from"), values.get("party_name"))
	if not party[1]:
		party = ("Lead", create_lead(communication, _reviewed(communication, "Lead", None)))
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"company": company,
			"opportunity_from": party[0] or "Lead",
			"party_name": party[1],
			"title": (values.get("title") or "")[:140] or None,
			"contact_person": values.get("contact_person") or None,
		}
	)
	opportunity.insert()
	return opportunity.name


def create_issue(communication: str, values: dict) -> str:
	issue = frappe.get_doc(
		{
			"doctype": "Issue",
			"subject": (values.get("subject") or _("(no subject)"))[:140],
			"raised_by": values.get("raised_by") or "",
			"customer": values.get("customer") or None,
			"communication_medium": "Email",
		}
	)
	issue.insert()
	return issue.name


CREATORS = {
	"Contact": create_contact,
	"Lead": create_lead,
	"Opportunity": create_opportunity,
	"Issue": create_issue,
}


def create_from_mail(communication: str, doctype: str, user: str, values: dict | None = None) -> str:
	"""Create the document from the reviewed values and file the mail and its thread there."""
	if doctype not in CREATORS:
		frappe.throw(_("Cannot create a {0} from a mail.").format(_(doctype)))
	name = CREATORS[doctype](communication, _reviewed(communication, doctype, values))
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
