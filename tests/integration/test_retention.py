"""GoBD and GDPR: an archived mail cannot be changed by anyone, is deleted only after its retention
period (end of the mail's calendar year + 6 years, 10 when filed at an accounting document) and
only by a manager, never while a legal hold keeps it; an erasure on request removes every trace
of the address's mail that nothing keeps, and records it without the content; who opened,
downloaded, exported, filed, un-filed or deleted a mail is audited."""

from __future__ import annotations

import os

import frappe
import pytest
from frappe.translate import get_all_translations

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.compliance.erasure import erase_address, purge_expired
from crm_mail_archive.infra import archive_files
from crm_mail_archive.integrity.seal import seal
from crm_mail_archive.integrity.verify import verify
from crm_mail_archive.retention.policy import retention_ends
from crm_mail_archive.transfer.exports import run_export
from crm_mail_archive.transfer.imports import MailImport
from tests.support import (
	a_mail,
	attachments_of,
	copies_of,
	make_user,
	original_of,
)

# every table the app writes a mail's rows to, by the column naming the mail
MAIL_TABLES = {
	"Communication": "name",
	"Communication Link": "parent",
	"Timeline Link": "communication",
	"Mail Address Index": "communication",
	"Mail Search Text": "communication",
	"Mailbox Copy": "communication",
	"Mail Server Action": "communication",
}


@pytest.fixture
def archived(dovecot, mail_user, make_archive_account, crm, tmp_path):
	"""Three archived mails of a customer's contact (one with an attachment), filed at the
	customer; returns (account, customer, address, {subject: communication})."""
	customer = crm.customer("Aufbewahrungskunde")
	address = crm.address("dsgvo")
	crm.contact([address], links=[("Customer", customer)])
	account = make_archive_account(mail_user)
	paths = []
	for number, subject in enumerate(("Anfrage", "Angebot", "Rechnung")):
		path = tmp_path / f"{number}.eml"
		attachments = [("beleg.txt", b"Belegnummer 4711")] if subject == "Rechnung" else []
		path.write_bytes(a_mail(subject, sender=address, attachments=attachments))
		paths.append((str(path), path.name))
	result = MailImport(account.name, ("Customer", customer)).run(paths)
	mails = {frappe.db.get_value("Communication", name, "subject"): name for name in result.communications}
	return account, customer, address, mails


def age(communication: str, year: int) -> None:
	frappe.db.set_value(
		"Communication", communication, "communication_date", f"{year}-03-01 10:00:00", update_modified=False
	)


def as_user(user: str):
	class _As:
		def __enter__(self):
			frappe.set_user(user)

		def __exit__(self, *exc):
			frappe.set_user("Administrator")

	return _As()


def test_an_archived_mail_and_its_attachments_cannot_be_changed_by_anyone(archived):
	_account, _customer, _address, mails = archived
	doc = frappe.get_doc("Communication", mails["Angebot"])
	doc.subject = "Geändert"
	with pytest.raises(frappe.PermissionError, match="cannot be changed"):
		doc.save(ignore_permissions=True)
	with pytest.raises(frappe.PermissionError):
		frappe.client.set_value("Communication", mails["Angebot"], "content", "<p>anders</p>")
	# bookkeeping the app keeps is not content: status and seen may change
	doc = frappe.get_doc("Communication", mails["Angebot"])
	doc.status = "Closed"
	doc.save(ignore_permissions=True)

	(attachment,) = frappe.get_all("Mail Attachment", {"communication": mails["Rechnung"]}, pluck="name")
	row = frappe.get_doc("Mail Attachment", attachment)
	row.file_name = "anders.txt"
	with pytest.raises(frappe.PermissionError):
		row.save(ignore_permissions=True)
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Mail Attachment", attachment, ignore_permissions=True)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(
			{"doctype": "Mail Attachment", "communication": mails["Rechnung"], "file_name": "neu.txt"}
		).insert(ignore_permissions=True)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "nachgeschoben.txt",
				"content": b"neu",
				"attached_to_doctype": "Communication",
				"attached_to_name": mails["Rechnung"],
				"is_private": 1,
			}
		).insert(ignore_permissions=True)
	assert attachments_of(mails["Rechnung"])[0].content == b"Belegnummer 4711"


