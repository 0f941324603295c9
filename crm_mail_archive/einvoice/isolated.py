"""Reading e-invoices in a process of their own with a time limit per file: a PDF crafted to keep
pypdf busy (or to take its memory) costs that process, never the worker, and the next file is read
by a fresh one. Frappe-free."""

from __future__ import annotations

from crm_mail_archive.einvoice.model import EInvoice, rejected
from crm_mail_archive.einvoice.reader import read_einvoice
from crm_mail_archive.isolation import IsolatedProcess

SECONDS_PER_FILE = 20


def serve(connection) -> None:
	"""The reading process: (filename, content, content_type) in, the result as JSON (or None) out."""
	while True:
		try:
			filename, content, content_type = connection.recv()
		except EOFError:
			return
		try:
			invoice = read_einvoice(filename, content, content_type)
			connection.send(invoice.to_json() if invoice is not None else None)
		except Exception as error:  # a library's surprise: a reason, never a dead reader
			connection.send(rejected("", f"not read ({type(error).__name__})").to_json())


class Reader:
	"""One reading process, replaced when a file takes too long or ends it."""

	def __init__(self, seconds: float = SECONDS_PER_FILE) -> None:
		self.process = IsolatedProcess(serve, seconds)

	def __enter__(self) -> Reader:
		return self

	def __exit__(self, *exc) -> None:
		self.process.stop()

	def read(self, filename: str, content: bytes, content_type: str | None = None) -> EInvoice | None:
		answer = self.process.ask((filename, content, content_type))
		if not answer.answered:
			return rejected("", answer.failure)
		return EInvoice.from_json(answer.value) if answer.value is not None else None
