"""The data is the mail's text: an archived mail's subject, names and addresses are stored exactly as
the mail spells them, in the form stock code parses (recipients, cc and bcc as bare addresses, the
display names beside them), and every surface escapes them where it renders them. The REST API
returns the mail's own text; stock Reply All addresses the right people; the desk shows a hostile
subject and names as text (tests/desk/test_hostile_headers.py opens every surface)."""

import json
from urllib.parse import quote

import frappe
import requests
from frappe.utils import parse_addr, split_emails

from crm_mail_archive.patches.true_text_in_mail_headers import true_values
from tests.support import HOSTILE_SUBJECT


def test_headers_are_stored_as_the_mails_text_with_bare_addresses_and_names_beside_them(named_mail):
	row = frappe.db.get_value(
		"Communication",
		named_mail["communication"],
		["subject", "sender", "sender_full_name", "recipients", "cc", "mail_archive_address_names"],
		as_dict=True,
	)
	assert row.subject == HOSTILE_SUBJECT
	assert row.sender == named_mail["sender"]
	assert row.sender_full_name == "Bernd <b>Muster</b>"
	assert row.recipients == named_mail["mailbox"]
	assert row.cc == f"{named_mail['colleague']}, {named_mail['third']}"
	# what stock code does with them works
	assert split_emails(row.cc) == [named_mail["colleague"], named_mail["third"]]
	assert parse_addr(row.recipients)[1] == named_mail["mailbox"]
	assert json.loads(row.mail_archive_address_names) == {
		named_mail["sender"]: "Bernd <b>Muster</b>",
		named_mail["mailbox"]: "Vertrieb, Muster Handels",
		named_mail["colleague"]: "Muster, Anna",
		named_mail["third"]: "<svg onload=window.__hit=2>",
	}


def test_the_rest_api_returns_the_mails_own_text(web_server, named_mail):
	session = requests.Session()
	holder, password = named_mail["holder"]
	assert session.post(f"{web_server}/api/method/login", data={"usr": holder, "pwd": password}).ok
	doc = session.get(f"{web_server}/api/resource/Communication/{quote(named_mail['communication'])}").json()[
		"data"
	]
	assert doc["subject"] == HOSTILE_SUBJECT
	assert doc["sender_full_name"] == "Bernd <b>Muster</b>"
	assert doc["recipients"] == named_mail["mailbox"]
	assert doc["cc"] == f"{named_mail['colleague']}, {named_mail['third']}"
	assert "&lt;" not in json.dumps(doc) and "&amp;" not in doc["subject"]
	# the reader's view: the same text, the addresses also with their names
	view = session.post(
		f"{web_server}/api/method/crm_mail_archive.api.get_mail_view",
		data={"communication": named_mail["communication"]},
	).json()["message"]
	assert view["subject"] == HOSTILE_SUBJECT
	assert (
		view["cc_shown"]
		== f"Muster, Anna <{named_mail['colleague']}>, <svg onload=window.__hit=2> <{named_mail['third']}>"
	)


def test_the_print_view_shows_the_subject_as_text(named_mail):
	doc = frappe.get_doc("Communication", named_mail["communication"])
	assert doc.get_formatted("subject") == (
		"&lt;img src=x onerror=window.__hit=1&gt; Angebot &amp; Preise 1 &lt; 2"
	)
	assert "<b>" not in doc.get_formatted("sender_full_name")


def test_mail_stored_inert_before_gets_its_text_back():
	row = frappe._dict(
		subject="&lt;img src=x&gt; Angebot",
		sender="bernd@kunde.example",
		sender_full_name="&lt;b&gt;Bernd&lt;/b&gt;",
		message_id="m@kunde.example",
		imap_folder="INBOX",
		recipients='"Vertrieb, Muster" &lt;vertrieb@firma.example&gt;',
		cc='"Muster, Anna" &lt;anna@kunde.example&gt;, third@kunde.example',
		bcc=None,
		mail_archive_address_names=None,
	)
	changed = true_values(row)
	assert changed["subject"] == "<img src=x> Angebot"
	assert changed["sender_full_name"] == "<b>Bernd</b>"
	assert changed["recipients"] == "vertrieb@firma.example"
	assert changed["cc"] == "anna@kunde.example, third@kunde.example"
	assert json.loads(changed["mail_archive_address_names"]) == {
		"vertrieb@firma.example": "Vertrieb, Muster",
		"anna@kunde.example": "Muster, Anna",
	}
	# a value stored as the text it is stays as it is
	assert true_values(frappe._dict({**row, **changed})) == {}


def test_mail_archived_by_older_versions_ends_as_its_text_after_the_patches():
	from crm_mail_archive.patches import inert_mail_headers, true_text_in_mail_headers

	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_medium": "Email",
			"subject": "<img src=x onerror=alert(1)> Altbestand",
			"sender_full_name": "<script>alert(2)</script>",
			"recipients": '"Vertrieb" <vertrieb@firma.example>',
			"mail_archive_key": frappe.generate_hash(length=64),
		}
	)
	communication.db_insert()  # as the batch insert stored it before either change
	inert_mail_headers.execute()
	true_text_in_mail_headers.execute()
	stored = frappe.db.get_value(
		"Communication",
		communication.name,
		["subject", "sender_full_name", "recipients", "mail_archive_address_names"],
		as_dict=True,
	)
	assert stored.subject == "<img src=x onerror=alert(1)> Altbestand"
	assert stored.sender_full_name == "<script>alert(2)</script>"
	assert stored.recipients == "vertrieb@firma.example"
	assert json.loads(stored.mail_archive_address_names) == {"vertrieb@firma.example": "Vertrieb"}
