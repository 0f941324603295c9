"""Privacy a sales team sets (README, "Privacy"): each Mail Archive Account's visibility (Shared,
Headers only, Private) and the per-mail Private mark hold on every read path — the Email Archive
tab, the reader, attachments, the original, search, Mail Search, exports, REST and the stock
endpoints — and an account with archived mail is not deleted. Every change that decides who
reads mail is in the audit trail."""

import os
import uuid

import frappe
import pytest
import requests

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing.retroactive import file_past_mail
from crm_mail_archive.infra import archive_files
from crm_mail_archive.transfer.exports import ExportScope, mails_in_scope
from tests.support import a_mail, make_user, run_background_jobs


def as_requested(method: str, **kwargs):
	"""A whitelisted method as a request reaches it: through the apps' overrides."""
	return frappe.call(frappe.get_attr(frappe.override_whitelisted_method(method)), **kwargs)


class Mailbox:
	"""A's mailbox: two mails from a Customer's contact (each with a body marker and an
	attachment), filed at the Contact and the Customer; one mail from an address no record has."""

	def __init__(self, account, customer, contact, mails, stranger_mail, stranger, markers):
		self.account = account
		self.customer = customer
		self.contact = contact
		self.mails = mails  # [first, second]
		self.stranger_mail = stranger_mail
		self.stranger = stranger
		self.markers = markers  # communication -> text only its body holds


