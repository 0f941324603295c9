"""Hostile input handled in a process of its own: a file crafted to keep a parser busy (or to take
its memory) costs that process, never the worker, and the next file gets a fresh one. Frappe-free:
the attachment reader of the search, the e-invoice reader and the sync's parsing process use it."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@contextmanager
def main_module_not_inherited():
	"""A spawned process starts by importing its parent's __main__: under bench and its workers
	that is frappe.utils.bench_helper, all of Frappe (about 90 MB), which the child never uses."""
	main = sys.modules["__main__"]
	saved = {key: main.__dict__[key] for key in ("__spec__", "__file__") if key in main.__dict__}
	main.__spec__ = None
	main.__dict__.pop("__file__", None)
	try:
		yield
	finally:
		main.__dict__.update(saved)


@dataclass(frozen=True)
class Answer:
	answered: bool
	value: Any = None
	failure: str | None = None  # why there is no answer: the process ended, or the time ran out


class IsolatedProcess:
	"""One spawned process running `serve(connection)` (a loop: a request in, an answer out),
	replaced when a request takes longer than `seconds` or ends it. Use as a context manager."""

	def __init__(self, serve: Callable, seconds: float) -> None:
		self.serve = serve
		self.seconds = seconds
		self._process = None
		self._connection = None

	def __enter__(self) -> IsolatedProcess:
		return self

	def __exit__(self, *exc) -> None:
		self.stop()

	@property
	def running(self) -> bool:
		return self._process is not None

	def ask(self, request) -> Answer:
		if self._process is None:
			self._start()
		try:
			self._connection.send(request)
			if self._connection.poll(self.seconds):
				return Answer(True, self._connection.recv())
		except (EOFError, OSError) as error:  # the process died on the request (memory, a crash)
			self.stop()
			return Answer(False, failure=f"the reading process ended ({type(error).__name__})")
		self.stop()
		return Answer(False, failure=f"not read within {self.seconds:g} s")

	def _start(self) -> None:
		context = multiprocessing.get_context("spawn")
		self._connection, theirs = context.Pipe()
		with main_module_not_inherited():
			self._process = context.Process(target=self.serve, args=(theirs,), daemon=True)
			self._process.start()
		theirs.close()

	def stop(self) -> None:
		if self._process is not None:
			self._connection.close()
			self._process.kill()
			self._process.join()
			self._process = self._connection = None
