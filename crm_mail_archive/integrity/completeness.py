"""Completeness, per folder of a mailbox: what the mail server held, what the archive holds of it,
and what it does not hold, with the reason — the figures an auditor asks for beside the hash
chain's proof that nothing archived was changed.

For each folder, under its current UIDVALIDITY and since `counting_since`:
- seen: mails the sync fetched from the server;
- archived: of those, the mails the archive holds (a mail over the size limit is archived with
  its headers only: counted here, and once more as `headers_only`, its body stayed on the server);
- missing, by reason: quarantined (seen, kept raw, not archived as a mail until a retry succeeds)
  and expunged before archived (UIDs the server assigned and expunged before a sync fetched
  them: reported by the server through QRESYNC, inferred from UID gaps, or gone between search
  and fetch — `Mail Archive Gap` holds each range);
- held = seen + expunged before archived = archived + missing.
Not missing, and shown beside: UIDs gone before the folder's first sync (deleted before the archive
could see them; known only from UID gaps where the server assigns UIDs densely), and archived
mail with an address on the Archive Blocklist. A blocklist entry keeps a mail from being filed at
that address, never from being archived: such mail counts as archived, and `blocked` says how many
of the folder's archived mails have a blocked address.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import frappe
from frappe.utils import cint

from crm_mail_archive.contracts import (
	BEFORE_FIRST_SYNC,
	EXPUNGED_BEFORE_ARCHIVED,
	GONE_AT_FETCH,
	SERVER_VANISHED,
	UID_GAP,
)
from crm_mail_archive.filing.address_index import ADDRESS_INDEX
from crm_mail_archive.filing.rules import reverse_domain

GAP = "Mail Archive Gap"


@dataclass
class FolderCompleteness:
	account: str
	folder: str
	uidvalidity: int | None = None
	counting_since: datetime | None = None
	last_synced: datetime | None = None
	seen: int = 0
	headers_only: int = 0
	quarantined: int = 0
	expunged_reported: int = 0  # the server said so (QRESYNC VANISHED)
	expunged_inferred: int = 0  # a UID gap
	expunged_at_fetch: int = 0  # found, then gone before it was fetched
	before_first_sync: int = 0
	blocked: int = 0
	first_gap_on: datetime | None = None
	last_gap_on: datetime | None = None

	@property
	def expunged_unarchived(self) -> int:
		return self.expunged_reported + self.expunged_inferred + self.expunged_at_fetch

	@property
	def archived(self) -> int:
		return max(0, self.seen - self.quarantined)

	@property
	def missing(self) -> int:
		return self.expunged_unarchived + self.quarantined

	@property
	def held(self) -> int:
		return self.seen + self.expunged_unarchived

	def as_dict(self) -> dict:
		return {
			**asdict(self),
			"archived": self.archived,
			"missing": self.missing,
			"held": self.held,
			"expunged_unarchived": self.expunged_unarchived,
		}


@dataclass
class AccountCompleteness:
	account: str
	folders: list[FolderCompleteness] = field(default_factory=list)

	def total(self, name: str) -> int:
		return sum(getattr(folder, name) for folder in self.folders)

	@property
	def counting_since(self) -> datetime | None:
		return min((f.counting_since for f in self.folders if f.counting_since), default=None)

	def as_dict(self) -> dict:
		figures = (
			"held",
			"seen",
			"archived",
			"headers_only",
			"missing",
			"quarantined",
			"expunged_unarchived",
			"expunged_reported",
			"expunged_inferred",
			"expunged_at_fetch",
			"before_first_sync",
			"blocked",
		)
		return {
			"account": self.account,
			"counting_since": self.counting_since,
			**{name: self.total(name) for name in figures},
			"folders": [folder.as_dict() for folder in self.folders],
		}


def account_completeness(account: str) -> AccountCompleteness:
	"""The figures of every folder of a Mail Archive Account (a few indexed queries per folder)."""
	# by SQL: frappe.get_all leaves a child table's Long Int columns out of its answer
	rows = frappe.db.sql(
		"""select folder_name, uidvalidity, counting_since, last_synced, mails_seen, mails_headers_only
		from `tabMail Archive Folder`
		where parent = %s and parenttype = 'Mail Archive Account' order by idx asc""",
		account,
		as_dict=True,
	)
	result = AccountCompleteness(account)
	blocklist = _blocklist()
	for row in rows:
		figures = FolderCompleteness(
			account=account,
			folder=row.folder_name,
			uidvalidity=row.uidvalidity or None,
			counting_since=row.counting_since,
			last_synced=row.last_synced,
			seen=cint(row.mails_seen),
			headers_only=cint(row.mails_headers_only),
		)
		if figures.uidvalidity:
			_add_quarantined(figures)
			_add_gaps(figures)
			figures.blocked = _blocked(figures, blocklist)
		result.folders.append(figures)
	return result


def _add_quarantined(figures: FolderCompleteness) -> None:
	figures.quarantined = frappe.db.count(
		"Mailbox Copy",
		{
			"account": figures.account,
			"folder": figures.folder,
			"uidvalidity": figures.uidvalidity,
			"status": "Quarantined",
		},
	)


def _add_gaps(figures: FolderCompleteness) -> None:
	by_evidence = {
		SERVER_VANISHED: "expunged_reported",
		UID_GAP: "expunged_inferred",
		GONE_AT_FETCH: "expunged_at_fetch",
	}
	for gap in frappe.get_all(
		GAP,
		{"account": figures.account, "folder": figures.folder, "uidvalidity": figures.uidvalidity},
		[
			"reason",
			"evidence",
			"sum(uid_count) as uids",
			"min(detected_on) as first_on",
			"max(detected_on) as last_on",
		],
		group_by="reason, evidence",
	):
		if gap.reason == BEFORE_FIRST_SYNC:
			figures.before_first_sync += cint(gap.uids)
			continue
		if gap.reason != EXPUNGED_BEFORE_ARCHIVED:
			continue
		name = by_evidence.get(gap.evidence, "expunged_inferred")
		setattr(figures, name, getattr(figures, name) + cint(gap.uids))
		figures.first_gap_on = min(filter(None, (figures.first_gap_on, gap.first_on)), default=None)
		figures.last_gap_on = max(filter(None, (figures.last_gap_on, gap.last_on)), default=None)


def _blocklist() -> tuple[list[str], list[str]]:
	entries = frappe.get_all("Archive Blocklist", {"enabled": 1}, ["entry_type", "value"])
	# stored normalized (Archive Blocklist.validate), as filing compares them
	addresses = [e.value for e in entries if e.entry_type == "Address" and e.value]
	domains = [e.value for e in entries if e.entry_type == "Domain" and e.value]
	return addresses, domains


def _blocked(figures: FolderCompleteness, blocklist: tuple[list[str], list[str]]) -> int:
	"""Archived mails of the folder with an address on the Archive Blocklist (one query; the
	address index is searched by address and by reversed domain, a prefix for subdomains)."""
	addresses, domains = blocklist
	if not addresses and not domains:
		return 0
	conditions, values = (
		[],
		{
			"account": figures.account,
			"folder": figures.folder,
			"uidvalidity": figures.uidvalidity,
		},
	)
	if addresses:
		conditions.append("i.address in %(addresses)s")
		values["addresses"] = tuple(addresses)
	for n, domain in enumerate(domains):
		reversed_domain = reverse_domain(domain)
		conditions.append(f"(i.reversed_domain = %(d{n})s or i.reversed_domain like %(p{n})s)")
		values[f"d{n}"] = reversed_domain
		like = reversed_domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
		values[f"p{n}"] = like + ".%"
	return cint(
		frappe.db.sql(
			# from the blocked addresses' index rows to their copies: the cost follows the blocked
			# mail, not the folder's size
			f"""select count(distinct i.communication)
			from `tab{ADDRESS_INDEX}` i straight_join `tabMailbox Copy` c on c.communication = i.communication
			where c.account = %(account)s and c.folder = %(folder)s and c.uidvalidity = %(uidvalidity)s
			and c.status = 'Stored' and ({" or ".join(conditions)})""",
			values,
		)[0][0]
	)


def completeness_lines(figures: AccountCompleteness) -> list[str]:
	"""The figures as plain text lines (the CLI and `mail-archive verify`), in English like the
	rest of the bench output."""
	lines = []
	for folder in figures.folders:
		since = folder.counting_since.strftime("%Y-%m-%d %H:%M") if folder.counting_since else "-"
		lines.append(
			f"{figures.account} / {folder.folder}: since {since}: {folder.held} held on the server, "
			f"{folder.seen} seen, {folder.archived} archived ({folder.headers_only} headers only, over the "
			f"size limit), {folder.missing} missing: {folder.expunged_unarchived} expunged before archived "
			f"({folder.expunged_reported} reported by the server, {folder.expunged_inferred} from UID gaps, "
			f"{folder.expunged_at_fetch} gone at fetch), {folder.quarantined} quarantined; "
			f"{folder.before_first_sync} deleted before the first sync; "
			f"{folder.blocked} archived with a blocked address (not filed at it)"
		)
	return lines