@pytest.fixture
def mailbox(dovecot, mail_user, make_archive_account, crm, committed_cleanup):
	customer = crm.customer("Privatkunde")
	sender = crm.address("einkauf")
	contact = crm.contact([sender], links=[("Customer", customer)])
	stranger = crm.address("neu")
	frappe.db.commit()
	tag = uuid.uuid4().hex[:8]
	bodies = [f"ERSTER-{tag}", f"ZWEITER-{tag}"]
	for number, body in enumerate(bodies):
		dovecot.append(
			mail_user,
			a_mail(
				f"Angebot {number}",
				sender=sender,
				to=mail_user,
				text=f"Vertraulicher Text {body}",
				attachments=[(f"preise-{number}.bin", f"Preise {body}".encode())],
			),
		)
	dovecot.append(mail_user, a_mail("Erstkontakt", sender=stranger, to=mail_user, text=f"FREMD-{tag}"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	by_subject = {
		row.subject: row.name
		for row in frappe.get_all(
			"Communication", {"email_account": account.email_account}, ["name", "subject"]
		)
	}
	mails = [by_subject["Angebot 0"], by_subject["Angebot 1"]]
	holder = make_user("Sales User")
	committed_cleanup("User", holder)
	frappe.db.set_value("Mail Archive Account", account.name, "account_owner", holder)
	user = frappe.get_doc("User", holder)  # a salesperson holds their Email Account
	user.append("user_emails", {"email_account": account.email_account})
	user.save(ignore_permissions=True)
	frappe.db.commit()
	return Mailbox(
		frappe.get_doc("Mail Archive Account", account.name),
		customer,
		contact,
		mails,
		by_subject["Erstkontakt"],
		stranger,
		dict(zip(mails, bodies, strict=True)),
	)


def set_visibility(box: Mailbox, visibility: str) -> None:
	account = frappe.get_doc("Mail Archive Account", box.account.name)
	account.visibility = visibility
	account.save(ignore_permissions=True)


def tab(box: Mailbox, user: str, **filters) -> dict[str, dict]:
	frappe.set_user(user)
	try:
		return {row.name: row for row in api.get_archive("Customer", box.customer, **filters)["mails"]}
	finally:
		frappe.set_user("Administrator")


def refused(user: str, call) -> bool:
	frappe.set_user(user)
	try:
		call()
	except frappe.PermissionError:
		return True
	finally:
		frappe.set_user("Administrator")
	return False


def full_reads(box: Mailbox, user: str, mail: str) -> dict[str, bool]:
	"""Every path that gives the whole mail (its body or its files) -> whether it gave it."""
	attachment = frappe.get_all("Mail Attachment", {"communication": mail}, pluck="name")[0]
	marker = box.markers[mail]
	reads = {
		"has_permission": frappe.has_permission("Communication", "read", mail, user=user),
		"attachment": not refused(user, lambda: api.download_attachment(attachment)),
		"original": not refused(user, lambda: api.download_original(mail)),
		"getdoc": not refused(
			user, lambda: as_requested("frappe.desk.form.load.getdoc", doctype="Communication", name=mail)
		),
	}
	reads["reader body"] = _reader_shows_body(user, mail, marker)
	reads["timeline"] = mail in {
		row.name
		for row in as_user(
			user,
			lambda: as_requested(
				"frappe.desk.form.load.get_communications", doctype="Customer", name=box.customer
			),
		)
	}
	reads["REST list"] = mail in as_user(
		user,
		lambda: {
			row.name
			for row in frappe.get_list("Communication", fields=["name", "content"], limit_page_length=0)
		},
	)
	reads["tab search"] = mail in as_user(
		user, lambda: {row.name for row in api.get_archive("Customer", box.customer, search=marker)["mails"]}
	)
	reads["Mail Search"] = mail in as_user(
		user, lambda: {row.name for row in api.search_mail(marker)["mails"]}
	)
	reads["export"] = mail in mails_in_scope(ExportScope("Record", "Customer", box.customer), user)
	return reads


def as_user(user: str, call):
	frappe.set_user(user)
	try:
		return call()
	finally:
		frappe.set_user("Administrator")


def _reader_shows_body(user: str, mail: str, marker: str) -> bool:
	try:
		view = as_user(user, lambda: api.get_mail_view(mail))
	except frappe.PermissionError:
		return False
	return marker in (view.content or "") or bool(view.attachments)


def nothing_full(reads: dict[str, bool]) -> bool:
	return not any(reads.values())


def all_full(reads: dict[str, bool], user: str) -> bool:
	"""Every path gave the whole mail; but the list (REST, reportview), which shows a user
	without a stock reader's role only their own mailboxes' mail, always (stock's rule)."""
	lists_all = "System Manager" in frappe.get_roles(user) or bool(
		frappe.db.exists("User Email", {"parent": user})
	)
	return all(read for path, read in reads.items() if lists_all or path != "REST list")


def test_shared_the_colleague_reads_the_mail_filed_at_a_customer_on_every_path(mailbox):
	box = mailbox
	assert box.account.visibility == "Shared"  # the site's default
	colleague = make_user("Sales User")
	reads = full_reads(box, colleague, box.mails[0])
	assert all_full(reads, colleague), reads
	assert tab(box, colleague)[box.mails[0]].headers_only == 0


def test_headers_only_colleagues_see_that_a_mail_exists_not_its_text_or_files(mailbox):
	box = mailbox
	set_visibility(box, "Headers only")
	holder = box.account.account_owner
	for colleague in (make_user("Sales User"), make_user("System Manager", "Sales User")):
		listed = tab(box, colleague)
		row = listed[box.mails[0]]
		assert (row.subject, row.sender) == (
			"Angebot 0",
			frappe.db.get_value("Communication", box.mails[0], "sender"),
		)
		assert row.headers_only == 1 and row.attachments == [] and not row.has_attachment and not row.snippet
		assert box.mails[1] in listed
		frappe.set_user(colleague)
		view = api.get_mail_view(box.mails[0])
		with_state = api.get_mail_view(box.mails[0], with_server_state=True)
		frappe.set_user("Administrator")
		assert view.headers_only == 1 and view.subject == "Angebot 0"
		assert with_state.server_state is None  # where it lies in the mailbox is not a header
		assert view.content == "" and view.attachments == []
		assert box.markers[box.mails[0]] not in frappe.as_json(view)
		reads = full_reads(box, colleague, box.mails[0])
		assert nothing_full(reads), reads
		assert tab(box, colleague, has_attachment=1) == {}  # that it has files is its content too
	# the holder reads all of it
	assert all_full(full_reads(box, holder, box.mails[0]), holder)
	assert tab(box, holder)[box.mails[0]].headers_only == 0


def test_private_nobody_but_the_holder_sees_the_accounts_mail_though_it_is_filed(mailbox):
	box = mailbox
	set_visibility(box, "Private")
	holder = box.account.account_owner
	for colleague in (make_user("Sales User"), make_user("System Manager", "Sales User")):
		assert tab(box, colleague) == {}
		assert refused(colleague, lambda: api.get_mail_view(box.mails[0]))
		assert refused(colleague, lambda: api.get_filings(box.mails[0]))
		assert nothing_full(full_reads(box, colleague, box.mails[0]))
	assert set(box.mails) <= set(tab(box, holder))
	assert all_full(full_reads(box, holder, box.mails[1]), holder)
	# a user who holds the Email Account (User Email) is a holder too
	user_email_holder = make_user("Sales User")
	user = frappe.get_doc("User", user_email_holder)
	user.append("user_emails", {"email_account": box.account.email_account})
	user.save(ignore_permissions=True)
	assert frappe.has_permission("Communication", "read", box.mails[0], user=user_email_holder)


def test_retroactive_filing_at_a_new_contact_files_but_opens_nothing_beyond_the_visibility(mailbox):
	box = mailbox
	set_visibility(box, "Private")
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Neukontakt",
			"email_ids": [{"email_id": box.stranger, "is_primary": 1}],
			"links": [{"link_doctype": "Customer", "link_name": box.customer}],
		}
	).insert(ignore_permissions=True)
	file_past_mail([box.stranger], [("Contact", contact.name), ("Customer", box.customer)])
	assert frappe.db.exists("Timeline Link", {"communication": box.stranger_mail, "link_name": box.customer})
	colleague = make_user("Sales User")
	assert box.stranger_mail not in tab(box, colleague)
	assert not frappe.has_permission("Communication", "read", box.stranger_mail, user=colleague)
	assert box.stranger_mail in tab(box, box.account.account_owner)


