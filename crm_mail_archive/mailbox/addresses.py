"""Mail addresses. Frappe-free: standard library only.

`normalize_address` gives the one form an address is compared and stored in (lower case, IDNA
domain); `parse_addresses` and `parse_address_list` read a header's address list with the
structured parser and fall back to the lenient one for garbled lists, with display names
decoded from encoded words.
"""

from __future__ import annotations

import email.policy
import email.utils
from dataclasses import dataclass

from crm_mail_archive.mailbox.charsets import describe_defect, describe_error, unsurrogate
from crm_mail_archive.mailbox.headers import decode_words, header_value, reencode_words


@dataclass(frozen=True)
class Address:
	email: str
	name: str = ""


def _strip_address(value: str) -> str:
	while True:
		stripped = value.strip().strip("<>")
		if stripped == value:
			return value
		value = stripped


def normalize_address(value: str) -> str | None:
	"""Lower-cased address with an IDNA (xn--) domain, or None when it is no address."""
	if not isinstance(value, str):
		return None
	value = _strip_address(value)
	if value.count("@") != 1 or any(ch.isspace() for ch in value):
		return None
	local, domain = value.lower().split("@")
	if not local or not domain:
		return None
	if not domain.isascii():
		try:
			domain = domain.encode("idna").decode("ascii").lower()
		except (UnicodeError, ValueError):
			return None
	normalized = f"{local}@{domain}"
	if (
		not domain
		or normalized.count("@") != 1
		or normalized != _strip_address(normalized)
		or any(ch.isspace() for ch in normalized)
	):
		return None
	return normalized


def parse_addresses(value: str | None) -> list[Address]:
	"""Addresses of one header value (raw or unfolded); invalid entries are skipped."""
	if not value or not isinstance(value, str):
		return []
	defects: list[str] = []
	return parse_address_list(header_value(value, "Address", defects), "Address", defects)


def parse_address_list(value: str, where: str, defects: list[str]) -> list[Address]:
	found: list[tuple[str, str]] = []
	problems: list[str] = []
	failed = False
	try:
		header = email.policy.default.header_factory("to", reencode_words(value, where, defects))
		for address in header.addresses:
			found.append((address.display_name or "", address.addr_spec))
		problems = [describe_defect(defect) for defect in header.defects]
	except Exception as error:
		failed = True
		defects.append(f"{where}: unparseable address list ({describe_error(error)}); read leniently")
	try:
		lenient = email.utils.getaddresses([value])
	except Exception:
		lenient = []
	if problems:
		defects.append(f"{where}: {'; '.join(problems)}")

	result: dict[str, Address] = {}
	lenient_names: dict[str, str] = {}
	for name, address in lenient:
		normalized = normalize_address(address)
		if normalized and name and normalized not in lenient_names:
			lenient_names[normalized] = _display_name(name, where, defects)

	def add(name: str, address: str) -> bool:
		normalized = normalize_address(address)
		if not normalized or normalized in result:
			return False
		name = _display_name(name, where, defects) or lenient_names.get(normalized, "")
		result[normalized] = Address(email=normalized, name=name)
		return True

	for name, address in found:
		add(name, address)
	if failed or problems:
		# an encoded word is never part of an address: the lenient parser just does not decode it
		recovered = sum(add(name, address) for name, address in lenient if "=?" not in address)
		if recovered and not failed:
			defects.append(f"{where}: {recovered} address(es) recovered by the lenient parser")
	return list(result.values())


def _display_name(name: str, where: str, defects: list[str]) -> str:
	name = unsurrogate(name or "")
	if "=?" in name:
		name = decode_words(name, where, defects)
	return " ".join(name.split())
