"""Evidence a court accepts: what the archive shows of a mail is sealed with its original (a change
in the database is named by verify, and by --reparse against the original), each mail's seal is
proven by a Merkle audit path to its day's root, the chain's heads carry RFC 3161 timestamps of a
TSA (a forged token and a rewritten chain are found), and an evidence pack is checked by its own
verifier, without the archive and without Frappe, which names each changed byte."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import frappe
import pytest

from crm_mail_archive.integrity import merkle, verify_evidence
from crm_mail_archive.integrity.proofs import inclusion_proof
from crm_mail_archive.integrity.seal import DIGEST, chain_hash, entry_hash, lines_of, mail_line, seal
from crm_mail_archive.integrity.timestamps import request_token
from crm_mail_archive.integrity.verify import verify
from crm_mail_archive.storage.shown import SHOWN_FIELD, shown_hashes_of
from devtools.tsa import LocalTsa
from tests.support import bench_command, bench_path, import_mails

SETTINGS = "Mail Archive Settings"
# each shown column of a mail, and what a database edit writes into it
SHOWN_EDITS = {
	"subject": "Rechnung bezahlt",
	"sender": "chef@beispiel.de",
	"sender_full_name": "Der Chef",
	"recipients": "jemand@anders.de",
	"cc": "mitwisser@beispiel.de",
	"communication_date": "2001-01-01 12:00:00",
	"message_id": "<erfunden@beispiel.de>",
	"sent_or_received": "Sent",
	"text_content": "Wir verzichten auf jede Forderung.",
	"content": "<p>Wir verzichten auf jede Forderung.</p>",
}


def today():
	return frappe.utils.getdate()


def tomorrow():
	return today() + timedelta(days=1)


def by_mail(result) -> dict[str, set[str]]:
	kinds: dict[str, set[str]] = {}
	for finding in result.findings:
		kinds.setdefault(finding.communication, set()).add(finding.kind)
	return kinds


def use_tsa(url: str, certificates: str) -> None:
	frappe.db.set_single_value(SETTINGS, {"tsa_url": url, "tsa_certificates": certificates})
	frappe.db.commit()
	frappe.clear_document_cache(SETTINGS, SETTINGS)


@pytest.fixture
def tsa(tmp_path):
	"""The local TSA (devtools/tsa.py), set in Mail Archive Settings while the test runs."""
	authority = LocalTsa(tmp_path / "tsa").start()
	use_tsa(authority.url, authority.certificates_pem)
	yield authority
	use_tsa("", "")
	authority.stop()


def kinds_of(result, kind: str) -> dict[str, str]:
	return {
		finding.communication or finding.entry: finding.detail
		for finding in result.findings
		if finding.kind == kind
	}


# --- 1. what is shown ---------------------------------------------------------------------------


def test_a_database_edit_of_each_shown_field_of_a_sealed_mail_is_named_by_verify_and_by_reparse(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	account = make_archive_account(mail_user)
	subjects = [*SHOWN_EDITS, "attachment", "rehashed", "untouched"]
	mails = import_mails(account, tmp_path, subjects)
	recorded = frappe.get_all(
		"Communication", {"name": ("in", list(mails.values()))}, ["name", SHOWN_FIELD], as_list=True
	)
	assert all(len(sha256 or "") == 64 for _name, sha256 in recorded)
	assert seal(tomorrow())
	line = frappe.db.get_value(
		DIGEST, frappe.db.get_value("Communication", mails["untouched"], "mail_archive_digest"), "mails"
	)
	assert f"shown:{dict(recorded)[mails['untouched']]}" in line  # sealed with the original's hash
	clean = verify(account.name, since=today(), reparse=True)
	assert clean.ok, [finding.line() for finding in clean.findings]
	assert clean.mails_reparsed == len(subjects)
	assert clean.heads_not_timestamped >= 1 and not clean.head_timestamp  # no TSA is set

	for column, value in SHOWN_EDITS.items():
		frappe.db.sql(
			f"update `tabCommunication` set `{column}` = %s where name = %s", [value, mails[column]]
		)
	frappe.db.sql(
		"update `tabMail Attachment` set file_name = 'Quittung.pdf' where communication = %s",
		[mails["attachment"]],
	)
	# whoever edits the body and records its new hash breaks the seal instead
	frappe.db.sql("update `tabCommunication` set content = '<p>neu</p>' where name = %s", [mails["rehashed"]])
	(new_hash,) = shown_hashes_of([mails["rehashed"]]).values()
	frappe.db.sql(
		f"update `tabCommunication` set {SHOWN_FIELD} = %s where name = %s", [new_hash, mails["rehashed"]]
	)
	frappe.db.commit()

	result = verify(account.name, since=today(), reparse=True)
	found = by_mail(result)
	for edited in [*SHOWN_EDITS, "attachment"]:
		assert "shown" in found[mails[edited]], edited
	assert found[mails["rehashed"]] >= {"seal"} and "shown" not in found[mails["rehashed"]]
	assert mails["untouched"] not in found
	# the original says otherwise, field by field (the direction is the folder's, not the mail's)
	rendition = {}
	for finding in result.findings:
		if finding.kind == "rendition":
			rendition.setdefault(finding.communication, []).append(finding.detail)
	for column in SHOWN_EDITS:
		if column != "sent_or_received":
			assert any(column in detail for detail in rendition[mails[column]]), column
	assert any("Quittung.pdf" in detail for detail in rendition[mails["attachment"]])
	assert any("content" in detail for detail in rendition[mails["rehashed"]])

	sampled = verify(account.name, since=today(), reparse=True, sample=3)
	assert sampled.mails_reparsed == 3

	cli = subprocess.run(
		bench_command(
			"--site",
			frappe.local.site,
			"mail-archive",
			"verify",
			"--account",
			account.name,
			"--since",
			today().isoformat(),
			"--reparse",
			"--sample",
			"2",
		),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert cli.returncode == 1
	assert f"shown: mail {mails['subject']}" in cli.stdout
	assert "2 originals parsed again" in cli.stdout
	assert "chain heads are not timestamped" in cli.stdout


def rechain_from(entry: str) -> None:
	"""Every chain hash from the entry on recomputed (as whoever holds the database could)."""
	start = frappe.db.get_value(DIGEST, entry, "sequence")
	for link in frappe.db.sql(
		f"select * from `tab{DIGEST}` where sequence >= %s order by sequence", [start], as_dict=True
	):
		previous = (
			frappe.db.get_value(DIGEST, link.previous_digest, "chain_hash") if link.previous_digest else None
		)
		frappe.db.set_value(
			DIGEST,
			link.name,
			"chain_hash",
			chain_hash(previous, link.sequence, link.entry_type, link.day, link.mail_count, link.day_hash),
			update_modified=False,
		)


def test_mail_sealed_before_the_shown_hash_still_verifies_after_the_patch_and_after_its_erasure(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	from crm_mail_archive.integrity.seal import lines_hash, seal_erasure
	from crm_mail_archive.patches import shown_sha256_recorded

	account = make_archive_account(mail_user)
	mails = import_mails(account, tmp_path, ["Alt bleibt", "Alt geht"])
	# as stored and sealed before: no shown hash, version 1 lines, an entry hashing its joined lines
	frappe.db.sql(
		f"update `tabCommunication` set {SHOWN_FIELD} = null where name in %s", [tuple(mails.values())]
	)
	seal(tomorrow())
	entry = frappe.db.get_value("Communication", mails["Alt bleibt"], "mail_archive_digest")
	lines = frappe.db.get_value(DIGEST, entry, "mails").split("\n")
	assert not [line for line in lines if "shown:" in line and line.split(" ")[0] in mails.values()]
	frappe.db.set_value(
		DIGEST, entry, {"hash_kind": "Lines", "day_hash": lines_hash(lines)}, update_modified=False
	)
	rechain_from(entry)
	frappe.db.commit()
	assert verify(account.name, since=today()).ok

	shown_sha256_recorded.execute()  # records the shown hash of mail stored before
	assert all(frappe.db.get_value("Communication", name, SHOWN_FIELD) for name in mails.values())
	result = verify(account.name, since=today())
	assert result.ok, [finding.line() for finding in result.findings]

	seal_erasure([mails["Alt geht"]])
	frappe.db.delete("Communication", {"name": mails["Alt geht"]})
	frappe.db.commit()
	result = verify(account.name, since=today(), unknown_files=False)
	assert result.ok, [finding.line() for finding in result.findings]


# --- 2. per-mail proofs -------------------------------------------------------------------------


def test_a_merkle_proof_verifies_for_every_mail_of_a_day_of_1000_lines_and_fails_for_a_changed_line():
	lines = [
		mail_line(
			f"mail{number:04d}", hashlib.sha256(str(number).encode()).hexdigest(), [], "Vertrieb", "ab" * 32
		)
		for number in range(1000)
	]
	root = merkle.merkle_root(lines)
	assert root == entry_hash(lines) and root != entry_hash(lines, "Lines")
	for line in lines:
		index, size, path = merkle.audit_path(lines, line)
		assert size == 1000 and len(path) <= 10  # log2(n) hashes, not n lines
		assert merkle.root_from_path(line, index, size, path) == root
		# the pack's verifier, which carries its own copy, agrees
		assert verify_evidence.root_from_path(line, index, size, path) == root
	index, size, path = merkle.audit_path(lines, lines[500])
	changed = lines[500].replace("Vertrieb", "Einkauf")
	assert merkle.root_from_path(changed, index, size, path) != root
	assert verify_evidence.root_from_path(changed, index, size, path) != root
	assert merkle.root_from_path(lines[500], index + 1, size, path) != root  # another place
	assert merkle.root_from_path(lines[500], index, size, [path[0][::-1], *path[1:]]) != root
	assert merkle.root_from_path(lines[500], index, size, path[:-1]) != root  # a path cut short


def test_a_sealed_mails_inclusion_proof_leads_from_its_line_to_the_chain_head(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	account = make_archive_account(mail_user)
	mails = import_mails(account, tmp_path, ["Beweis eins", "Beweis zwei", "Beweis drei"])
	made = seal(tomorrow())
	entry = frappe.db.get_value("Communication", mails["Beweis zwei"], "mail_archive_digest")
	assert frappe.db.get_value(DIGEST, entry, "hash_kind") == "Merkle"
	proof = inclusion_proof(mails["Beweis zwei"])
	row = frappe.db.get_value(
		"Communication",
		mails["Beweis zwei"],
		["name", "mail_archive_sha256", SHOWN_FIELD, "email_account"],
		as_dict=True,
	)
	assert proof["line"] == lines_of([row])[row.name]
	assert proof["entry"] == entry and proof["chain"][-1]["name"] == made[-1]
	day_hash = frappe.db.get_value(DIGEST, entry, "day_hash")
	assert (
		merkle.root_from_path(proof["line"], proof["leaf_index"], proof["tree_size"], proof["audit_path"])
		== day_hash
	)
	previous = proof["chain"][0]["previous_chain_hash"]
	for link in proof["chain"]:
		assert (
			chain_hash(
				previous,
				link["sequence"],
				link["entry_type"],
				link["day"],
				link["mail_count"],
				link["day_hash"],
			)
			== link["chain_hash"]
		)
		previous = link["chain_hash"]
	assert proof["timestamp_entry"] is None  # no TSA
	with pytest.raises(frappe.ValidationError):
		inclusion_proof(import_mails(account, tmp_path, ["Noch nicht versiegelt"])["Noch nicht versiegelt"])


# --- 3. RFC 3161 timestamps ---------------------------------------------------------------------


def test_chain_heads_are_timestamped_by_the_tsa_and_a_forged_token_and_a_rewritten_chain_are_found(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup, tsa
):
	account = make_archive_account(mail_user)
	mails = import_mails(account, tmp_path, ["Zeitstempel", "Nachbar"])
	made = seal(tomorrow())
	head = frappe.db.get_value(
		DIGEST,
		made[-1],
		["name", "chain_hash", "timestamp_token", "timestamp_time", "timestamp_error"],
		as_dict=True,
	)
	assert head.timestamp_token and head.timestamp_time and not head.timestamp_error
	assert tsa.requests == 1  # one token per seal run: for its new head
	result = verify(account.name, since=today())
	assert result.ok, [finding.line() for finding in result.findings]
	assert result.head_timestamp.startswith(head.name) and result.heads_not_timestamped == 0

	def token_check(token: bytes) -> dict[str, str]:
		frappe.db.set_value(
			DIGEST, head.name, "timestamp_token", base64.b64encode(token).decode(), update_modified=False
		)
		frappe.db.commit()
		return kinds_of(verify(account.name, since=today()), "timestamp")

	# a token of another TSA over the very chain hash (a forged one): not signed by the configured chain
	with LocalTsa(tmp_path / "forger") as forger:
		use_tsa(forger.url, forger.certificates_pem)
		forged, _time = request_token(head.chain_hash)
		use_tsa(tsa.url, tsa.certificates_pem)
	assert head.name in token_check(forged)
	# a genuine token over another hash
	other, _time = request_token("0" * 64)
	assert "does not verify" in token_check(other)[head.name]
	genuine = base64.b64decode(head.timestamp_token)
	assert token_check(genuine) == {}

	# whoever holds the database rewrites the mail, its shown hash, its line, the entry's root and
	# every chain hash after it: the chain and the seals agree again, the timestamp does not
	communication = mails["Zeitstempel"]
	entry = frappe.db.get_value("Communication", communication, "mail_archive_digest")
	frappe.db.sql("update `tabCommunication` set subject = 'Umgeschrieben' where name = %s", [communication])
	(rewritten,) = shown_hashes_of([communication]).values()
	frappe.db.sql(
		f"update `tabCommunication` set {SHOWN_FIELD} = %s where name = %s", [rewritten, communication]
	)
	row = frappe.db.get_value(
		"Communication",
		communication,
		["name", "mail_archive_sha256", SHOWN_FIELD, "email_account"],
		as_dict=True,
	)
	lines = [
		line if line.partition(" ")[0] != communication else lines_of([row])[communication]
		for line in frappe.db.get_value(DIGEST, entry, "mails").split("\n")
	]
	frappe.db.set_value(
		DIGEST,
		entry,
		{"mails": "\n".join(sorted(lines)), "day_hash": entry_hash(lines)},
		update_modified=False,
	)
	rechain_from(entry)
	frappe.db.commit()
	result = verify(account.name, since=today())
	assert not [finding for finding in result.findings if finding.kind in ("chain", "seal", "shown")]
	assert head.name in kinds_of(result, "timestamp")


def test_a_tsa_that_fails_leaves_the_seal_and_the_reason(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup
):
	account = make_archive_account(mail_user)
	import_mails(account, tmp_path, ["Ohne TSA"])
	authority = LocalTsa(tmp_path / "tsa")  # never started: nobody answers
	use_tsa("http://127.0.0.1:9/tsa", authority.certificates_pem)
	try:
		made = seal(tomorrow())
	finally:
		use_tsa("", "")
	head = frappe.db.get_value(DIGEST, made[-1], ["timestamp_token", "timestamp_error"], as_dict=True)
	assert made and not head.timestamp_token and head.timestamp_error
	assert verify(account.name, since=today()).ok


# --- 4. the evidence pack -----------------------------------------------------------------------


def without_frappe(tmp_path: Path) -> Path:
	"""A folder with rfc3161-client and what it imports, and nothing else of the bench."""
	import cffi
	import cryptography
	import rfc3161_client

	folder = tmp_path / "only-rfc3161-client"
	folder.mkdir()
	for module in (rfc3161_client, cryptography, cffi):
		source = Path(module.__file__).parent
		(folder / source.name).symlink_to(source)
	for backend in Path(cffi.__file__).parent.parent.glob("_cffi_backend*"):
		(folder / backend.name).symlink_to(backend)
	return folder


def run_verifier(pack: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
	"""The pack's own verify_evidence.py, in a fresh isolated Python that cannot import Frappe."""
	verifier = tmp_path / "verify_evidence.py"
	with zipfile.ZipFile(pack) as archive:
		verifier.write_bytes(archive.read("verify_evidence.py"))
	dependencies = tmp_path / "only-rfc3161-client"
	if not dependencies.exists():
		without_frappe(tmp_path)
	runner = (
		"import sys, importlib.util, runpy; "
		f"sys.path.insert(0, {str(dependencies)!r}); "
		"assert importlib.util.find_spec('frappe') is None, 'Frappe is importable'; "
		f"sys.argv = [{str(verifier)!r}, *sys.argv[1:]]; "
		f"runpy.run_path({str(verifier)!r}, run_name='__main__')"
	)
	return subprocess.run(
		[sys.executable, "-I", "-S", "-c", runner, str(pack), *args],
		capture_output=True,
		text=True,
		timeout=120,
		env={"PATH": os.environ.get("PATH", "")},
	)


