"""Full-text search: the words of a mail and of its attachments find it in the Email Archive tab,
German word forms by prefix ("Rechnung" finds "Rechnungen"), all words required, for the readers
of the record only; the index rows themselves are readable by nobody; attachments are read in
the background, bounded, and what cannot be read is noted."""

from __future__ import annotations

import io
import zipfile

import frappe
import pytest

from crm_mail_archive import api
from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.retention.guard import removing_by_the_app
from crm_mail_archive.search.extract import ExtractionFailed, attachment_text
from tests.support import a_mail, a_pdf, copies_of, jobs_done, make_user


def zipped(files: dict[str, str]) -> bytes:
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w") as archive:
		for name, text in files.items():
			archive.writestr(name, text)
	return buffer.getvalue()


# --- reading attachments (no database) ---------------------------------------------------------


def test_the_words_of_each_kind_of_attachment_are_read():
	from openpyxl import Workbook

	workbook = Workbook()
	workbook.active.append(["Artikel", "Preis"])
	workbook.active.append(["Frästeil Aluminium", 12.5])
	xlsx = io.BytesIO()
	workbook.save(xlsx)
	w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	docx = zipped(
		{
			"word/document.xml": f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>Lieferung</w:t></w:r>'
			f"<w:r><w:t>sbedingungen</w:t></w:r></w:p><w:p><w:r><w:t>Zahlbar</w:t></w:r></w:p></w:body></w:document>"
		}
	)
	text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	odt = zipped(
		{
			"content.xml": f'<d xmlns:text="{text_ns}"><text:p>Angebot <text:span>Nr. 7</text:span></text:p></d>'
		}
	)

	assert "Lieferschein 4711" in attachment_text("Beleg.PDF", a_pdf("Lieferschein 4711"))
	assert attachment_text("Preise.xlsx", xlsx.getvalue()) == "Sheet Artikel Preis Frästeil Aluminium 12.5"
	assert attachment_text("Vertrag.docx", docx) == "Lieferungsbedingungen Zahlbar"
	assert attachment_text("Angebot.odt", odt) == "Angebot Nr. 7"
	assert attachment_text("notiz.txt", "Grüße".encode("cp1252")) == "Grüße"
	assert (
		attachment_text("seite.html", b"<style>x{}</style><p>Hallo <b>Welt</b></p><script>alert(1)</script>")
		== "Hallo Welt"
	)
	assert attachment_text("bild.png", b"\x89PNG") is None  # no words we read


@pytest.mark.parametrize(
	"filename, content, reason",
	[
		("kaputt.pdf", b"%PDF-1.4 nothing of a PDF", "Pdf(Stream|Read)Error"),
		("kaputt.docx", b"PK no zip", "BadZipFile"),
		("leer.docx", zipped({"other.xml": "<a/>"}), "KeyError"),
		("riesig.txt", b"x" * (21 * 1024 * 1024), "larger than 20 MB"),
	],
)
def test_a_broken_or_oversized_attachment_gives_a_reason_not_an_error(filename, content, reason):
	with pytest.raises(ExtractionFailed, match=reason):
		attachment_text(filename, content)


def test_a_file_that_takes_too_long_is_given_up_and_the_next_one_is_read():
	from crm_mail_archive.search import attachments

	with attachments.Reader() as reader:
		reader.process.seconds = 0.001
		words, reason = reader.words("gross.txt", b"Wort " * 2_000_000)
		assert words is None and reason == "not read within 0.001 s"
		assert not reader.process.running  # the busy process was ended
		reader.process.seconds = 60
		assert reader.words("klein.txt", b"Lieferschein") == ("Lieferschein", None)


# --- the search in the Email Archive tab ------------------------------------------------------


@pytest.fixture
def searchable_customer(dovecot, mail_user, make_archive_account, crm):
	customer = crm.customer("Suchkunde")
	sender = crm.address("buchhaltung")
	crm.contact([sender], links=[("Customer", customer)])
	for mail in (
		a_mail(
			"Unterlagen",
			sender=sender,
			text="Anbei die Unterlagen.",
			attachments=[("Beleg.pdf", a_pdf("Lieferschein 4711 Rechnungsnummer 2026-17"))],
		),
		a_mail("Offene Rechnungen", sender=sender, text="Bitte begleichen Sie die Rechnungen bis Freitag."),
		a_mail("Termin", sender=sender, text="Treffen am Montag in Köln"),
	):
		dovecot.append(mail_user, mail)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	with_pdf = frappe.db.get_value(
		"Communication", {"subject": "Unterlagen", "email_account": account.email_account}
	)
	# the attachment's words are read by a background job after the batch
	assert jobs_done(
		lambda: "Lieferschein" in (frappe.db.get_value("Mail Search Text", with_pdf, "attachment_text") or "")
	)
	return account, customer, with_pdf


def subjects(customer: str, search: str) -> set[str]:
	return {mail.subject for mail in api.get_archive("Customer", customer, search=search)["mails"]}