def test_deletion_is_refused_before_the_retention_end_for_every_role_and_allowed_after_for_a_manager(
	archived,
):
	_account, _customer, _address, mails = archived
	manager = make_user("Mail Archive Manager", "System Manager")
	clerk = make_user("Sales User", "Inbox User")
	for user in ("Administrator", manager, clerk):
		with as_user(user), pytest.raises(frappe.PermissionError):
			frappe.delete_doc("Communication", mails["Anfrage"], ignore_permissions=True)
	# the period runs from the end of the mail's calendar year: 6 years for business letters
	age(mails["Anfrage"], 2015)
	assert str(retention_ends([mails["Anfrage"]])[mails["Anfrage"]]) == "2021-12-31"
	with as_user(clerk), pytest.raises(frappe.PermissionError, match="Mail Archive Manager"):
		frappe.delete_doc("Communication", mails["Anfrage"], ignore_permissions=True)
	with as_user(manager):
		frappe.delete_doc("Communication", mails["Anfrage"])
	assert not frappe.db.exists("Communication", mails["Anfrage"])
	assert frappe.db.exists(
		"Mail Archive Audit Event", {"communication": mails["Anfrage"], "action": "Deleted"}
	)


def test_mail_filed_at_an_accounting_document_keeps_the_accounting_period(archived):
	_account, _customer, _address, mails = archived
	age(mails["Rechnung"], 2015)
	frappe.get_doc(
		{
			"doctype": "Timeline Link",
			"communication": mails["Rechnung"],
			"link_doctype": "Sales Invoice",
			"link_name": "SINV-TEST",
			"source": "Manual",
		}
	).db_insert()
	assert str(retention_ends([mails["Rechnung"]])[mails["Rechnung"]]) == "2025-12-31"


def test_a_legal_hold_on_the_mail_its_account_or_a_record_keeps_it_from_deletion_purge_and_erasure(archived):
	account, customer, address, mails = archived
	for name in mails.values():
		age(name, 2010)
	manager = make_user("Mail Archive Manager")
	with as_user(manager):
		api.set_legal_hold(mails["Anfrage"], True)
	frappe.db.set_value("Mail Archive Account", account.name, "legal_hold", 1)
	with as_user(manager):
		preview = api.erasure_preview(address)
	assert preview["erasable"] == 0 and preview["kept"] == 3
	frappe.db.set_value("Mail Archive Account", account.name, "legal_hold", 0)
	hold = frappe.get_doc(
		{
			"doctype": "Mail Archive Legal Hold",
			"reference_doctype": "Customer",
			"reference_name": customer,
			"reason": "Prozess",
		}
	).insert(ignore_permissions=True)
	frappe.db.set_single_value("Mail Archive Settings", "purge_after_retention", 1)
	try:
		purge_expired()
		assert all(frappe.db.exists("Communication", name) for name in mails.values())
		with pytest.raises(frappe.PermissionError, match="legal hold"):
			frappe.delete_doc("Communication", mails["Angebot"], ignore_permissions=True)
		hold.active = 0
		hold.save(ignore_permissions=True)
		purge_expired()  # now only the mail's own hold keeps "Anfrage"
		assert [name for name in mails.values() if frappe.db.exists("Communication", name)] == [
			mails["Anfrage"]
		]
		purge = frappe.get_last_doc("Mail Archive Erasure", {"kind": "Purge"})
		assert purge.mail_count >= 2 and mails["Angebot"] in purge.fingerprints
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "purge_after_retention", 0)
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Mail Archive Legal Hold", hold.name, ignore_permissions=True)
	# a record under an active hold is not deleted (its filings keep the mail)
	hold.active = 1
	hold.save(ignore_permissions=True)
	with pytest.raises(frappe.PermissionError, match="legal hold"):
		frappe.delete_doc("Customer", customer, ignore_permissions=True, force=True)


