"""Attachment words for the search index, read in the background after a batch is stored.

Each file is read in a separate process with a time limit: a PDF crafted to keep the parser
busy costs that process, never the worker, and the other attachments are read on. What could not
be read is noted on the mail's index row (`attachment_status`)."""

from __future__ import annotations

import frappe

from crm_mail_archive.infra import archive_files
from crm_mail_archive.isolation import IsolatedProcess
from crm_mail_archive.search.extract import READABLE, extension, serve_words
from crm_mail_archive.search.index import SEARCH_TEXT

SECONDS_PER_FILE = 20


class Reader:
	"""One process that reads attachments, replaced when a file takes too long or kills it."""

	def __init__(self) -> None:
		self.process = IsolatedProcess(serve_words, SECONDS_PER_FILE)

	def __enter__(self) -> Reader:
		return self

	def __exit__(self, *exc) -> None:
		self.process.stop()

	def words(self, filename: str, content: bytes) -> tuple[str | None, str | None]:
		answer = self.process.ask((filename, content))
		return answer.value if answer.answered else (None, answer.failure)


def index_attachments_job(communications: list[str]) -> None:
	files = [
		file
		for file in frappe.get_all(
			"Mail Attachment",
			{"communication": ("in", communications)},
			["name", "communication", "file_name", "stored_file"],
			order_by="creation asc",
		)
		if extension(file.file_name or "") in READABLE
	]
	if not files:
		return
	words: dict[str, list[str]] = {}
	problems: dict[str, list[str]] = {}
	with Reader() as reader:
		for file in files:
			try:
				content = archive_files.read(file.stored_file)
			except Exception as error:  # a file gone from disk: noted, the others are read
				text, problem = None, f"{type(error).__name__}"
			else:
				text, problem = reader.words(file.file_name, content)
			if text:
				words.setdefault(file.communication, []).append(text)
			if problem:
				problems.setdefault(file.communication, []).append(f"{file.file_name}: {problem}")
	for communication in words.keys() | problems.keys():
		frappe.db.set_value(
			SEARCH_TEXT,
			communication,
			{
				"attachment_text": "\n".join(words.get(communication, [])),
				"attachment_status": "\n".join(problems.get(communication, [])),
			},
			update_modified=False,
		)
