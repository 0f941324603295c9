"""Write the typed fields of every DocType of the app into its controller (Frappe's TypeExporter,
as `export_python_type_annotations` does when a DocType is saved in developer mode):

	cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -m devtools.run --site S devtools.doctype_types.export

The types are made from the DocType JSON files of the checkout (what a migrate would install), so
any site of the bench will do. tests/unit/test_doctype_types.py fails while a controller's block
does not list its DocType's fields.
"""

from __future__ import annotations

import json
from pathlib import Path

import frappe
from frappe.types.exporter import TypeExporter

DOCTYPES = Path(__file__).resolve().parent.parent / "crm_mail_archive" / "crm_mail_archive" / "doctype"


def export() -> None:
	for schema in sorted(DOCTYPES.glob("*/*.json")):
		if schema.stem != schema.parent.name:
			continue
		TypeExporter(frappe.get_doc(json.loads(schema.read_text(encoding="utf-8")))).export_types()
		print(schema.stem)