def test_erasure_removes_every_trace_of_the_address_mail_that_nothing_keeps_and_records_no_content(archived):
	_account, _customer, address, mails = archived
	age(mails["Anfrage"], 2012)
	age(mails["Rechnung"], 2012)  # "Angebot" is this year's: retention keeps it
	raw_files = {
		name: frappe.db.get_value("Communication", name, "mail_archive_raw_file") for name in mails.values()
	}
	attachment_files = frappe.get_all(
		"Mail Attachment", {"communication": mails["Rechnung"]}, pluck="stored_file"
	)
	clerk = make_user("Sales User")
	with as_user(clerk), pytest.raises(frappe.PermissionError):
		api.erase_personal_data(address, "Antrag vom 1.12.")
	manager = make_user("Mail Archive Manager")
	with as_user(manager):
		preview = api.erasure_preview(address.upper())
		assert (preview["erasable"], preview["kept"]) == (2, 1)
		result = api.erase_personal_data(address, "Antrag vom 1.12.")
	erased = [mails["Anfrage"], mails["Rechnung"]]
	for doctype, column in MAIL_TABLES.items():
		assert frappe.db.count(doctype, {column: ("in", erased)}) == 0, doctype
		assert frappe.db.count(doctype, {column: mails["Angebot"]}) >= (
			1 if doctype == "Communication" else 0
		)
	assert frappe.db.count("Mail Attachment", {"communication": ("in", erased)}) == 0
	assert not frappe.db.exists(
		"Deleted Document", {"deleted_doctype": "Communication", "deleted_name": ("in", erased)}
	)
	# the files go once the erasure is committed (a refused or failed one leaves every byte)
	for reference in [raw_files[name] for name in erased] + attachment_files:
		assert os.path.exists(archive_files.path_of(reference))
	frappe.db.commit()
	for reference in [raw_files[name] for name in erased] + attachment_files:
		assert not os.path.exists(archive_files.path_of(reference))
	assert os.path.exists(archive_files.path_of(raw_files[mails["Angebot"]]))
	record = frappe.get_doc("Mail Archive Erasure", result["erasure"])
	assert record.kind == "Erasure" and record.mail_count == 2 and record.owner == manager
	assert address not in (record.as_json()) and "Anfrage" not in record.fingerprints
	assert record.address_sha256 and len(record.address_sha256) == 64
	assert (
		frappe.db.count("Mail Archive Audit Event", {"communication": ("in", erased), "action": "Erased"})
		== 2
	)


def test_opening_downloading_exporting_and_filing_are_audited(archived, tmp_path):
	_account, customer, _address, mails = archived
	reader = make_user("Sales User", "Sales Manager")
	name = mails["Angebot"]
	with as_user(reader):
		api.get_mail_view(name)
		api.download_original(name)
		api.unfile_mail(name, "Customer", customer)
		api.file_mail([name], "Customer", customer)
		export = api.export_mail("Record", doctype="Customer", name=customer)["export"]
	run_export(export)  # (the job a worker runs)
	with_attachment = mails["Rechnung"]
	(attachment,) = frappe.get_all("Mail Attachment", {"communication": with_attachment}, pluck="name")
	with as_user(reader):
		api.download_attachment(attachment)
	actions = set(
		frappe.get_all("Mail Archive Audit Event", {"communication": name, "user": reader}, pluck="action")
	)
	assert actions == {"Opened", "Downloaded Original", "Unfiled", "Filed", "Exported"}
	assert frappe.db.exists(
		"Mail Archive Audit Event",
		{
			"communication": with_attachment,
			"user": reader,
			"action": "Downloaded Attachment",
			"detail": attachment,  # the attachment, not its file name (auditors learn no names)
		},
	)
	assert frappe.db.exists(
		"Mail Archive Audit Event",
		{"communication": with_attachment, "action": "Exported", "reference_name": export},
	)
	# an audit entry is never changed nor deleted
	entry = frappe.get_last_doc("Mail Archive Audit Event", {"communication": name})
	entry.detail = "anders"
	with pytest.raises(frappe.PermissionError):
		entry.save(ignore_permissions=True)
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Mail Archive Audit Event", entry.name, ignore_permissions=True)
	# the auditor reads the trail; a sales user does not
	auditor = make_user("Mail Archive Auditor")
	assert frappe.has_permission("Mail Archive Audit Event", "read", user=auditor)
	assert not frappe.has_permission("Mail Archive Audit Event", "read", user=reader)
	assert not frappe.has_permission("Mail Archive Audit Event", "write", user=auditor)


# --- the desk ---------------------------------------------------------------------------------


