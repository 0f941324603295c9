"""The evidence pack: archived mail as a court or an auditor checks it without the archive. A ZIP of

	mails/<date>_<mail>.eml      the originals, byte for byte as received
	shown/<mail>.json            what the archive shows of each mail (storage/shown.py, canonical JSON)
	proofs/<mail>.json           each mail's inclusion proof (integrity/proofs.py)
	chain.json                   the chain entries from the oldest mail's entry to the head
	tokens/<entry>.tsr           the RFC 3161 timestamps the proofs name (DER)
	tsa-certificates.pem         the TSA chain the archive verifies its timestamps against
	index.csv, index.json        the mails, their files and hashes
	verify_evidence.py           the standalone verifier (integrity/verify_evidence.py)
	README.txt                   how to check it

Only mail the exporting user may read goes in (transfer/exports.py's scope); mail not sealed yet
is in it without a proof, and the verifier says so.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from pathlib import Path

import frappe
from frappe.utils import get_datetime, now_datetime

from crm_mail_archive.infra.chunks import chunked
from crm_mail_archive.integrity import verify_evidence
from crm_mail_archive.integrity.proofs import chain_from, inclusion_proof
from crm_mail_archive.integrity.seal import DIGEST
from crm_mail_archive.integrity.timestamps import configured_certificates
from crm_mail_archive.storage.shown import canonical_bytes, renditions_of
from crm_mail_archive.transfer.exported_mails import cell, mails_with_originals

PACK_FORMAT = "crm-mail-archive-evidence/1"
INDEX_COLUMNS = (
	"date",
	"from",
	"to",
	"cc",
	"subject",
	"filed at",
	"sha256",
	"file",
	"proof",
	"communication",
)
README = """Evidence pack of the CRM mail archive ({created}, {count} mails).

Check it, offline, with Python 3.10+ (and `pip install rfc3161-client` for the timestamps):

	python3 verify_evidence.py THIS-PACK.zip --tsa-certificates <the TSA's certificate chain you trust>

It prints one verdict per mail: the original (.eml) is the one sealed, what the archive shows of it
(shown/) is what was sealed, the seal is in the hash chain up to its head, and the RFC 3161
timestamp of the chain proves the time it was sealed by. index.csv lists the mails.
"""


def _first_sequence(communications: list[str]) -> int | None:
	sequences = []
	for chunk in chunked(communications):
		sequences += frappe.db.sql_list(
			f"""select min(d.sequence) from `tabCommunication` c
			join `tab{DIGEST}` d on d.name = c.mail_archive_digest where c.name in %s""",
			[tuple(chunk)],
		)
	sequences = [sequence for sequence in sequences if sequence is not None]
	return min(sequences) if sequences else None


def write_evidence(communications: list[str], path: str, user: str) -> int:
	"""The evidence pack of the mails at `path`; returns how many mails it holds."""
	first = _first_sequence(communications)
	chain = chain_from(first) if first is not None else []
	entry_lines: dict[str, list[str]] = {}
	tokens: set[str] = set()
	index = io.StringIO()
	writer = csv.writer(index)
	writer.writerow(INDEX_COLUMNS)
	mails = []
	with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
		shown_of: dict[str, dict] = {}
		for row, raw, filed in mails_with_originals(communications, user):
			if row.name not in shown_of:  # a chunk's renditions at once
				position = communications.index(row.name)
				shown_of = renditions_of(communications[position : position + 200])
			date = get_datetime(row.communication_date) if row.communication_date else None
			member = f"mails/{date:%Y-%m-%d}_{row.name}.eml" if date else f"mails/{row.name}.eml"
			archive.writestr(member, raw)
			shown_member = f"shown/{row.name}.json"
			archive.writestr(shown_member, canonical_bytes(shown_of[row.name]))
			proof_member = None
			if frappe.db.get_value("Communication", row.name, "mail_archive_digest"):
				proof = inclusion_proof(row.name, chain, entry_lines)
				proof_member = f"proofs/{row.name}.json"
				archive.writestr(proof_member, json.dumps(proof, indent=1, sort_keys=True))
				if proof["timestamp_entry"]:
					tokens.add(proof["timestamp_entry"])
			sha256 = frappe.utils.cstr(row.mail_archive_sha256)
			mails.append(
				{
					"communication": row.name,
					"date": date.isoformat(sep=" ") if date else "",
					"from": row.sender or "",
					"subject": row.subject or "",
					"sha256": sha256,
					"file": member,
					"shown": shown_member,
					"proof": proof_member,
				}
			)
			writer.writerow(
				[
					date.isoformat(sep=" ") if date else "",
					cell(row.sender),
					cell(row.recipients),
					cell(row.cc),
					cell(row.subject),
					cell(filed),
					sha256,
					member,
					proof_member or "",
					row.name,
				]
			)
		for entry in sorted(tokens):
			token = frappe.db.get_value(DIGEST, entry, "timestamp_token")
			archive.writestr(f"tokens/{entry}.tsr", base64.b64decode(token))
		created = now_datetime().isoformat(sep=" ", timespec="seconds")
		head = {"name": chain[-1]["name"], "chain_hash": chain[-1]["chain_hash"]} if chain else {}
		archive.writestr(
			"index.json",
			json.dumps(
				{"format": PACK_FORMAT, "created": created, "head": head, "mails": mails},
				indent=1,
				ensure_ascii=False,
			),
		)
		archive.writestr("index.csv", "\ufeff" + index.getvalue())
		archive.writestr("chain.json", json.dumps(chain, indent=1))
		archive.writestr("tsa-certificates.pem", configured_certificates())
		archive.write(Path(verify_evidence.__file__), "verify_evidence.py")
		archive.writestr(
			"README.txt",
			README.format(created=created, count=len(mails)),
		)
	return len(mails)
