"""Who may open archived mail: readers of a document its mail is filed at, the account's holder
and stock Communication readers; a confidential account's mail its owner only; every other
Communication exactly as stock Frappe decides."""

import uuid

import frappe
import pytest
from frappe.desk.form.load import get_communications

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from tests.support import a_mail, make_user, only_communication


def as_requested(method: str, **kwargs):
	"""A whitelisted method as a request reaches it: through the apps' overrides."""
	return frappe.call(frappe.get_attr(frappe.override_whitelisted_method(method)), **kwargs)


def can_read(communication: str, user: str) -> bool:
	return frappe.has_permission("Communication", "read", communication, user=user)


def listed(user: str) -> set[str]:
	frappe.set_user(user)
	try:
		return set(frappe.get_list("Communication", pluck="name", limit_page_length=0))
	finally:
		frappe.set_user("Administrator")


@pytest.fixture
def filed_mail(dovecot, mail_user, make_archive_account, crm):
	"""One mail filed at a contact and its customer, one mail filed nowhere."""
	customer = crm.customer("Rechtekunde")
	sender = crm.address("einkauf")
	crm.contact([sender], links=[("Customer", customer)])
	frappe.db.commit()
	dovecot.append(mail_user, a_mail("Anfrage Rechte", sender=sender))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	filed = only_communication(account)
	dovecot.append(mail_user, a_mail("Niemandes Post", sender=crm.address("fremd", "unbekannt.example")))
	sync_account(account.name)
	unfiled = frappe.get_all(
		"Communication", {"email_account": account.email_account, "name": ("!=", filed)}, pluck="name"
	)[0]
	return account, customer, filed, unfiled


def test_a_sales_user_opens_the_mail_filed_at_a_customer_they_can_read(filed_mail):
	_account, customer, filed, unfiled = filed_mail
	sales_user = make_user("Sales User")
	assert frappe.has_permission("Customer", "read", customer, user=sales_user)
	assert can_read(filed, sales_user)
	assert not can_read(unfiled, sales_user)  # filed nowhere they can read
	frappe.set_user(sales_user)
	assert frappe.get_doc("Communication", filed).has_permission("read")
	assert not frappe.get_doc("Communication", filed).has_permission("write")  # the grant is read only


def test_a_user_without_crm_roles_opens_no_archived_mail(filed_mail):
	_account, _customer, filed, unfiled = filed_mail
	outsider = make_user()
	assert not can_read(filed, outsider)
	assert not can_read(unfiled, outsider)
	assert not {filed, unfiled} & listed(outsider)


def test_the_account_holder_reads_and_lists_the_accounts_mail(filed_mail):
	account, _customer, filed, unfiled = filed_mail
	holder = make_user("Sales User")
	frappe.db.set_value("Mail Archive Account", account.name, "account_owner", holder)
	user = frappe.get_doc("User", holder)
	user.append("user_emails", {"email_account": account.email_account})
	user.save(ignore_permissions=True)
	assert can_read(unfiled, holder)
	assert {filed, unfiled} <= listed(holder)
	assert not {filed, unfiled} & listed(make_user("Sales User"))  # the list shows one's own accounts


def test_a_confidential_accounts_mail_is_its_owners_alone_even_when_filed_by_hand(filed_mail):
	account, customer, _filed, unfiled = filed_mail
	owner = make_user("Sales User")
	frappe.db.set_value("Mail Archive Account", account.name, {"confidential": 1, "account_owner": owner})
	frappe.clear_cache()
	links.link(unfiled, "Customer", customer, "Manual", user=owner)

	assert can_read(unfiled, owner)
	for user in (make_user("Sales User"), make_user("System Manager")):
		assert not can_read(unfiled, user)
		assert unfiled not in listed(user)
	# the stock form timeline shows a document's mail to all its readers: ours stays off it
	assert unfiled not in {c.name for c in get_communications("Customer", customer)}
	assert not frappe.db.exists("Communication Link", {"parent": unfiled})
	frappe.set_user(owner)
	assert unfiled in {m.name for m in api.get_archive("Customer", customer)["mails"]}


