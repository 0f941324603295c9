"""The reader's view of one mail for a user already let through the read rule (`access`: FULL or
HEADERS): the mail, what the user may do with it, and (on opening) its state on the mail server.
The one place both the reader's endpoint and the form's load (Communication onload) build it."""

from __future__ import annotations

from crm_mail_archive.actions.service import accounts_holding, server_state
from crm_mail_archive.infra import audit
from crm_mail_archive.permissions import HEADERS, holds_account
from crm_mail_archive.permissions.guards import may_change_mailbox, may_mark_private, reads_document
from crm_mail_archive.views.mail_view import headers_view, mail_view, mark_read_after_seconds


def reader_view(communication: str, access: str, user: str, with_server_state: bool = False) -> dict:
	view = (headers_view if access == HEADERS else mail_view)(communication, reads_document)
	view.can_mark_private = int(may_mark_private(view.email_account, user))
	view.may_change = access != HEADERS and may_change_mailbox(communication, accounts_holding(communication))
	# reading marks read only in one's own mailbox (a manager reading someone's mail leaves it)
	view.own_mailbox = holds_account(user, view.email_account)
	view.mark_read_after = mark_read_after_seconds()
	if with_server_state:
		# where it lies in the mailbox is not a header: none for a headers-only reader
		view.server_state = server_state(communication) if access != HEADERS else None
	audit.record("Opened", audit.archived([communication]))
	return view
