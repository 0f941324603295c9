"""RFC 3161 timestamps of the hash chain's heads: proof to an outsider that the chain, up to a head,
existed at a time a timestamp authority (TSA) vouches for. Whoever holds the database can recompute
the whole chain; nobody can make a TSA sign a rewritten head for a past time.

Each seal run (integrity/seal.py) asks the TSA set in Mail Archive Settings (tsa_url, tsa_username,
tsa_password) for a token over the SHA-256 of the new head's chain hash (`message_for`) and keeps the
TSA's response on the Digest entry (timestamp_token, base64 DER; timestamp_time). A TSA that fails
leaves timestamp_error; the next run timestamps its new head. Verification checks each token: the
imprint is its entry's chain hash as the database holds it now, the signature verifies against the
configured chain (tsa_certificates, PEM), the signer is a timestamping certificate. Without a TSA
everything works as before; verification says the heads are not timestamped.

Uses the PyPI package rfc3161-client; integrity/verify_evidence.py does the same check offline.
"""

from __future__ import annotations

import base64
from datetime import datetime

import frappe
import requests
from cryptography import x509
from frappe import _
from rfc3161_client import (
	PKIStatus,
	TimestampRequestBuilder,
	VerificationError,
	VerifierBuilder,
	decode_timestamp_response,
)

from crm_mail_archive.integrity.results import VerificationResult
from crm_mail_archive.storage.copies import system_datetime

SETTINGS = "Mail Archive Settings"
DIGEST = "Mail Archive Digest"  # the chain (integrity/seal.py calls this module: no import back)
TIMEOUT_SECONDS = 30


class TimestampInvalid(Exception):
	"""A token that does not prove its entry's chain hash."""


def message_for(chain_hash: str) -> bytes:
	"""What the TSA timestamps (its imprint is the SHA-256 of this): the chain hash as written."""
	return chain_hash.encode()


def _settings():
	return frappe.get_cached_doc(SETTINGS)


def tsa_url() -> str:
	return (_settings().get("tsa_url") or "").strip()


def configured_certificates() -> str:
	return _settings().get("tsa_certificates") or ""


def verifier_for(certificates_pem: str):
	"""A verifier of tokens against a PEM chain: self-signed certificates are its roots, the others
	intermediates."""
	try:
		certificates = x509.load_pem_x509_certificates(certificates_pem.encode())
	except ValueError as error:
		raise TimestampInvalid(_("The TSA certificates cannot be read: {0}").format(error))
	builder = VerifierBuilder()
	for certificate in certificates:
		if certificate.subject == certificate.issuer:
			builder = builder.add_root_certificate(certificate)
		else:
			builder = builder.add_intermediate_certificate(certificate)
	try:
		return builder.build()
	except ValueError:
		raise TimestampInvalid(_("The TSA certificates hold no root certificate."))


def verify_token(token: bytes, chain_hash: str, certificates_pem: str) -> datetime:
	"""The time the token proves for the chain hash; TimestampInvalid if it proves nothing."""
	if not certificates_pem.strip():
		raise TimestampInvalid(_("No TSA certificates are set to verify the timestamp against."))
	try:
		response = decode_timestamp_response(token)
	except ValueError as error:
		raise TimestampInvalid(_("The timestamp token cannot be read: {0}").format(error))
	try:
		verifier_for(certificates_pem).verify_message(response, message_for(chain_hash))
	except VerificationError as error:
		raise TimestampInvalid(_("The timestamp does not verify: {0}").format(error))
	return response.tst_info.gen_time


def request_token(chain_hash: str) -> tuple[bytes, datetime]:
	"""The TSA's response over the chain hash (checked before it is kept) and its time."""
	settings = _settings()
	request = (
		TimestampRequestBuilder()
		.data(message_for(chain_hash))
		.nonce(nonce=True)
		.cert_request(cert_request=True)
		.build()
	)
	password = settings.get_password("tsa_password", raise_exception=False) if settings.tsa_username else None
	reply = requests.post(
		tsa_url(),
		data=request.as_bytes(),
		headers={"Content-Type": "application/timestamp-query"},
		auth=(settings.tsa_username, password or "") if settings.tsa_username else None,
		timeout=TIMEOUT_SECONDS,
	)
	reply.raise_for_status()
	response = decode_timestamp_response(reply.content)
	if PKIStatus(response.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
		raise TimestampInvalid(_("The TSA refused: {0}").format("; ".join(response.status_string)))
	if response.tst_info.nonce != request.nonce:
		raise TimestampInvalid(_("The TSA answered another request (nonce)."))
	gen_time = verify_token(reply.content, chain_hash, configured_certificates())
	return reply.content, gen_time


def timestamp_entry(entry: str) -> bool:
	"""Timestamp the entry's chain hash, if a TSA is set; a failure is kept on the entry (and in the
	Error Log), never raised: the seal stands without it. Returns whether a token was kept."""
	if not tsa_url():
		return False
	chain_hash = frappe.db.get_value(DIGEST, entry, "chain_hash")
	try:
		token, gen_time = request_token(chain_hash)
	except Exception as error:
		frappe.db.set_value(
			DIGEST, entry, "timestamp_error", str(error)[:1000] or repr(error), update_modified=False
		)
		frappe.log_error(title=f"Mail Archive: timestamp of chain entry {entry} failed")
		return False
	frappe.db.set_value(
		DIGEST,
		entry,
		{
			"timestamp_token": base64.b64encode(token).decode(),
			"timestamp_time": system_datetime(gen_time),
			"timestamp_error": None,
		},
		update_modified=False,
	)
	return True


def check_timestamps(result: VerificationResult) -> None:
	"""Every token against its entry's chain hash as stored now and the configured chain; the
	result says up to which head the chain is timestamped, and how many heads came after it."""
	entries = frappe.db.sql(
		f"""select name, sequence, chain_hash, timestamp_token from `tab{DIGEST}` order by sequence""",
		as_dict=True,
	)
	certificates = configured_certificates()
	newest = None
	for entry in entries:
		if not entry["timestamp_token"]:
			continue
		try:
			gen_time = verify_token(
				base64.b64decode(entry["timestamp_token"]), entry["chain_hash"], certificates
			)
		except (TimestampInvalid, ValueError) as error:
			result.add(
				"timestamp",
				_("The entry's RFC 3161 timestamp does not prove its chain hash: {0}").format(error),
				entry=entry["name"],
			)
			continue
		newest = (entry, gen_time)
	if newest:
		entry, gen_time = newest
		result.head_timestamp = f"{entry['name']} {gen_time.isoformat()}"
		result.heads_not_timestamped = sum(1 for other in entries if other["sequence"] > entry["sequence"])
	else:
		result.heads_not_timestamped = len(entries)