def test_words_of_the_mail_and_of_its_attachments_find_it_in_the_tab(searchable_customer):
	_account, customer, with_pdf = searchable_customer
	found = api.get_archive("Customer", customer, search="lieferschein")
	assert [mail.name for mail in found["mails"]] == [with_pdf] and found["total"] == 1
	assert "Lieferschein 4711" in found["mails"][0].snippet  # where the word is: in the PDF
	assert found["words"] == ["lieferschein"]
	# German word forms by prefix: "Rechnung" finds "Rechnungen" and "Rechnungsnummer"
	assert subjects(customer, "Rechnung") == {"Offene Rechnungen", "Unterlagen"}
	# every word is required
	assert subjects(customer, "Rechnung Freitag") == {"Offene Rechnungen"}
	assert subjects(customer, "Köln") == {"Termin"}
	assert subjects(customer, "Urlaub") == set()
	# boolean-mode operators typed by the user are words, not syntax
	assert subjects(customer, '+"Termin" -Köln* (Montag)') == {"Termin"}


def test_only_readers_of_the_record_search_its_mail_and_nobody_reads_the_index(searchable_customer):
	_account, customer, _with_pdf = searchable_customer
	frappe.set_user(make_user("Projects User"))  # reads no Customer
	try:
		with pytest.raises(frappe.PermissionError):
			api.get_archive("Customer", customer, search="Lieferschein")
		# the index rows: no list, no count (a count with a LIKE filter would be an oracle), no read
		with pytest.raises(frappe.PermissionError):
			frappe.get_list("Mail Search Text", fields=["mail_text"])
		from crm_mail_archive.overrides.stock_mail_endpoints import get_count

		with pytest.raises(frappe.PermissionError):
			get_count("Mail Search Text", {"attachment_text": ("like", "%Lieferschein%")})
	finally:
		frappe.set_user("Administrator")


def test_mail_search_finds_across_records_what_each_user_may_read(searchable_customer, committed_cleanup):
	account, _customer, with_pdf = searchable_customer
	mine = {"account": account.name}

	def found(text: str, **filters) -> set[str]:
		return {mail.subject for mail in api.search_mail(text, **{**mine, **filters})["mails"]}

	result = api.search_mail("Lieferschein", **mine)
	assert [mail.name for mail in result["mails"]] == [with_pdf] and result["total"] == 1
	assert "Lieferschein" in result["mails"][0].snippet
	assert found("Rechnung") == {"Offene Rechnungen", "Unterlagen"}
	assert found("Rechnung", direction="Sent") == set()
	assert found("Rechnung", filing="Filed") == {"Offene Rechnungen", "Unterlagen"}
	assert found("Rechnung", filing="Unfiled") == set()
	sender_domain = frappe.db.get_value("Communication", with_pdf, "sender").split("@")[1]
	assert found("Rechnung", sender_domain=sender_domain) == {"Offene Rechnungen", "Unterlagen"}
	assert found("Rechnung", sender_domain="andere.example") == set()
	assert found("Rechnung", has_attachment=1) == {"Unterlagen"}

	# a Sales User reads Customers by role: the mail filed at one is theirs to find
	sales_user = make_user("Sales User")
	committed_cleanup("User", sales_user)
	projects_user = make_user("Projects User")
	committed_cleanup("User", projects_user)
	frappe.db.commit()
	try:
		frappe.set_user(sales_user)
		assert found("Rechnung") == {"Offene Rechnungen", "Unterlagen"}
		frappe.set_user(projects_user)  # reads no record the mail is filed at, holds no mailbox
		assert found("Rechnung") == set()
		frappe.set_user("Administrator")
		# a confidential account's mail is its owner's alone
		frappe.db.set_value("Mail Archive Account", account.name, "confidential", 1)
		frappe.db.commit()
		frappe.set_user(sales_user)
		assert found("Rechnung") == set()
	finally:
		frappe.set_user("Administrator")
		frappe.db.set_value("Mail Archive Account", account.name, "confidential", 0)
		frappe.db.commit()


def test_an_unreadable_attachment_is_noted_and_the_mail_is_still_found(
	dovecot, mail_user, make_archive_account, crm
):
	customer = crm.customer("Kaputtkunde")
	sender = crm.address("versand")
	crm.contact([sender], links=[("Customer", customer)])
	dovecot.append(
		mail_user,
		a_mail("Defekte Anlage", sender=sender, attachments=[("scan.pdf", b"%PDF-1.4 kein PDF")]),
	)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)
	assert jobs_done(lambda: frappe.db.get_value("Mail Search Text", copy.communication, "attachment_status"))
	assert frappe.db.get_value("Mail Search Text", copy.communication, "attachment_status").startswith(
		"scan.pdf: "
	)
	assert subjects(customer, "Anlage") == {"Defekte Anlage"}


def test_a_deleted_mail_takes_its_words_along(searchable_customer):
	_account, _customer, with_pdf = searchable_customer
	# (kept for its retention period otherwise: as after it, or by an erasure)
	with removing_by_the_app():
		frappe.delete_doc("Communication", with_pdf, ignore_permissions=True)
	assert not frappe.db.exists("Mail Search Text", with_pdf)
