"""Multi-row INSERTs for the import's hot path (storage and filing).

Frappe's `db_insert` costs one round trip per row, and `frappe.db.bulk_insert` formats every value
in Python through pypika, which costs more than the database's own work. `insert_rows` takes the
same arguments as `frappe.db.bulk_insert` and sends one statement per table and chunk, with the
values as query parameters. Table and column names come from our code and the DocType meta, never
from a mail.

Building a Document per row costs more than inserting it, so a new row is the DocType's empty row
(what `get_valid_dict` gives for a new document, once per job) with the given values and a name
like Frappe's hash naming (`random_name`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import frappe
from frappe.model import float_like_fields
from frappe.utils import cint, flt


class _RandomBytes:
	"""os.urandom read 4 KB at a time: Frappe's hash names ask the kernel once per name (five
	names per mail; 7% of a light import under cProfile). A forked process (RQ's work horse)
	starts with an empty buffer, so two processes never share bytes."""

	def __init__(self) -> None:
		self.buffer = b""

	def take(self, count: int) -> bytes:
		if len(self.buffer) < count:
			self.buffer = os.urandom(4096)
		taken, self.buffer = self.buffer[:count], self.buffer[count:]
		return taken

	def forget(self) -> None:
		self.buffer = b""


_random = _RandomBytes()
os.register_at_fork(after_in_child=_random.forget)


def random_name(length: int = 10) -> str:
	"""A hash name as Frappe makes them (lower-case hex, `length` characters)."""
	return _random.take((length + 1) // 2).hex()[:length]


# well below MariaDB's default max_allowed_packet (16 MB), even if every byte needs escaping
MAX_STATEMENT_BYTES = 4 * 1024 * 1024


def insert_rows(
	doctype: str, columns: Sequence[str], values: Iterable[Sequence], ignore_duplicates: bool = False
) -> None:
	column_sql = ", ".join(f"`{column}`" for column in columns)
	placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
	verb = "insert ignore" if ignore_duplicates else "insert"
	for chunk in _chunks_by_size(values):
		frappe.db.sql(
			f"{verb} into `tab{doctype}` ({column_sql}) values {', '.join([placeholders] * len(chunk))}",
			[value for row in chunk for value in row],
		)


def _chunks_by_size(values: Iterable[Sequence]) -> Iterator[list[Sequence]]:
	chunk: list[Sequence] = []
	size = 0
	for row in values:
		row_size = sum(len(value) if isinstance(value, str | bytes) else 16 for value in row)
		if chunk and size + row_size > MAX_STATEMENT_BYTES:
			yield chunk
			chunk, size = [], 0
		chunk.append(row)
		size += row_size
	if chunk:
		yield chunk


@contextmanager
def quotes_only_escaping():
	"""Within: string values are escaped by doubling quotes (MariaDB's NO_BACKSLASH_ESCAPES), not
	character by character. PyMySQL follows the session's mode; its default escaping runs at about
	20 MB/s on non-ASCII text, a mail body's INSERT spent more time there than in the database."""
	mode = frappe.db.sql("select @@session.sql_mode")[0][0] or ""
	if "NO_BACKSLASH_ESCAPES" in mode.split(","):
		yield
		return
	frappe.db.sql("set session sql_mode = %s", (",".join(filter(None, [mode, "NO_BACKSLASH_ESCAPES"])),))
	try:
		yield
	finally:
		frappe.db.sql("set session sql_mode = %s", (mode,))


@dataclass(frozen=True)
class _EmptyRow:
	row: dict  # what get_valid_dict gives for a new document
	numbers: dict  # column -> how get_valid_dict converts its value (Check, Int, Float fields)


def _empty_row(doctype: str) -> _EmptyRow:
	"""Per job (frappe.local): the DocType may change between jobs, not within one."""
	rows = getattr(frappe.local, "mail_archive_empty_rows", None)
	if rows is None:
		rows = frappe.local.mail_archive_empty_rows = {}
	if doctype not in rows:
		meta = frappe.get_meta(doctype)
		numbers = {}
		for field in meta.fields:
			if field.fieldtype == "Check":
				numbers[field.fieldname] = lambda value: 1 if cint(value) else 0
			elif field.fieldtype == "Int":
				numbers[field.fieldname] = cint
			elif field.fieldtype in float_like_fields:
				numbers[field.fieldname] = flt
		empty = frappe.get_doc({"doctype": doctype}).get_valid_dict(
			convert_dates_to_str=True, ignore_virtual=True
		)
		rows[doctype] = _EmptyRow(dict(empty), numbers)
	return rows[doctype]


def new_row(doctype: str, values: dict) -> dict:
	"""The row `db_insert` would write for a new `doctype` document holding `values`."""
	empty = _empty_row(doctype)
	unknown = set(values) - set(empty.row)
	if unknown:
		raise ValueError(f"{doctype} has no columns {sorted(unknown)}")
	row = {**empty.row, **values}
	for column in empty.numbers.keys() & values.keys():
		row[column] = empty.numbers[column](values[column])
	if not row.get("name"):
		row["name"] = random_name()
	return row


class RowBuffer:
	"""New rows of a batch, written at once."""

	def __init__(self) -> None:
		self._rows: dict[str, list[dict]] = {}

	def add(self, doctype: str, values: dict) -> str:
		"""A new document's row (see new_row); returns its name."""
		row = new_row(doctype, values)
		self._rows.setdefault(doctype, []).append(row)
		return row["name"]

	def rows_of(self, doctype: str) -> list[dict]:
		"""The rows of `doctype` added so far (not written yet)."""
		return list(self._rows.get(doctype, ()))

	def extend(self, other: RowBuffer) -> None:
		for doctype, rows in other._rows.items():
			self._rows.setdefault(doctype, []).extend(rows)

	def write(self) -> None:
		"""In the order rows were first added per DocType (a mail's Communication comes first)."""
		if not self._rows:
			return
		with quotes_only_escaping():
			for doctype, rows in self._rows.items():
				columns = list(rows[0])
				insert_rows(doctype, columns, ([row.get(column) for column in columns] for row in rows))
		self._rows.clear()
