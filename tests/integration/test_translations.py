"""The UI speaks German: every string the app shows has a German translation, and Frappe serves it."""

import frappe

from devtools.translations import extract, untranslated


def test_every_string_the_app_shows_is_translated_to_german():
	assert len(extract()) > 150  # the extraction itself works: DocTypes, Python, JS, workspace
	assert untranslated("de") == []


def test_frappe_serves_the_german_strings():
	from frappe.translate import get_all_translations

	frappe.cache.delete_key("translations")  # compiled by the test command; read them fresh
	german = get_all_translations("de")
	assert german["Mail Archive Account"] == "E-Mail-Archiv-Konto"
	assert german["File at…"] == "Ablegen bei…"
	assert german["{0} is not a valid domain."] == "{0} ist keine gültige Domain."
	# stock strings our surfaces show, where stock's German reads oddly: ours win
	assert german["Forward"] == "Weiterleiten" and german["Message"] == "Nachricht"
	assert german["Reply"] == "Antworten" and german["Email Archive"] == "E-Mail-Archiv"
	# ERPNext's "Chance" and "Anfrage" read oddly beside the archive
	assert german["Opportunity"] == "Verkaufschance" and german["Issue"] == "Ticket"
	assert german["Begin typing for results."] == "Tippen Sie, um Ergebnisse zu sehen."
	assert german["Inbox:Mail folder"] == "Posteingang" and german["Trash:Mail folder"] == "Papierkorb"


def test_german_says_e_mail_not_mail():
	"""One term: "E-Mail" ("E-Mails", "E-Mail-Server", "E-Mail-Archiv"), never "Mail" alone
	(devtools.translations.one_german_term rewrites strings added with the old word)."""
	import re
	from pathlib import Path

	from babel.messages.pofile import read_po

	# this checkout's catalogue (the bench's app link may point at another checkout)
	with open(Path(frappe.get_app_path("crm_mail_archive")) / "locale" / "de.po", "rb") as handle:
		catalog = read_po(handle)
	loose = [
		message.string
		for message in catalog
		if message.id and re.search(r"(?<![-\w])Mail", str(message.string or ""))
	]
	assert loose == []