def test_other_communications_stay_as_stock_decides(filed_mail):
	_account, customer, _filed, _unfiled = filed_mail
	sales_user = make_user("Sales User")
	note = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_medium": "Phone",
			"subject": "Telefonnotiz",
			"reference_doctype": "Customer",
			"reference_name": customer,
		}
	).insert(ignore_permissions=True)
	assert not can_read(note.name, sales_user)  # stock: only its owner and stock readers
	assert note.name not in listed(sales_user)
	frappe.set_user(sales_user)
	own = frappe.get_doc(
		{"doctype": "Communication", "communication_medium": "Phone", "subject": "Eigene Notiz"}
	).insert(ignore_permissions=True)  # stock lets only Inbox Users create; owning is what counts
	frappe.set_user("Administrator")
	assert can_read(own.name, sales_user)
	assert can_read(note.name, make_user("System Manager", "Sales User"))  # stock also asks the Customer


def test_refile_mail_files_again_and_needs_read_permission(filed_mail):
	_account, customer, filed, _unfiled = filed_mail
	links.unlink(filed, "Customer", customer)
	frappe.set_user(make_user())
	with pytest.raises(frappe.PermissionError):
		api.refile_mail(filed)
	frappe.set_user("Administrator")
	assert api.refile_mail(filed) == {"added": 1}
	assert frappe.db.exists("Timeline Link", {"communication": filed, "link_name": customer})


def test_a_shared_document_opens_no_archived_mail_filed_there(filed_mail):
	_account, customer, filed, _unfiled = filed_mail
	buyer = make_user("Projects User")  # reads neither Customers nor (others') Contacts
	frappe.share.add_docshare("Customer", customer, buyer, read=1, flags={"ignore_share_permission": True})
	assert frappe.has_permission("Customer", "read", customer, user=buyer)
	assert not can_read(filed, buyer)
	frappe.set_user(buyer)
	archive = api.get_archive("Customer", customer)
	assert archive["mails"] == [] and archive["total"] == 0


def test_a_document_readable_only_as_its_owner_opens_no_archived_mail_filed_there(filed_mail):
	_account, _customer, filed, _unfiled = filed_mail
	planner = make_user("Projects User")  # Contacts: only their own ("if owner")
	frappe.set_user(planner)
	own = frappe.get_doc({"doctype": "Contact", "first_name": "Eigener Kontakt"}).insert()
	frappe.set_user("Administrator")
	links.link(filed, "Contact", own.name, "Manual", user="Administrator")
	assert frappe.has_permission("Contact", "read", own.name, user=planner)
	assert not can_read(filed, planner)
	frappe.set_user(planner)
	assert api.get_archive("Contact", own.name)["mails"] == []
	timeline = as_requested("frappe.desk.form.load.get_communications", doctype="Contact", name=own.name)
	assert filed not in {c.name for c in timeline}


def test_a_contact_made_by_a_user_who_keeps_no_contacts_files_no_mail(
	dovecot,
	mail_user,
	make_archive_account,
	crm,
):
	address = crm.address("fremd")
	dovecot.append(mail_user, a_mail("Vorher", sender=address))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	mail = only_communication(account)
	planner = make_user("Projects User")
	frappe.set_user(planner)
	contact = frappe.get_doc({"doctype": "Contact", "first_name": "Fremd"})
	contact.append("email_ids", {"email_id": address, "is_primary": 1})
	contact.insert()  # retroactive filing runs in the test process (now=True)
	frappe.set_user("Administrator")
	assert not frappe.db.exists("Timeline Link", {"communication": mail, "link_name": contact.name})
	dovecot.append(mail_user, a_mail("Nachher", sender=address))
	sync_account(account.name)
	assert not frappe.db.exists("Timeline Link", {"link_doctype": "Contact", "link_name": contact.name})
	frappe.db.delete("Contact", contact.name)
	frappe.db.commit()