def test_an_erased_mail_leaves_the_chain_verifiable_and_never_comes_back(archived, chain_cleanup, tmp_path):
	account, _customer, address, mails = archived
	tomorrow = frappe.utils.add_days(frappe.utils.getdate(), 1)
	seal(tomorrow)
	age(mails["Anfrage"], 2012)
	original = original_of(mails["Anfrage"])
	result = erase_address(address, "Antrag vom 1.12.")
	assert result["erasable"] == 1 and not frappe.db.exists("Communication", mails["Anfrage"])
	frappe.db.commit()
	verified = verify(account.name, since=frappe.utils.getdate())
	assert verified.ok, [finding.line() for finding in verified.findings]
	# imported (or synced) again, the erased mail is not archived again
	again = tmp_path / "wieder.eml"
	again.write_bytes(original)
	imported = MailImport(account.name).run([(str(again), "wieder.eml")])
	assert (imported.new, len(imported.quarantined)) == (0, 0)
	assert not frappe.db.exists(
		"Communication",
		{
			"mail_archive_key": frappe.db.get_value(
				"Mail Archive Erased Key", {"erasure": result["erasure"]}, "message_key"
			)
		},
	)


def test_an_erasure_can_delete_the_mail_on_the_mail_server_too(dovecot, mail_user, make_archive_account, crm):
	customer = crm.customer("Serverkunde")
	address = crm.address("server")
	crm.contact([address], links=[("Customer", customer)])
	dovecot.append(mail_user, a_mail("Alte Anfrage", sender=address))
	dovecot.append(mail_user, a_mail("Andere Mail"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	erased = frappe.db.get_value(
		"Communication", {"subject": "Alte Anfrage", "email_account": account.email_account}
	)
	age(erased, 2012)
	record = erase_address(address, "Antrag", on_server=True)
	assert record["erasable"] == 1
	assert [b"Andere Mail" in raw for raw in dovecot.messages(mail_user).values()] == [True]
	assert not frappe.db.get_value("Mail Archive Erasure", record["erasure"], "server_problems")
	# a new sync from scratch finds only the other mail
	frappe.db.delete("Mailbox Copy", {"account": account.name})
	for row in frappe.get_all("Mail Archive Folder", {"parent": account.name}, pluck="name"):
		frappe.db.set_value("Mail Archive Folder", row, {"highest_uid": 0, "uidvalidity": 0})
	frappe.db.commit()
	sync_account(account.name)
	assert [copy.communication for copy in copies_of(account)] != [] and not frappe.db.exists(
		"Communication", erased
	)
	assert not frappe.db.exists(
		"Communication", {"subject": "Alte Anfrage", "email_account": account.email_account}
	)


def test_the_two_archive_roles(archived):
	"""Mail Archive Manager: settings, holds, erasure; Mail Archive Auditor: reads the trail and
	the records, changes nothing; neither reads mail by these roles."""
	_account, customer, address, mails = archived
	manager, auditor = make_user("Mail Archive Manager"), make_user("Mail Archive Auditor")
	readable = {
		"Mail Archive Audit Event": (False, True),
		"Mail Archive Erasure": (True, True),
		"Mail Archive Legal Hold": (True, True),
		"Mail Archive Verification": (False, True),
		"Mail Archive Digest": (False, True),
		"Mail Archive Settings": (True, False),
	}
	for doctype, (by_manager, by_auditor) in readable.items():
		assert bool(frappe.has_permission(doctype, "read", user=manager)) == by_manager, doctype
		assert bool(frappe.has_permission(doctype, "read", user=auditor)) == by_auditor, doctype
	for doctype in readable:
		assert not frappe.has_permission(doctype, "delete", user=auditor), doctype
		assert (
			not frappe.has_permission(doctype, "write", user=auditor) or doctype == "Mail Archive Legal Hold"
		)
	assert frappe.has_permission("Mail Archive Legal Hold", "create", user=manager)
	assert not frappe.has_permission("Mail Archive Legal Hold", "create", user=auditor)
	assert frappe.has_permission("Mail Archive Settings", "write", user=manager)
	for user in (manager, auditor):
		assert not frappe.has_permission("Communication", "read", mails["Angebot"], user=user)
	with as_user(auditor), pytest.raises(frappe.PermissionError):
		api.erasure_preview(address)
	with as_user(manager):
		assert api.erasure_preview(address)["kept"] == 3
	frappe.cache.delete_key("translations")  # German labels of the two roles
	german = get_all_translations("de")
	assert (german["Mail Archive Manager"], german["Mail Archive Auditor"]) == (
		"E-Mail-Archiv-Verwalter",
		"E-Mail-Archiv-Prüfer",
	)
