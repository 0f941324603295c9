"""E-invoices in mail archived before they were read (or whose reading job was lost): the mails
with an XML or PDF attachment not read yet (`einvoice_status` empty), or read before the VAT
breakdown was kept (no "taxes" in what was read: a draft Purchase Invoice needs it for its tax
rows), are queued for the same job the sync queues, on the bulk queue, MAILS_PER_JOB mails a job —
by a patch after the migration and by `bench --site S mail-archive read-einvoices [--account A]`.

The attachments are walked in pieces of ROWS_PER_QUERY by their name (keyset, no OFFSET), so a
site of millions of attachments is one pass that never holds them all."""

from __future__ import annotations

from collections.abc import Iterator

import frappe

from crm_mail_archive.einvoice import READ, is_candidate
from crm_mail_archive.filing.einvoice import enqueue_einvoices
from crm_mail_archive.infra.jobs import BULK_QUEUE

MAILS_PER_JOB = 500
ROWS_PER_QUERY = 5000


def unread_mails(account: str | None = None) -> Iterator[str]:
	"""The mails (each once, in the order of their attachments' names) with a candidate attachment
	whose e-invoice reading has not run, or ran before the VAT breakdown was kept; of one Mail
	Archive Account's mail with `account`."""
	seen: set[str] = set()
	last = ""
	mine = (
		"and communication in (select communication from `tabMailbox Copy` where account = %(account)s)"
		if account
		else ""
	)
	while True:
		rows = frappe.db.sql(
			f"""select name, communication, file_name, content_type from `tabMail Attachment`
			where name > %(last)s {mine} and (ifnull(einvoice_status, '') = ''
				or (einvoice_status = %(read)s and einvoice_json not like %(with_taxes)s))
			order by name limit %(limit)s""",
			{
				"last": last,
				"account": account,
				"limit": ROWS_PER_QUERY,
				"read": READ,
				"with_taxes": '%"taxes":%',
			},
			as_dict=True,
		)
		for row in rows:
			if row.communication not in seen and is_candidate(row.file_name or "", row.content_type):
				seen.add(row.communication)
				yield row.communication
		if len(rows) < ROWS_PER_QUERY:
			return
		last = rows[-1].name


def queue_unread_einvoices(account: str | None = None) -> tuple[int, int]:
	"""Queue the reading of the e-invoices not read yet (after this transaction commits): (mails,
	jobs)."""
	mails = jobs = 0
	batch: list[str] = []
	for communication in unread_mails(account):
		batch.append(communication)
		if len(batch) == MAILS_PER_JOB:
			enqueue_einvoices(batch, queue=BULK_QUEUE)
			mails, jobs, batch = mails + len(batch), jobs + 1, []
	if batch:
		enqueue_einvoices(batch, queue=BULK_QUEUE)
		mails, jobs = mails + len(batch), jobs + 1
	return mails, jobs
