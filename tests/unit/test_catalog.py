"""The German catalog is one well-formed gettext file: every entry has one msgid and one msgstr, and
no msgid is there twice (a merge that kept two sides of an entry shows here, before the desk
silently picks one)."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "crm_mail_archive" / "locale" / "de.po"


def entries() -> list[list[str]]:
	text = PO.read_text(encoding="utf-8")
	return [block.strip().split("\n") for block in re.split(r"\n\s*\n", text) if block.strip()]


def test_every_entry_has_one_msgid_and_one_msgstr():
	malformed = []
	for lines in entries():
		keys = [line.split(" ", 1)[0] for line in lines if not line.startswith(("#", '"'))]
		if keys.count("msgid") != 1 or keys.count("msgstr") != 1:
			malformed.append(lines[:3])
	assert malformed == []


def test_no_msgid_is_there_twice():
	seen, twice = set(), []
	for lines in entries():
		head = lines[: next((i for i, line in enumerate(lines) if line.startswith("msgstr")), len(lines))]
		key = "\n".join(line for line in head if not line.startswith("#"))
		if key in seen:
			twice.append(key[:80])
		seen.add(key)
	assert twice == []
