"""Mail archived before e-invoices were read: its XML and PDF attachments not read yet are read in
the background (jobs of 500 mails on the bulk queue), and the mails filed at what they name."""

from crm_mail_archive.filing.einvoice_backlog import queue_unread_einvoices


def execute() -> None:
	queue_unread_einvoices()
