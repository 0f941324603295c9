"""Reading e-invoices in a process of their own with a time limit per file: a PDF crafted to keep
pypdf busy (or to take its memory) costs that process, never the worker, and the next file is read
by a fresh one. Frappe-free."""

from __future__ import annotations

import multiprocessing
import sys
from contextlib import contextmanager

from crm_mail_archive.einvoice.model import EInvoice, rejected
from crm_mail_archive.einvoice.reader import read_einvoice

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


@contextmanager
def _main_module_not_inherited():
	"""A spawned process imports its parent's __main__ first: under a bench worker that is all of
	Frappe, which reading an invoice never uses."""
	main = sys.modules["__main__"]
	saved = {key: main.__dict__[key] for key in ("__spec__", "__file__") if key in main.__dict__}
	main.__spec__ = None
	main.__dict__.pop("__file__", None)
	try:
		yield
	finally:
		main.__dict__.update(saved)


class Reader:
	"""One reading process, replaced when a file takes too long or ends it."""

	def __init__(self, seconds: float = SECONDS_PER_FILE) -> None:
		self.seconds = seconds
		self._process = None
		self._connection = None

	def __enter__(self) -> Reader:
		return self

	def __exit__(self, *exc) -> None:
		self._stop()

	def _start(self) -> None:
		context = multiprocessing.get_context("spawn")
		self._connection, theirs = context.Pipe()
		with _main_module_not_inherited():
			self._process = context.Process(target=serve, args=(theirs,), daemon=True)
			self._process.start()
		theirs.close()

	def _stop(self) -> None:
		if self._process is not None:
			self._connection.close()
			self._process.kill()
			self._process.join()
			self._process = self._connection = None

	def read(self, filename: str, content: bytes, content_type: str | None = None) -> EInvoice | None:
		if self._process is None:
			self._start()
		try:
			self._connection.send((filename, content, content_type))
			if self._connection.poll(self.seconds):
				answer = self._connection.recv()
				return EInvoice.from_json(answer) if answer is not None else None
		except (EOFError, OSError) as error:  # the process died on the file (memory, a crash)
			self._stop()
			return rejected("", f"the reading process ended ({type(error).__name__})")
		self._stop()
		return rejected("", f"not read within {self.seconds:g} s")
