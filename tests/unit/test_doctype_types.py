"""Every DocType controller of the app carries its fields as type annotations (Frappe's
`export_python_type_annotations`, written by devtools/doctype_types.py), and they are current: the
block lists exactly the DocType's data fields."""

import json
import re
from pathlib import Path

DOCTYPES = Path(__file__).resolve().parents[2] / "crm_mail_archive" / "crm_mail_archive" / "doctype"
NO_DATA = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Heading", "Fold", "Image"}
UNTYPED = {"Long Int"}  # Frappe v15's frappe.types.DF has no type for it: the exporter leaves it out
CHILD_COLUMNS = {"parent", "parentfield", "parenttype", "amended_from"}
BLOCK = re.compile(r"# begin: auto-generated types\n(.*?)# end: auto-generated types", re.S)
FIELD = re.compile(r"^\t\t(\w+): ", re.M)


def test_every_controller_lists_its_doctypes_fields_as_types():
	stale = {}
	for schema in sorted(DOCTYPES.glob("*/*.json")):
		if schema.stem != schema.parent.name:
			continue
		fields = {
			field["fieldname"]
			for field in json.loads(schema.read_text(encoding="utf-8"))["fields"]
			if field["fieldtype"] not in NO_DATA | UNTYPED
		}
		block = BLOCK.search(schema.with_suffix(".py").read_text(encoding="utf-8"))
		typed = set(FIELD.findall(block.group(1))) if block else set()
		if fields - typed or typed - fields - CHILD_COLUMNS:
			stale[schema.stem] = sorted(fields ^ typed)
	assert stale == {}, "run devtools/doctype_types.py"
