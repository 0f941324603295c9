"""A mail's inclusion proof: that its line (integrity/seal.py) is in the chain entry that sealed it,
and that the entry leads to the chain's head — checkable without the archive's database.

	{"communication", "line", "entry", "hash_kind", "leaf_index", "tree_size", "audit_path",
	 "chain": [the entries from the mail's entry to the head], "timestamp_entry"}

The audit path leads from the line's leaf to the entry's Merkle root (day_hash, integrity/merkle.py);
each chain entry's chain hash is recomputed from the one before it (the first one's previous chain
hash is carried). "Lines" entries (made before the Merkle tree) have no audit path: other mails'
lines are not given out, so such a mail is proven by the archive's verify only. The timestamp
entry is the first entry from the mail's on with an RFC 3161 token: the time it proves is the
latest the mail can have been sealed (integrity/timestamps.py).
"""

from __future__ import annotations

import frappe
from frappe import _

from crm_mail_archive.integrity.merkle import audit_path
from crm_mail_archive.integrity.seal import DIGEST

PROOF_FORMAT = "crm-mail-archive-proof/1"
CHAIN_FIELDS = "name, sequence, entry_type, day, mail_count, day_hash, hash_kind, chain_hash, previous_digest"


class NotSealed(frappe.ValidationError):
	pass


def _lines(entry: str) -> list[str]:
	return [line for line in (frappe.db.get_value(DIGEST, entry, "mails") or "").split("\n") if line]


def chain_from(sequence: int) -> list[dict]:
	"""The chain entries from `sequence` to the head, as plain JSON values; the first one carries
	the chain hash of the entry before it."""
	rows = frappe.db.sql(
		f"""select {CHAIN_FIELDS}, timestamp_token from `tab{DIGEST}`
		where sequence >= %s order by sequence""",
		[sequence],
		as_dict=True,
	)
	chain = []
	for row in rows:
		chain.append(
			{
				"name": row["name"],
				"sequence": row["sequence"],
				"entry_type": row["entry_type"],
				"day": row["day"].isoformat() if row["day"] else "",
				"mail_count": row["mail_count"],
				"day_hash": row["day_hash"],
				"hash_kind": row["hash_kind"] or "Lines",
				"chain_hash": row["chain_hash"],
				"timestamped": bool(row["timestamp_token"]),
			}
		)
	if chain:
		previous = rows[0]["previous_digest"]
		chain[0]["previous_chain_hash"] = (
			frappe.db.get_value(DIGEST, previous, "chain_hash") if previous else ""
		) or ""
	return chain


def _chain_at(chain: list[dict] | None, sequence: int) -> list[dict] | None:
	"""The part of `chain` from `sequence` on, its first entry carrying the chain hash before it."""
	positions = [i for i, link in enumerate(chain or ()) if link["sequence"] == sequence]
	if not positions:
		return None
	start = positions[0]
	if start == 0:
		return chain if "previous_chain_hash" in chain[0] else None
	return [{**chain[start], "previous_chain_hash": chain[start - 1]["chain_hash"]}, *chain[start + 1 :]]


def inclusion_proof(
	communication: str, chain: list[dict] | None = None, entry_lines: dict[str, list[str]] | None = None
) -> dict:
	"""The mail's proof (see the module's notes); NotSealed if no seal holds it yet. When proving
	many mails at once: `chain`, the entries from at most the mail's entry to the head, and
	`entry_lines`, a cache of the entries' lines (entry → its lines)."""
	entry = frappe.db.get_value("Communication", communication, "mail_archive_digest")
	if not entry:
		raise NotSealed(_("Mail {0} is not sealed yet: the daily seal seals it.").format(communication))
	sequence, hash_kind = frappe.db.get_value(DIGEST, entry, ["sequence", "hash_kind"])
	hash_kind = hash_kind or "Lines"
	if entry_lines is None:
		entry_lines = {}
	if entry not in entry_lines:
		entry_lines[entry] = _lines(entry)
	lines = entry_lines[entry]
	line = next((line for line in lines if line.partition(" ")[0] == communication), None)
	if line is None:
		raise NotSealed(_("Mail {0} is not in the seal it names.").format(communication))
	chain = _chain_at(chain, sequence) or chain_from(sequence)
	proof = {
		"format": PROOF_FORMAT,
		"communication": communication,
		"line": line,
		"entry": entry,
		"hash_kind": hash_kind,
		"chain": chain,
		"timestamp_entry": next((link["name"] for link in chain if link["timestamped"]), None),
	}
	if hash_kind == "Merkle":
		index, size, path = audit_path(lines, line)
		proof.update(leaf_index=index, tree_size=size, audit_path=path)
	# an entry made before the Merkle tree is proven only by all its lines, which name other mails
	# (and their accounts): they are not given out; verify checks such mail in the archive
	return proof
