"""Which addresses of a mail may file it. Frappe-free, deterministic.

Received mail: From (and Reply-To when it differs) plus To/Cc; sent mail: To/Cc/Bcc. Never the
account's own addresses, internal domains or anything on the Archive Blocklist (a domain covers
its subdomains). Bulk/automatic mail follows the bulk rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crm_mail_archive.mailbox.addresses import normalize_address

BULK_NEVER = "Never File"
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(value: str | None) -> str | None:
	value = (value or "").strip().lower().lstrip("@").strip(".")
	if not value or any(ch.isspace() for ch in value) or "@" in value:
		return None
	try:
		value = value.encode("idna").decode("ascii")
	except UnicodeError:
		return None
	labels = value.split(".")
	if len(labels) < 2 or not all(LABEL.match(label) for label in labels):
		return None
	return value


def domain_of(address: str) -> str:
	return address.rsplit("@", 1)[-1]


def reverse_domain(domain: str) -> str:
	return ".".join(reversed(domain.split(".")))


def in_domain(domain: str, parent: str) -> bool:
	return domain == parent or domain.endswith("." + parent)


@dataclass(frozen=True)
class FilingPolicy:
	own_addresses: frozenset[str] = field(default_factory=frozenset)
	internal_domains: frozenset[str] = field(default_factory=frozenset)
	blocked_addresses: frozenset[str] = field(default_factory=frozenset)
	blocked_domains: frozenset[str] = field(default_factory=frozenset)
	bulk_rule: str = "Existing Contacts Only"

	def exclusion(self, address: str) -> str | None:
		"""Why `address` may not file a mail, or None."""
		domain = domain_of(address)
		if address in self.own_addresses:
			return "own address"
		if any(in_domain(domain, internal) for internal in self.internal_domains):
			return "internal domain"
		if address in self.blocked_addresses:
			return "blocked address"
		if any(in_domain(domain, blocked) for blocked in self.blocked_domains):
			return "blocked domain"
		return None


@dataclass(frozen=True)
class MailAddresses:
	sent: bool
	sender: str | None = None
	reply_to: tuple[str, ...] = ()
	to: tuple[str, ...] = ()
	cc: tuple[str, ...] = ()
	bcc: tuple[str, ...] = ()
	is_bulk: bool = False


def considered_addresses(mail: MailAddresses) -> list[str]:
	if mail.sent:
		candidates = [*mail.to, *mail.cc, *mail.bcc]
	else:
		candidates = [mail.sender, *[a for a in mail.reply_to if a != mail.sender], *mail.to, *mail.cc]
	normalized = (normalize_address(a) for a in candidates if a)
	return list(dict.fromkeys(a for a in normalized if a))


def addresses_to_file(mail: MailAddresses, policy: FilingPolicy) -> list[str]:
	"""The addresses whose Contacts and Leads this mail is filed at, in header order."""
	if mail.is_bulk and policy.bulk_rule == BULK_NEVER:
		return []
	return [address for address in considered_addresses(mail) if policy.exclusion(address) is None]
