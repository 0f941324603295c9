"""Mail of a journal mailbox or an archive address, unwrapped before it is stored: what the archive
keeps is the enclosed original (mailbox/journal.py reads the wrapping), stored exactly like synced
mail, so that the same mail from a personal mailbox and from the journal is one Communication with
two Mailbox Copies (the message key: its Message-ID, or its content without one; Received lines
are in neither).

- A journal report: the original, with the envelope's recipients for filing (Bcc, members of
  expanded lists). A report that cannot be read is quarantined with the reason.
- An archive drop: checked against who may drop (internal senders by default: a refused dropper's
  mail is quarantined with the reason, not archived); a forward as attachment archives the
  attached original, held by the forwarding user; an inline forward is archived as it is, with a
  note. The normal mailbox path never comes here.
"""

from __future__ import annotations

import html
from dataclasses import replace

import frappe
from frappe import _

from crm_mail_archive.mailbox.client import FetchedMessage
from crm_mail_archive.mailbox.journal import (
	ATTACHED,
	INLINE,
	SEVERAL,
	classify_drop,
	enveloped,
	unwrap_journal,
)
from crm_mail_archive.mailbox.parser import ParsedMail, parse_message

MAILBOX, JOURNAL, DROP = "Mailbox", "Journal Mailbox", "Archive Drop"
INTERNAL_SENDERS, ANYONE = "Internal Senders", "Anyone"


class DropRefused(Exception):
	"""Mail dropped at the archive address by someone who may not drop mail there."""


def unwraps(account) -> bool:
	"""Whether the account's mail arrives wrapped (a journal mailbox or an archive address)."""
	return (account.get("account_kind") or MAILBOX) in (JOURNAL, DROP)


def is_internal(address: str | None, internal_domains: frozenset[str]) -> bool:
	domain = (address or "").rpartition("@")[2].lower()
	return bool(domain) and any(domain == d or domain.endswith("." + d) for d in internal_domains)


def unwrap_batch(
	account, messages: list[FetchedMessage], max_attachment_size: int, internal_domains: frozenset[str]
) -> tuple[list[FetchedMessage], dict[int, ParsedMail | Exception]]:
	"""The batch's messages as the archive keeps them (the original in place of a journal report
	or a forward), each parsed, or the error that quarantines the message as it came."""
	unwrapped: list[FetchedMessage] = []
	parsed: dict[int, ParsedMail | Exception] = {}
	archive_addresses = _addresses_of(account) if account.account_kind == DROP else frozenset()
	for message in messages:
		if message.headers_only:  # over the size cap: its headers are kept, as for any mailbox
			unwrapped.append(message)
			continue
		try:
			if account.account_kind == JOURNAL:
				raw, mail = _journaled(message.raw, max_attachment_size, internal_domains)
			else:
				raw, mail = _dropped(
					account, message.raw, archive_addresses, max_attachment_size, internal_domains
				)
		except Exception as error:  # quarantined with the bytes that came, and the reason
			unwrapped.append(message)
			parsed[message.uid] = error
			continue
		unwrapped.append(replace(message, raw=raw))
		parsed[message.uid] = mail
	return unwrapped, parsed


def _journaled(raw: bytes, max_attachment_size: int, internal_domains: frozenset[str]):
	report = unwrap_journal(raw)
	mail = parse_message(report.original, max_attachment_size=max_attachment_size)
	sender = mail.from_address.email if mail.from_address else report.sender
	return report.original, enveloped(
		mail, envelope=tuple(report.recipients), sent=is_internal(sender, internal_domains)
	)


def _dropped(
	account,
	raw: bytes,
	archive_addresses: frozenset[str],
	max_attachment_size: int,
	internal_domains: frozenset[str],
):
	drop = classify_drop(raw, archive_addresses)
	if (account.drop_senders or INTERNAL_SENDERS) != ANYONE and not is_internal(
		drop.dropper, internal_domains
	):
		raise DropRefused(
			f"{drop.dropper or 'an unknown sender'} may not drop mail at this archive address "
			"(only internal senders may)"
		)
	mail = parse_message(drop.original, max_attachment_size=max_attachment_size)
	holder_user, holder_account = _holder(drop.dropper, internal_domains)
	dropper = html.escape(drop.dropper or "")
	notes = {
		ATTACHED: _("Forwarded to the archive as an attachment by {0}; archived as the attached original."),
		INLINE: _(
			"Forwarded inline to the archive by {0}: archived as it is; the forwarded mail's sender, recipients and date are only quoted in its text."
		),
		SEVERAL: _(
			"Forwarded to the archive by {0} with several mails as attachments: archived as it is, with them as its attachments."
		),
	}
	note = notes[drop.kind].format(dropper) if drop.kind in notes else None
	sender = mail.from_address.email if mail.from_address else None
	return drop.original, enveloped(
		mail,
		archive_note=note,
		dropped_by=drop.dropper,
		sent=is_internal(sender, internal_domains),
		holder_user=holder_user,
		holder_email_account=holder_account,
	)


def _addresses_of(account) -> frozenset[str]:
	values = frappe.db.get_value("Email Account", account.email_account, ["email_id", "login_id"])
	return frozenset(value.lower() for value in values or () if value and "@" in value)


def _holder(dropper: str | None, internal_domains: frozenset[str]) -> tuple[str | None, str | None]:
	"""The user who dropped the mail (an internal sender), and their own archived mailbox."""
	if not dropper or not is_internal(dropper, internal_domains):
		return None, None
	account = frappe.db.get_value(
		"Mail Archive Account",
		{
			"email_account": (
				"in",
				frappe.get_all("Email Account", {"email_id": dropper}, pluck="name") or [""],
			)
		},
		["email_account", "account_owner"],
		as_dict=True,
	)
	user = frappe.db.get_value("User", {"email": dropper, "enabled": 1}, "name")
	if account and (not user or account.account_owner == user):
		return account.account_owner, account.email_account
	if not user:
		return None, None
	owned = frappe.db.get_value(
		"Mail Archive Account", {"account_owner": user, "account_kind": MAILBOX}, "email_account"
	)
	return user, owned
