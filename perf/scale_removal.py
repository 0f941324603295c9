"""Removing the synthetic archive of perf.scale_data: every row whose name carries its mark, in
pieces, and optionally the disk back (the big tables rebuilt)."""

from __future__ import annotations


def prefix(tag: str) -> str:
	"""What the name of every generated row starts with (the users': in lower case)."""
	return f"SCALE-{tag}-"


GENERATED = (
	"Mail Address Index",
	"Mail Search Text",
	"Timeline Link",
	"Communication",
	"Customer",
	"Mail Archive Account",
	"Email Account",
	"Has Role",
)


def generated_rows(tag: str = "scale") -> dict[str, int]:
	"""How many generated rows each table holds (the users' too)."""
	import frappe

	pattern = f"{prefix(tag)}%"
	counts = {
		doctype: frappe.db.sql(f"select count(*) from `tab{doctype}` where name like %s", pattern)[0][0]
		for doctype in GENERATED
	}
	counts["User"] = frappe.db.sql("select count(*) from tabUser where name like %s", f"scale-{tag}-%")[0][0]
	return counts


def remove(tag: str = "scale", optimize: bool = False, log=print) -> int:
	"""Delete every generated row, in pieces (each its own transaction); with `optimize` the big
	tables are rebuilt afterwards, so the disk they took is given back. Returns the rows deleted."""
	import frappe

	pattern = f"{prefix(tag)}%"
	deleted = 0
	for doctype in GENERATED:
		while True:
			frappe.db.sql(f"delete from `tab{doctype}` where name like %s limit 20000", pattern)
			count = frappe.db._cursor.rowcount
			frappe.db.commit()
			deleted += count
			if count < 20000:
				break
	frappe.db.sql("delete from tabUser where name like %s", f"scale-{tag}-%")
	deleted += frappe.db._cursor.rowcount
	frappe.db.commit()
	if optimize and deleted:
		for doctype in GENERATED[:4]:
			log(f"optimize {doctype}")
			frappe.db.sql(f"optimize table `tab{doctype}`")
	frappe.clear_cache()
	return deleted
