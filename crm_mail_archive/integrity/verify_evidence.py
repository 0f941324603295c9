#!/usr/bin/env python3
"""Verify an evidence pack of the CRM mail archive, offline, without the archive.

	python3 verify_evidence.py PACK.zip [--tsa-certificates TSA.pem] [--require-timestamp]

Needs Python 3.10+ and, for the RFC 3161 timestamps only, the PyPI package rfc3161-client
(`pip install rfc3161-client`); nothing else. Pass the timestamp authority's certificate chain you
trust with --tsa-certificates (the pack's tsa-certificates.pem is what the archive was set up with).

For every mail of the pack (index.json) it checks, and prints one verdict line:
1. the message file (.eml) hashes to the SHA-256 sealed in the mail's line;
2. the shown rendition (shown/*.json: subject, addresses, date, text, HTML and attachments as the
   archive shows them) hashes to the shown hash sealed in the line;
3. the line is in its chain entry: its Merkle audit path (RFC 6962) leads to the entry's root;
4. the chain entries from that entry to the head are linked: each chain hash is recomputed;
5. the RFC 3161 timestamp of the first timestamped entry from the mail's on signs that entry's
   chain hash: the mail was sealed no later than that time.
Exit status 0 when every mail verifies, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

SHOWN = "shown:"


def sha256_hex(data: bytes) -> str:
	return hashlib.sha256(data).hexdigest()


# --- the same rules as the archive (integrity/seal.py, integrity/merkle.py) -------------------


def chain_hash(previous: str, sequence: int, entry_type: str, day: str, count: int, day_hash: str) -> str:
	return sha256_hex(f"{previous or ''}|{sequence}|{entry_type}|{day}|{count}|{day_hash}".encode())


def line_fields(line: str) -> dict:
	"""communication, sha256 (of the original), attachments, shown (or None), account."""
	parts = line.split(" ", 4)
	if len(parts) == 5 and parts[3].startswith(SHOWN):
		return dict(
			zip(
				("communication", "sha256", "attachments", "shown", "account"),
				[*parts[:3], parts[3][len(SHOWN) :], parts[4]],
				strict=True,
			)
		)
	parts = line.split(" ", 3)
	if len(parts) != 4:
		raise ValueError("not a sealed line")
	return {
		"communication": parts[0],
		"sha256": parts[1],
		"attachments": parts[2],
		"shown": None,
		"account": parts[3],
	}


def leaf_hash(line: str) -> bytes:
	return hashlib.sha256(b"\x00" + line.encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
	return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(line: str, index: int, size: int, path: list[str]) -> str | None:
	"""RFC 9162 2.1.3.2: the root the leaf and its audit path lead to, or None."""
	if index >= size or index < 0:
		return None
	last = size - 1
	node = leaf_hash(line)
	for sibling in path:
		if last == 0:
			return None
		sibling_bytes = bytes.fromhex(sibling)
		if index % 2 == 1 or index == last:
			node = node_hash(sibling_bytes, node)
			if index % 2 == 0:
				while index % 2 == 0 and index != 0:
					index //= 2
					last //= 2
		else:
			node = node_hash(node, sibling_bytes)
		index //= 2
		last //= 2
	return node.hex() if last == 0 else None


# --- the timestamps ------------------------------------------------------------------------------


def verify_token(token: bytes, chain: str, certificates_pem: bytes):
	"""The time an RFC 3161 response proves for the chain hash; raises ValueError otherwise."""
	try:
		from cryptography import x509
		from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response
	except ImportError:
		raise ValueError("rfc3161-client is not installed (pip install rfc3161-client)")
	if not certificates_pem.strip():
		raise ValueError("no TSA certificates to verify the timestamp against")
	builder = VerifierBuilder()
	for certificate in x509.load_pem_x509_certificates(certificates_pem):
		if certificate.subject == certificate.issuer:
			builder = builder.add_root_certificate(certificate)
		else:
			builder = builder.add_intermediate_certificate(certificate)
	try:
		response = decode_timestamp_response(token)
		builder.build().verify_message(response, chain.encode())
	except (VerificationError, ValueError) as error:
		raise ValueError(f"the timestamp does not verify: {error}")
	return response.tst_info.gen_time


# --- one mail ------------------------------------------------------------------------------------


class Pack:
	def __init__(self, path: Path):
		self.path = path
		self.zip = zipfile.ZipFile(path) if path.is_file() else None

	def read(self, member: str) -> bytes:
		if self.zip:
			return self.zip.read(member)
		resolved = (self.path / member).resolve()
		if self.path.resolve() not in resolved.parents:
			raise KeyError(member)
		return resolved.read_bytes()

	def has(self, member: str) -> bool:
		try:
			self.read(member)
			return True
		except (KeyError, OSError):
			return False


def verify_mail(
	pack: Pack, mail: dict, head: dict, certificates: bytes, require_timestamp: bool
) -> tuple[bool, str]:
	"""(verified, verdict)."""
	if not mail.get("proof"):
		return False, "NOT SEALED: the archive had not sealed this mail yet when the pack was made"
	problems: list[str] = []
	try:
		proof = json.loads(pack.read(mail["proof"]))
		fields = line_fields(proof["line"])
	except (KeyError, ValueError) as error:
		return False, f"FAILED: the proof cannot be read ({error})"
	if fields["communication"] != mail["communication"]:
		problems.append("the proof is another mail's")
	try:
		if sha256_hex(pack.read(mail["file"])) != fields["sha256"]:
			problems.append("the message file is not the original that was sealed")
	except KeyError:
		problems.append("the message file is missing")
	if fields["shown"]:
		try:
			if sha256_hex(pack.read(mail["shown"])) != fields["shown"]:
				problems.append("the shown rendition is not what was sealed")
		except KeyError:
			problems.append("the shown rendition is missing")
	chain = proof.get("chain") or []
	if not chain or chain[0].get("name") != proof.get("entry"):
		return False, "FAILED: the proof holds no chain from its entry"
	entry = chain[0]
	try:
		if proof.get("hash_kind") == "Merkle":
			root = root_from_path(
				proof["line"], int(proof["leaf_index"]), int(proof["tree_size"]), proof["audit_path"]
			)
			if root != entry["day_hash"] or int(proof["tree_size"]) != int(entry["mail_count"]):
				problems.append("the mail's line is not in its chain entry (Merkle path)")
		else:
			return False, (
				f"UNPROVEN: sealed in entry {proof['entry']}, made before per-mail proofs; "
				"the archive's own verification checks it"
			)
		previous = entry.get("previous_chain_hash", "")
		for link in chain:
			expected = chain_hash(
				previous,
				int(link["sequence"]),
				link["entry_type"],
				link["day"],
				int(link["mail_count"]),
				link["day_hash"],
			)
			if expected != link["chain_hash"]:
				problems.append(f"the chain is broken at entry {link['name']}")
				break
			previous = link["chain_hash"]
		if chain[-1]["chain_hash"] != head.get("chain_hash"):
			problems.append("the proof's chain does not end at the pack's head")
	except (KeyError, ValueError, TypeError) as error:
		problems.append(f"the proof is damaged ({error})")
	timestamped = ""
	stamped_entry = proof.get("timestamp_entry")
	if stamped_entry:
		link = next((link for link in chain if link["name"] == stamped_entry), None)
		try:
			if link is None:
				raise ValueError("its entry is not in the proof's chain")
			gen_time = verify_token(
				pack.read(f"tokens/{stamped_entry}.tsr"), link["chain_hash"], certificates
			)
			timestamped = f"timestamped {gen_time.isoformat()} (entry {stamped_entry})"
		except (KeyError, ValueError) as error:
			problems.append(f"the timestamp of entry {stamped_entry} does not prove the chain ({error})")
	elif require_timestamp:
		problems.append("no RFC 3161 timestamp covers the mail's entry")
	if problems:
		return False, "FAILED: " + "; ".join(problems)
	return True, "OK: sealed in entry {} and chained to the head; {}".format(
		proof["entry"], timestamped or "not timestamped"
	)


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
	parser.add_argument("pack", type=Path, help="the evidence pack (ZIP, or its unpacked folder)")
	parser.add_argument("--tsa-certificates", type=Path, help="the TSA's PEM certificate chain you trust")
	parser.add_argument("--require-timestamp", action="store_true", help="fail mails no timestamp covers")
	args = parser.parse_args(argv)
	pack = Pack(args.pack)
	index = json.loads(pack.read("index.json"))
	if args.tsa_certificates:
		certificates = args.tsa_certificates.read_bytes()
	else:
		certificates = pack.read("tsa-certificates.pem") if pack.has("tsa-certificates.pem") else b""
		if certificates.strip():
			# whoever made the pack chose these: only a chain from elsewhere makes a timestamp evidence
			print("note: timestamps are checked against the pack's own TSA certificates (--tsa-certificates)")
	failed = 0
	for mail in index["mails"]:
		verified, verdict = verify_mail(
			pack, mail, index.get("head") or {}, certificates, args.require_timestamp
		)
		failed += not verified
		print(f"{mail['communication']}\t{mail.get('file', '-')}\t{verdict}")
	print(
		f"{len(index['mails']) - failed} of {len(index['mails'])} mails verified; chain head {(index.get('head') or {}).get('chain_hash', '-')}"
	)
	return 1 if failed else 0


if __name__ == "__main__":
	sys.exit(main())
