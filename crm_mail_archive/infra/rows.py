"""Multi-row INSERTs for the import's hot path (storage and filing).

Frappe's `db_insert` costs one round trip per row, and `frappe.db.bulk_insert` formats every value
in Python through pypika, which costs more than the database's own work. `insert_rows` takes the
same arguments as `frappe.db.bulk_insert` and sends one statement per table and chunk, with the
values as query parameters. Table and column names come from our code and the DocType meta, never
from a mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import frappe

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


class RowBuffer:
	"""New documents of a batch, kept as the rows `db_insert` would write, written at once."""

	def __init__(self) -> None:
		self._rows: dict[str, list[dict]] = {}

	def add(self, doc) -> None:
		if not doc.name:
			doc.set_new_name()
		self._rows.setdefault(doc.doctype, []).append(
			doc.get_valid_dict(convert_dates_to_str=True, ignore_virtual=True)
		)

	def add_row(self, doctype: str, row: dict) -> None:
		self._rows.setdefault(doctype, []).append(row)

	def extend(self, other: RowBuffer) -> None:
		for doctype, rows in other._rows.items():
			self._rows.setdefault(doctype, []).extend(rows)

	def write(self) -> None:
		"""In the order rows were first added per DocType (a mail's Communication comes first)."""
		for doctype, rows in self._rows.items():
			columns = list(rows[0])
			insert_rows(doctype, columns, ([row.get(column) for column in columns] for row in rows))
		self._rows.clear()
