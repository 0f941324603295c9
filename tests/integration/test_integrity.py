"""Integrity (GoBD): every stored mail records the SHA-256 of its original, a daily seal chains the
mails' hashes, and verification names each change on a real site with real files: an altered or
deleted original, a deleted attachment, a foreign file, a changed hash or a deleted row of a
sealed day, a changed chain entry. The weekly job tells the System Managers; the CLI exits 1."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import frappe
import pytest

from crm_mail_archive import tasks
from crm_mail_archive.infra import archive_files
from crm_mail_archive.integrity.seal import DIGEST, seal, seal_erasure
from crm_mail_archive.integrity.verify import find_unknown_files, verify
from crm_mail_archive.storage.originals import digest
from tests.support import bench_command, bench_path, import_mails, make_user


def path_of(reference: str) -> str:
	return archive_files.path_of(reference)


def attachment_of(communication: str) -> str:
	"""The file of the mail's one attachment."""
	(reference,) = frappe.get_all("Mail Attachment", {"communication": communication}, pluck="stored_file")
	return reference


def foreign_file() -> str:
	"""A file put into the archive's folder behind its back."""
	reference = archive_files.new_reference()
	archive_files.write_new(reference, b"not ours")
	return reference


def today():
	return frappe.utils.getdate()


def tomorrow():
	return today() + timedelta(days=1)


def by_mail(result) -> dict[str, set[str]]:
	kinds: dict[str, set[str]] = {}
	for finding in result.findings:
		kinds.setdefault(finding.communication, set()).add(finding.kind)
	return kinds


def test_stored_mail_records_the_sha256_of_its_original(dovecot, mail_user, make_archive_account, tmp_path):
	account = make_archive_account(mail_user)
	(communication,) = import_mails(account, tmp_path, ["Mit Hash"], attachment_lines=200).values()
	row = frappe.db.get_value(
		"Communication", communication, ["mail_archive_sha256", "mail_archive_raw_file"], as_dict=True
	)
	assert row.mail_archive_sha256 == digest((tmp_path / "Mit Hash.eml").read_bytes())
	# the file's name says nothing of the mail (its hash is in the database, not in a name)
	assert archive_files.REFERENCE.match(row.mail_archive_raw_file)
	assert row.mail_archive_sha256 not in row.mail_archive_raw_file


