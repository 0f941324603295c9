"""Both cores for a large import: while one batch is stored (database work in this process), the
next is fetched from the server (a thread: the wait is on the network) and parsed (another
process: parsing is pure Python, and a process has its own interpreter). Frappe-free.

The mail server connection is used by one thread at a time: every IMAP command (fetches, and
setting \\Seen after a batch is stored) goes through the same single-thread executor, in order.
Parsing in the other process is an optimisation only: if that process fails, the batch is parsed
here (the store parses what it was not given), so no mail depends on it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

from crm_mail_archive.isolation import main_module_not_inherited
from crm_mail_archive.mailbox.client import FetchedMessage, MailboxClient
from crm_mail_archive.mailbox.parser import MailParseError, ParsedMail, parse_message


def _exit_with_parent(parent_pid: int) -> None:
	"""Runs in the parsing process: end when the process that started it is gone. An RQ job's
	work-horse leaves with os._exit (and a killed sync leaves no way at all) without shutting the
	pool down, which would otherwise leave this process waiting for work for ever."""

	def watch() -> None:
		while os.getppid() == parent_pid:
			time.sleep(1)
		os._exit(0)

	threading.Thread(target=watch, name="mail-archive-parent-watch", daemon=True).start()


def parse_many(raws: list[bytes], max_attachment_size: int) -> list[ParsedMail | Exception]:
	"""Runs in the parsing process: each mail parsed, or the reason it could not be."""
	parsed: list[ParsedMail | Exception] = []
	for raw in raws:
		try:
			parsed.append(parse_message(raw, max_attachment_size=max_attachment_size))
		except Exception as error:  # sent back as a plain, picklable error; the store quarantines
			parsed.append(MailParseError(f"{type(error).__name__}: {error}"))
	return parsed


@dataclass
class Fetched:
	messages: list[FetchedMessage]
	parsed: Future | None  # list[ParsedMail | Exception] in message order, from the other process


class Pipeline:
	"""Fetch and parse ahead of the store; use as a context manager."""

	def __init__(self, client: MailboxClient, max_attachment_size: int, parse_elsewhere: bool):
		self.client = client
		self.max_attachment_size = max_attachment_size
		self.imap = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-archive-imap")
		self.parsing = (
			ProcessPoolExecutor(
				max_workers=1,
				mp_context=multiprocessing.get_context("spawn"),
				initializer=_exit_with_parent,
				initargs=(os.getpid(),),
			)
			if parse_elsewhere
			else None
		)
		if self.parsing:
			try:
				with main_module_not_inherited():
					self.parsing.submit(int)  # starts the process now, while __main__ is hidden
			except Exception:  # no process to be had (limits, memory): the store parses
				self.parsing.shutdown(wait=False, cancel_futures=True)
				self.parsing = None

	def __enter__(self) -> Pipeline:
		return self

	def __exit__(self, *exc) -> None:
		self.imap.shutdown(wait=True)
		if self.parsing:
			# wait: the process is reaped here rather than left behind (at most one batch's parse)
			self.parsing.shutdown(wait=True, cancel_futures=True)

	def fetch(self, uids: list[int], headers_only: bool) -> Future:
		"""Fetch (and start parsing) a batch; the Future gives a Fetched."""

		def work() -> Fetched:
			messages = self.client.fetch(uids, headers_only=headers_only)
			parsed = None
			if self.parsing and messages:
				try:
					parsed = self.parsing.submit(
						parse_many, [m.raw for m in messages], self.max_attachment_size
					)
				except Exception:  # a broken pool: the store parses the batch itself
					parsed = None
			return Fetched(messages, parsed)

		return self.imap.submit(work)

	def call(self, function, *args) -> Future:
		"""Any other IMAP command, in order with the fetches."""
		return self.imap.submit(function, *args)

	@staticmethod
	def parsed(fetched: Fetched) -> dict[int, ParsedMail | Exception] | None:
		"""The batch parsed by the other process, by UID, or None (parse it here)."""
		if fetched.parsed is None:
			return None
		try:
			results = fetched.parsed.result()
		except Exception:  # the parsing process died (a crash, memory): parse here
			return None
		return {message.uid: result for message, result in zip(fetched.messages, results, strict=True)}