def verdicts(output: str) -> dict[str, str]:
	return {line.split("\t")[0]: line.split("\t")[-1] for line in output.splitlines() if "\t" in line}


def with_member_changed(pack: Path, member: str, change, target: Path) -> Path:
	"""A copy of the pack with one member changed."""
	with zipfile.ZipFile(pack) as source, zipfile.ZipFile(target, "w") as copy:
		for item in source.infolist():
			data = source.read(item.filename)
			copy.writestr(item.filename, change(data) if item.filename == member else data)
	return target


def flip_byte(position: int):
	def change(data: bytes) -> bytes:
		at = position if position >= 0 else len(data) + position
		return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]

	return change


def test_the_evidence_packs_verifier_runs_without_frappe_and_names_each_changed_byte(
	dovecot, mail_user, make_archive_account, tmp_path, chain_cleanup, committed_cleanup, tsa
):
	account = make_archive_account(mail_user)
	mails = import_mails(account, tmp_path, ["Beweis", "Vertrag", "Lieferschein"])
	sealed = subprocess.run(
		bench_command("--site", frappe.local.site, "mail-archive", "seal", "--until", tomorrow().isoformat()),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert sealed.returncode == 0, sealed.stderr
	assert "chain head timestamped (RFC 3161) at" in sealed.stdout
	pack = tmp_path / "beweis.zip"
	exported = subprocess.run(
		bench_command(
			"--site",
			frappe.local.site,
			"mail-archive",
			"export",
			"--account",
			account.name,
			"--evidence",
			"-o",
			str(pack),
		),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=300,
	)
	assert exported.returncode == 0, exported.stderr
	assert "3 mails exported" in exported.stdout
	frappe.db.rollback()
	log = frappe.get_last_doc("Mail Export")
	committed_cleanup("Mail Export", log.name)
	assert (log.export_format, log.mail_count) == ("Evidence", 3)

	with zipfile.ZipFile(pack) as archive:
		names = set(archive.namelist())
		index = json.loads(archive.read("index.json"))
		by_communication = {mail["communication"]: mail for mail in index["mails"]}
		for communication in mails.values():
			mail = by_communication[communication]
			original = frappe.db.get_value("Communication", communication, "mail_archive_sha256")
			assert hashlib.sha256(archive.read(mail["file"])).hexdigest() == original
			assert mail["proof"] in names and mail["shown"] in names
		assert {
			"index.csv",
			"chain.json",
			"README.txt",
			"verify_evidence.py",
			"tsa-certificates.pem",
		} <= names
		token_members = [name for name in names if name.startswith("tokens/")]
		assert token_members
		proof_member = by_communication[mails["Vertrag"]]["proof"]
		proof = json.loads(archive.read(proof_member))

	passed = run_verifier(pack, tmp_path)
	assert passed.returncode == 0, passed.stdout + passed.stderr
	assert all(
		verdict.startswith("OK") and "timestamped" in verdict for verdict in verdicts(passed.stdout).values()
	)
	assert "3 of 3 mails verified" in passed.stdout

	# one byte of a mail
	mail_member = by_communication[mails["Lieferschein"]]["file"]
	broken = run_verifier(
		with_member_changed(pack, mail_member, flip_byte(-3), tmp_path / "mail.zip"), tmp_path
	)
	assert broken.returncode == 1
	found = verdicts(broken.stdout)
	assert (
		found[mails["Lieferschein"]].startswith("FAILED") and "message file" in found[mails["Lieferschein"]]
	)
	assert found[mails["Vertrag"]].startswith("OK")

	# one byte of a proof: a hash of its audit path
	assert proof["audit_path"]
	text = json.dumps(proof, indent=1, sort_keys=True).encode()
	position = text.index(proof["audit_path"][0].encode()) + 5
	broken = run_verifier(
		with_member_changed(pack, proof_member, flip_byte(position), tmp_path / "proof.zip"), tmp_path
	)
	assert broken.returncode == 1
	found = verdicts(broken.stdout)
	assert "Merkle path" in found[mails["Vertrag"]]
	assert found[mails["Lieferschein"]].startswith("OK")

	# one byte of a token: every mail it covers fails
	(token_member,) = token_members
	broken = run_verifier(
		with_member_changed(pack, token_member, flip_byte(-20), tmp_path / "token.zip"), tmp_path
	)
	assert broken.returncode == 1
	assert all(
		"timestamp" in verdict and verdict.startswith("FAILED")
		for verdict in verdicts(broken.stdout).values()
	)

	# the shown rendition (what the archive showed) is what was sealed
	shown_member = by_communication[mails["Beweis"]]["shown"]
	broken = run_verifier(
		with_member_changed(
			pack, shown_member, lambda data: data.replace(b"Beweis", b"Beweiz"), tmp_path / "shown.zip"
		),
		tmp_path,
	)
	assert "shown rendition" in verdicts(broken.stdout)[mails["Beweis"]]


def test_an_evidence_export_holds_only_mail_the_user_may_read(
	dovecot, mail_user, make_archive_account, crm, tmp_path, committed_cleanup
):
	from crm_mail_archive import api
	from tests.support import copies_of, make_user, run_background_jobs

	holder = make_user("Sales User")
	committed_cleanup("User", holder)
	account = make_archive_account(mail_user, account_owner=holder)
	mails = import_mails(account, tmp_path, ["Eigene Beweismail"])
	stranger = make_user("Sales User")
	committed_cleanup("User", stranger)
	frappe.db.commit()
	communication = mails["Eigene Beweismail"]

	frappe.set_user(stranger)
	try:
		with pytest.raises(frappe.PermissionError):
			api.export_mail("Mail", name=communication, export_format="Evidence")
	finally:
		frappe.set_user("Administrator")
	frappe.set_user(holder)
	try:
		export = api.export_mail("Mail", name=communication, export_format="Evidence")["export"]
	finally:
		frappe.set_user("Administrator")
	committed_cleanup("Mail Export", export)
	run_background_jobs()
	frappe.db.commit()
	log = frappe.get_doc("Mail Export", export)
	assert (log.status, log.export_format, log.scope, log.mail_count) == ("Ready", "Evidence", "Mail", 1)
	assert log.mails.split() == [communication]
	assert frappe.db.exists(
		"Mail Archive Audit Event",
		{"action": "Exported", "communication": communication, "reference_name": export, "user": holder},
	)
	for copy in copies_of(account):
		committed_cleanup("Communication", copy.communication)


# --- the desk -----------------------------------------------------------------------------------