def test_verify_names_each_altered_missing_unknown_file_and_changed_row_with_its_mail(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	account = make_archive_account(mail_user)
	mails = import_mails(
		account,
		tmp_path,
		["Veraendert", "Geloescht", "Ohne Anlage", "Hash", "Zeile", "Gut"],
		attachment_lines=200,
	)
	made = seal(tomorrow())
	assert made and seal(tomorrow()) == []  # idempotent
	entry = frappe.db.get_value("Communication", mails["Gut"], "mail_archive_digest")
	assert entry in made and frappe.db.get_value(DIGEST, entry, "day") == today()
	clean = verify(account.name, since=today())
	assert clean.ok, [finding.line() for finding in clean.findings]
	assert clean.mails_checked == 6 and clean.files_checked == 12

	raw = {
		name: frappe.db.get_value("Communication", c, "mail_archive_raw_file") for name, c in mails.items()
	}
	chain_cleanup.extend(path_of(url) for url in raw.values())
	with open(path_of(raw["Veraendert"]), "r+b") as handle:  # a byte changed in the compressed mail
		handle.seek(-20, os.SEEK_END)
		byte = handle.read(1)
		handle.seek(-20, os.SEEK_END)
		handle.write(bytes([byte[0] ^ 0xFF]))
	os.remove(path_of(raw["Geloescht"]))
	os.remove(path_of(attachment_of(mails["Ohne Anlage"])))
	frappe.db.set_value(
		"Communication", mails["Hash"], "mail_archive_sha256", "0" * 64, update_modified=False
	)
	frappe.db.delete("Communication", {"name": mails["Zeile"]})
	foreign = foreign_file()
	chain_cleanup.append(path_of(foreign))
	frappe.db.commit()

	result = verify(account.name, since=today())
	found = by_mail(result)
	assert found[mails["Veraendert"]] == {"altered"}
	assert found[mails["Geloescht"]] == {"missing"}
	assert "missing" in found[mails["Ohne Anlage"]]  # and its original cannot be rebuilt without it
	assert found[mails["Hash"]] == {"seal", "altered"}
	assert found[mails["Zeile"]] == {"seal"}
	assert mails["Gut"] not in found
	assert not [finding for finding in result.findings if finding.kind == "chain"]
	missing_attachment = [
		f for f in result.findings if f.kind == "missing" and f.communication == mails["Ohne Anlage"]
	]
	assert missing_attachment[0].file == attachment_of(mails["Ohne Anlage"])
	# unknown files (the archive's whole folder): the foreign file, and the original of the deleted row
	unknown = {finding.file for finding in find_unknown_files()}
	assert {foreign, raw["Zeile"]} <= unknown

	# the chain: an entry changed in SQL is found
	frappe.db.sql(f"update `tab{DIGEST}` set mail_count = mail_count + 1 where name = %s", [entry])
	frappe.db.commit()
	chain = [f for f in verify(account.name, since=today()).findings if f.kind == "chain"]
	assert chain and {f.entry for f in chain} == {entry}


def test_the_cli_prints_findings_and_the_rate_and_exits_1_on_any(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	account = make_archive_account(mail_user)
	mails = import_mails(account, tmp_path, ["Eins", "Zwei"], attachment_lines=200)
	site = frappe.local.site

	def cli(*args: str) -> subprocess.CompletedProcess:
		return subprocess.run(
			bench_command("--site", site, "mail-archive", *args),
			cwd=bench_path() / "sites",
			capture_output=True,
			text=True,
			timeout=300,
		)

	sealed = cli("seal", "--until", tomorrow().isoformat())
	assert sealed.returncode == 0, sealed.stderr
	assert "chain head: MAD-" in sealed.stdout
	scope = ("--account", account.name, "--since", today().isoformat())
	clean = cli("verify", *scope)
	assert clean.returncode == 0, clean.stdout + clean.stderr
	assert "2 mails, 4 files" in clean.stdout and "mails/s" in clean.stdout and "0 findings" in clean.stdout

	raw = frappe.db.get_value("Communication", mails["Zwei"], "mail_archive_raw_file")
	chain_cleanup.append(path_of(raw))
	os.remove(path_of(raw))
	broken = cli("verify", *scope)
	assert broken.returncode == 1
	assert f"missing: mail {mails['Zwei']}: file {raw}" in broken.stdout
	assert "1 findings" in broken.stdout
	frappe.db.rollback()
	record = frappe.get_last_doc("Mail Archive Verification")
	assert (record.ok, record.findings_count, record.triggered_by) == (0, 1, "Command Line")
	assert mails["Zwei"] in record.findings

	from crm_mail_archive.crm_mail_archive.report.mail_archive_integrity.mail_archive_integrity import execute

	columns, data, _message, _chart, summary = execute({"verification": record.name})
	assert [(row["communication"], row["file"]) for row in data] == [(mails["Zwei"], raw)]


def test_the_weekly_verification_notifies_the_system_managers(committed_cleanup, chain_cleanup):
	manager = make_user("System Manager")
	committed_cleanup("User", manager)
	foreign = foreign_file()
	chain_cleanup.append(path_of(foreign))
	frappe.db.commit()
	tasks.verify_archive()
	record = frappe.get_last_doc("Mail Archive Verification")
	assert record.triggered_by == "Scheduler" and not record.ok
	assert foreign in record.findings
	assert frappe.db.exists(
		"Notification Log",
		{"for_user": manager, "document_type": "Mail Archive Verification", "document_name": record.name},
	)


def test_an_erasure_entry_keeps_the_chain_verifiable_and_entries_cannot_be_changed(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	account = make_archive_account(mail_user)
	mails = import_mails(account, tmp_path, ["Bleibt", "Wird geloescht"], attachment_lines=200)
	seal(tomorrow())
	erased = mails["Wird geloescht"]
	raw = frappe.db.get_value("Communication", erased, "mail_archive_raw_file")
	attachment = attachment_of(erased)
	entry = seal_erasure([erased])
	frappe.db.delete("Communication", {"name": erased})
	for file_url in (raw, attachment):
		os.remove(path_of(file_url))
	frappe.db.commit()
	assert frappe.db.get_value(DIGEST, entry, "entry_type") == "Erasure"
	result = verify(account.name, since=today())
	assert result.ok, [finding.line() for finding in result.findings]

	document = frappe.get_doc(DIGEST, entry)
	document.mail_count = 0
	with pytest.raises(frappe.ValidationError):
		document.save(ignore_permissions=True)
	with pytest.raises(frappe.ValidationError):
		frappe.delete_doc(DIGEST, entry, ignore_permissions=True)
