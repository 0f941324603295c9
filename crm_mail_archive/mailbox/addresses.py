"""Mail addresses. Frappe-free: standard library only.

`normalize_address` gives the one form an address is compared and stored in (lower case, IDNA
domain); `parse_addresses` and `parse_address_list` read a header's address list with the
structured parser and fall back to the lenient one for garbled lists, with display names
decoded from encoded words.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from dataclasses import dataclass

from crm_mail_archive.mailbox.charsets import describe_defect, describe_error, unsurrogate
from crm_mail_archive.mailbox.headers import decode_words, header_value, reencode_words

# One entry of a plain address list: "addr@domain" or "[display name] <addr@domain>", ASCII,
# the address a dot-atom at a dot-atom, the display name atoms (no ".") or one quoted string
# without backslashes.
_ATOM = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
_PLAIN_ENTRY = re.compile(
	rf"""[ \t]*(?:({_ADDR_SPEC})|((?:{_ATOM}[ \t]+)*{_ATOM}|"[ \t!#-\[\]-~]*")?[ \t]*<({_ADDR_SPEC})>)[ \t]*"""
)


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


def plain_address_list(value: str) -> list[tuple[str, str]] | None:
	"""(display name, address) of each entry of a plain address list, as the structured parser
	reads it (which finds no defect in such a list), or None when the list is not plain."""
	if "=?" in value:  # encoded words: for the structured parser
		return None
	found: list[tuple[str, str]] = []
	position = 0
	while True:
		match = _PLAIN_ENTRY.match(value, position)
		if match is None:
			return None
		bare, name, angled = match.groups()
		if bare:
			found.append(("", bare))
		elif name and name.startswith('"'):
			found.append((name[1:-1], angled))  # quoted: as written
		else:
			found.append((" ".join((name or "").split()), angled))
		position = match.end()
		if position == len(value):
			return found
		if value[position] != "," or position + 1 == len(value):
			return None  # no list, or one that ends in a comma
		position += 1


def parse_address_list(value: str, where: str, defects: list[str]) -> list[Address]:
	found: list[tuple[str, str]] = []
	problems: list[str] = []
	failed = False
	# the header registry's parse is slow (a new class per call): plain lists are read directly
	plain = plain_address_list(value)
	if plain is not None:
		found = plain
	else:
		try:
			header = email.policy.default.header_factory("to", reencode_words(value, where, defects))
			for address in header.addresses:
				found.append((address.display_name or "", address.addr_spec))
			problems = [describe_defect(defect) for defect in header.defects]
		except Exception as error:
			failed = True
			defects.append(f"{where}: unparseable address list ({describe_error(error)}); read leniently")
	# The lenient reading gives the names the structured one lacks and recovers what it could
	# not read. A plain list with a name at every address needs neither (and, without encoded
	# words, reading it leniently notes no defect), so it is not read again.
	lenient: list[tuple[str, str]] = []
	if plain is None or any(not name.strip() for name, _address in plain):
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
