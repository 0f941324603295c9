"""The app's translatable strings, extracted the way `bench generate-pot-file` does (Frappe's
babel extractors for Python, JS, DocType and Workspace JSON), from the package directory itself
(the bench command resolves paths against the bench and fails for an app linked from elsewhere).

cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -m devtools.run --site S devtools.translations.write_pot
cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -m devtools.run --site S devtools.translations.update_po --kwargs '{"locale": "de"}'
"""

from __future__ import annotations

import os
from pathlib import Path

import frappe
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

APP = "crm_mail_archive"


def package_dir() -> Path:
	"""The package as the bench sees it (apps/<app>/<app>): Frappe's hooks.py extractor needs a
	path inside the bench, and the app may be linked there from a checkout elsewhere."""
	from frappe.utils import get_bench_path

	in_bench = Path(get_bench_path()) / "apps" / APP / APP
	return in_bench if in_bench.exists() else Path(frappe.get_app_path(APP))


def extract() -> Catalog:
	from frappe.gettext.translate import get_method_map

	keywords = {**DEFAULT_KEYWORDS, "_lt": None}

	def directory_filter(dirpath: str | os.PathLike[str]) -> bool:
		name = os.path.basename(dirpath)
		return not (name.startswith((".", "_")) or name in ("dist", "node_modules"))

	catalog = Catalog(project=APP, charset="utf-8")
	for filename, lineno, message, comments, context in extract_from_dir(
		str(package_dir()), get_method_map("frappe"), directory_filter=directory_filter, keywords=keywords
	):
		if message:
			catalog.add(
				message, locations=[(f"{APP}/{filename}", lineno)], auto_comments=comments, context=context
			)
	return catalog


def po_path(locale: str) -> Path:
	return package_dir() / "locale" / f"{locale}.po"


def read_catalog(locale: str) -> Catalog:
	with open(po_path(locale), "rb") as handle:
		return read_po(handle)


def untranslated(locale: str) -> list[str]:
	"""Strings the app shows that the locale's PO file does not translate."""
	translations = read_catalog(locale) if po_path(locale).exists() else Catalog()
	missing = []
	for message in extract():
		if not message.id:
			continue
		found = translations.get(message.id, context=message.context)
		if found is None or not found.string or found.fuzzy:
			missing.append(f"{message.context}|{message.id}" if message.context else message.id)
	return missing


def write_pot() -> None:
	path = package_dir() / "locale" / "main.pot"
	path.parent.mkdir(exist_ok=True)
	with open(path, "wb") as handle:
		write_po(handle, extract(), sort_output=True, width=100)
	print(path)


def update_po(locale: str) -> None:
	"""Add new strings to the locale's PO file (untranslated) and drop vanished ones."""
	catalog = read_catalog(locale) if po_path(locale).exists() else Catalog(locale=locale)
	catalog.update(extract(), no_fuzzy_matching=True)
	with open(po_path(locale), "wb") as handle:
		write_po(handle, catalog, sort_output=True, width=100, ignore_obsolete=True)
	print(po_path(locale))


def one_german_term(path: str | None = None) -> None:
	"""Rewrite the German msgstrs to the app's terms, in place and line by line (the file's order
	and the other lines stay, so merges stay small): "Mail" alone becomes "E-Mail" ("E-Mails",
	"E-Mail-Archiv", "E-Mail-Server"), ERPNext's "Chance" becomes "Verkaufschance". For strings
	added with the old words; tests/test_translations.py finds them.

	cd <bench>/sites && PYTHONPATH=<checkout> ../env/bin/python -c "from devtools.translations import one_german_term; one_german_term('<checkout>/crm_mail_archive/locale/de.po')"
	"""
	import re

	def fix(text: str) -> str:
		text = re.sub(r"(?<![-\w])Mailserver", "E-Mail-Server", text)
		text = re.sub(r"(?<![-\w])Mailsuche", "E-Mail-Suche", text)
		text = re.sub(r"(?<![-\w])Mailtext", "E-Mail-Text", text)
		text = re.sub(r"(?<![-\w])Mail(?=s\b|-|\b)", "E-Mail", text)
		text = re.sub(r"(?<![-\w])Chancen\b", "Verkaufschancen", text)
		return re.sub(r"(?<![-\w])Chance\b", "Verkaufschance", text)

	po = Path(path) if path else po_path("de")
	lines, in_msgstr = [], False
	for line in po.read_text(encoding="utf-8").split("\n"):
		if line.startswith("msgstr"):
			in_msgstr = True
		elif line.startswith(("msgid", "msgctxt", "#")) or not line.strip():
			in_msgstr = False
		lines.append(fix(line) if in_msgstr else line)
	po.write_text("\n".join(lines), encoding="utf-8")
	print(po)