def test_the_private_mark_takes_one_mail_off_every_path_and_is_audited(mailbox):
	box = mailbox
	holder = box.account.account_owner
	colleague, manager = make_user("Sales User"), make_user("System Manager", "Sales User")
	private, shared = box.mails
	assert refused(colleague, lambda: api.set_mail_private(private, True))  # reading is not holding
	frappe.set_user(holder)
	assert api.set_mail_private(private, True) == {"private": True}
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Communication", private, "mail_archive_private") == 1
	assert frappe.db.exists(
		"Mail Archive Audit Event", {"action": "Marked Private", "communication": private, "user": holder}
	)
	for user in (colleague, manager):
		listed = tab(box, user)
		assert private not in listed and shared in listed
		assert refused(user, lambda: api.get_mail_view(private))
		assert nothing_full(full_reads(box, user, private))
		assert all_full(full_reads(box, user, shared), user)
	assert tab(box, holder)[private].private == 1
	assert all_full(full_reads(box, holder, private), holder)
	# the mark is not a field anyone edits: REST and frappe.client go through the guard
	with pytest.raises(frappe.PermissionError):
		frappe.client.set_value("Communication", private, "mail_archive_private", 0)
	# a manager takes it back
	frappe.set_user(manager)
	api.set_mail_private(private, False)
	frappe.set_user("Administrator")
	assert frappe.db.exists("Mail Archive Audit Event", {"action": "Marked Shared", "communication": private})
	assert private in tab(box, colleague)


