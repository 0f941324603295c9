"""Automatic filing: a mail goes to every document its allowed addresses lead to (rules.py,
targets.py), with the matching address as the reason."""

from __future__ import annotations

from crm_mail_archive.filing.address_index import mail_addresses_in_bulk
from crm_mail_archive.filing.deals import deal_rule, file_open_deals
from crm_mail_archive.filing.links import Reason, link_mails
from crm_mail_archive.filing.policy import account_of, files_automatically, filing_policy
from crm_mail_archive.filing.rules import FilingPolicy, MailAddresses, addresses_to_file
from crm_mail_archive.filing.targets import targets_by_address


def file_mails(mails: dict[str, MailAddresses], policy: FilingPolicy, source: str = "Automatic") -> int:
	"""File many mails of one account (the sync's hot path): one lookup of the targets for all
	their addresses, one link write. Returns the number of new filings."""
	wanted = {
		communication: addresses_to_file(addresses, policy) for communication, addresses in mails.items()
	}
	by_address = targets_by_address(address for addresses in wanted.values() for address in addresses)
	targets: dict = {}
	for communication, addresses in wanted.items():
		for address in addresses:
			for target in by_address.get(address, ()):
				targets.setdefault(communication, {}).setdefault(target, Reason(matched_address=address))
	return link_mails(targets, source, "Administrator")


def refile(communication: str) -> int:
	"""File a mail again under the current rules (after a blocklist entry was removed, say);
	manual filings stay as they are. The open deal follows the filings by address."""
	account = account_of(communication)
	if not files_automatically(account):
		return 0
	added = file_mails(mail_addresses_in_bulk([communication]), filing_policy(account))
	return added + file_open_deals([communication], deal_rule(account))