def test_an_account_with_archived_mail_is_not_deleted_and_its_mail_stays(
	mailbox, web_server, committed_cleanup
):
	box = mailbox
	with pytest.raises(frappe.LinkExistsError, match="Disable it instead"):
		frappe.delete_doc("Mail Archive Account", box.account.name, ignore_permissions=True)
	frappe.db.rollback()
	password = f"Pw-{uuid.uuid4().hex}"
	manager = make_user("System Manager", password=password)
	committed_cleanup("User", manager)
	frappe.db.commit()
	session = requests.Session()
	assert session.post(f"{web_server}/api/method/login", data={"usr": manager, "pwd": password}).ok
	response = session.delete(f"{web_server}/api/resource/Mail Archive Account/{box.account.name}")
	assert response.status_code == 417 and "LinkExistsError" in response.text, response.text
	assert frappe.db.exists("Mail Archive Account", box.account.name)
	assert frappe.db.count("Communication", {"email_account": box.account.email_account}) == 3
	assert frappe.db.count("Mail Attachment", {"communication": ("in", box.mails)}) == 2


def test_every_change_of_who_reads_an_accounts_mail_is_audited(mailbox):
	box = mailbox
	new_owner = make_user("Sales User")
	account = frappe.get_doc("Mail Archive Account", box.account.name)
	account.account_owner = new_owner
	account.confidential = 1
	account.visibility = "Headers only"
	account.save(ignore_permissions=True)
	account.confidential = 0
	account.save(ignore_permissions=True)
	details = set(
		frappe.get_all(
			"Mail Archive Audit Event",
			{
				"action": "Access Changed",
				"reference_doctype": "Mail Archive Account",
				"reference_name": account.name,
			},
			pluck="detail",
		)
	)
	assert details == {
		f"account_owner: {box.account.account_owner} → {new_owner}",
		"confidential: 0 → 1",
		"confidential: 1 → 0",
		"visibility: Shared → Headers only",
		# (the owner's User Email follows the ownership, compose/senders.py: the owner change above
		# is what widens who reads; an owner's own row changes nothing of it)
	}
	# a user given the Email Account holds the mailbox: recorded too, and when it is taken away
	colleague = make_user("Sales User")
	user = frappe.get_doc("User", colleague)
	user.append("user_emails", {"email_account": account.email_account})
	user.save(ignore_permissions=True)
	user.user_emails = []
	user.save(ignore_permissions=True)
	assert {f"holder added: {colleague}", f"holder removed: {colleague}"} <= set(
		frappe.get_all(
			"Mail Archive Audit Event",
			{"action": "Access Changed", "reference_name": account.name},
			pluck="detail",
		)
	)


def test_a_new_account_starts_with_the_sites_default_visibility(mailbox):
	box = mailbox
	frappe.db.set_single_value("Mail Archive Settings", "default_visibility", "Headers only")
	account = frappe.get_doc("Mail Archive Account", box.account.name)
	account.visibility = None
	account.validate()
	assert account.visibility == "Headers only"


def test_audit_names_the_mail_not_the_attachments_file_name(mailbox):
	box = mailbox
	attachment = frappe.get_all("Mail Attachment", {"communication": box.mails[0]}, pluck="name")[0]
	frappe.set_user(box.account.account_owner)
	api.download_attachment(attachment)
	frappe.set_user("Administrator")
	event = frappe.get_all(
		"Mail Archive Audit Event",
		{"action": "Downloaded Attachment", "communication": box.mails[0]},
		["detail"],
	)[0]
	assert "preise-0.bin" not in (event.detail or "")


def files_on_disk() -> set[str]:
	root = archive_files.files_folder()
	return {os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names}


def test_an_export_writes_one_file_the_one_its_log_names(mailbox, committed_cleanup):
	box = mailbox
	before = files_on_disk()
	frappe.set_user(box.account.account_owner)
	try:
		export = api.export_mail("Record", doctype="Customer", name=box.customer)["export"]
	finally:
		frappe.set_user("Administrator")
	committed_cleanup("Mail Export", export)
	frappe.db.commit()
	run_background_jobs()
	frappe.db.rollback()
	log = frappe.get_doc("Mail Export", export)
	assert log.status == "Ready" and log.mail_count == 2
	assert files_on_disk() - before == {archive_files.path_of(log.file)}  # no second, unreferenced copy
	assert frappe.db.exists("Mail Archive Audit Event", {"action": "Exported", "communication": box.mails[0]})
