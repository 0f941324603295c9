"""Answering archived mail in Debian's Chromium, as a German Sales User who holds one mailbox (no
System Manager, no setup of their own): Reply quotes the original under a German attribution,
Reply All answers everybody but ourselves, Forward says "WG:" and takes the original's
attachments along. Each mail goes out through a real SMTP server (the sink) and is in the
Customer's E-Mail-Archiv tab at once, filed; when the Sent folder brings the same mail, it stays
one archived mail. A hostile subject and sender name stay text in the composer.
Screenshots go to tests/.artifacts/."""

import io
import uuid
from urllib.parse import quote

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from tests.support import ARTIFACTS, a_mail, copies_of, filed_at, logged_in_page, make_user, with_headers

pytestmark = pytest.mark.slow

HOSTILE = "<img src=x onerror=window.__pwned=1>"


def a_pdf() -> bytes:
	from pypdf import PdfWriter

	writer = PdfWriter()
	writer.add_blank_page(width=200, height=200)
	buffer = io.BytesIO()
	writer.write(buffer)
	return buffer.getvalue()


DRAWING = a_pdf()
DAMAGED = b"%PDF-1.4 kaputt"  # stock's File refuses to keep it (it cannot be read as a PDF)


@pytest.fixture
def sales_user(committed_cleanup) -> tuple[str, str]:
	"""A Sales User with German UI: no System Manager, no Email Account rights of their own."""
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user("Sales User", password=password, first_name="Sven")
	frappe.db.set_value("User", email, "language", "de")
	frappe.db.commit()
	committed_cleanup("User", email)
	return email, password


def send_through(sink, email_account: str) -> None:
	"""SMTP of the Email Account set directly (the setup dialog is not this test's)."""
	doc = frappe.get_doc("Email Account", email_account)
	doc.update(
		{
			"enable_outgoing": 1,
			"smtp_server": sink.host,
			"smtp_port": sink.port,
			"use_tls": 0,
			"use_ssl_for_outgoing": 0,
			"no_smtp_authentication": 1,
			"append_emails_to_sent_folder": 1,
		}
	)
	doc.save(ignore_permissions=True)
	frappe.db.commit()


@pytest.fixture
def mailbox(dovecot, mail_user, make_archive_account, crm, smtp_sink, sales_user):
	"""The Sales User's mailbox with a customer's request in its Inbox (To: us and a colleague of
	the customer; Cc: their accounting and the Sales User's own address), filed at the Customer."""
	customer = crm.customer("Antwortkunde")
	sender, colleague, accounting = crm.address("einkauf"), crm.address("technik"), crm.address("buchhaltung")
	crm.contact([sender], links=[("Customer", customer)])
	with dovecot.session(mail_user) as client:
		client.create_folder("Sent")
	raw = a_mail(
		"Anfrage Frästeile",
		sender=sender,
		sender_name="Anna Müller",
		to=f"{mail_user}, {colleague}",
		text="bitte senden Sie uns ein Angebot über 500 Frästeile.\n",
		attachments=[("Zeichnung 4711.pdf", DRAWING), ("Beschädigt.pdf", DAMAGED)],
	)
	dovecot.append(mail_user, with_headers(raw, Cc=f"{accounting}, {sales_user[0]}"))
	account = make_archive_account(mail_user, account_owner=sales_user[0])
	send_through(smtp_sink, account.email_account)
	sync_account(account.name)
	(copy,) = copies_of(account)
	smtp_sink.clear()
	return frappe._dict(
		account=account,
		customer=customer,
		original=copy.communication,
		sender=sender,
		colleague=colleague,
		accounting=accounting,
		mailbox=mail_user,
	)


@pytest.fixture
def german_page(browser, web_server, sales_user):
	page = logged_in_page(browser, web_server, sales_user, locale="de-DE")
	yield page
	page.context.close()


def open_tab_preview(page, web_server: str, customer: str) -> None:
	page.goto(f"{web_server}/app/customer/{quote(customer)}")
	page.locator("button.nav-link[data-fieldname='mail_archive_tab']").click(timeout=60_000)
	page.locator(".mail-archive-row").first.click(timeout=30_000)
	page.locator(".mail-archive-preview .mail-archive-mail").wait_for(timeout=30_000)


def open_composer(page, button: str):
	errors: list[str] = []
	page.on("pageerror", lambda error: errors.append(str(error)))
	page.locator(f".mail-archive-preview {button}").click()
	try:
		page.wait_for_function(
			"""() => document.querySelector('.modal.show') && window.cur_dialog && cur_dialog.display
				&& cur_dialog.fields_dict.content && cur_dialog.get_value('content')""",
			timeout=30_000,
		)
	except Exception as error:  # say why: an error dialog, or a script error
		raise AssertionError([*page.locator(".modal.show").all_inner_texts(), *errors]) from error
	return page.locator(".modal.show .ql-editor").first


def composer_value(page, fieldname: str) -> str:
	return page.evaluate(f"() => cur_dialog.get_value('{fieldname}') || ''")


def addresses(value: str) -> set[str]:
	return {part.strip() for part in value.split(",") if part.strip()}


def no_error_dialog(page) -> None:
	"""Nothing but the composer opened: no "Nicht gestattet", no missing E-Mail-Konto."""
	assert page.locator(".msgprint:visible").count() == 0, page.locator(".msgprint:visible").all_inner_texts()
	assert page.locator(".modal.show").count() == 1


def send(page) -> None:
	page.locator(".modal.show .modal-footer .btn-primary").click()  # "Senden"
	page.wait_for_function("() => !document.querySelector('.modal.show')", timeout=30_000)


def answers_of(original: str) -> list[str]:
	frappe.db.rollback()
	return frappe.get_all(
		"Communication",
		{"reference_doctype": "Communication", "reference_name": original, "sent_or_received": "Sent"},
		pluck="name",
	)


def send_queued(communication: str) -> None:
	"""What the outgoing mail job does: send the queued mail (to the SMTP sink, then the Sent folder)."""
	frappe.db.rollback()
	(queue,) = frappe.get_all("Email Queue", {"communication": communication}, pluck="name")
	frappe.flags.testing_email = True
	try:
		frappe.get_doc("Email Queue", queue).send(force_send=True)
	finally:
		frappe.flags.testing_email = False
	frappe.db.commit()


def test_a_reply_quotes_the_original_goes_out_and_is_archived_and_filed_at_once(
	german_page, web_server, mailbox, smtp_sink, dovecot, sales_user
):
	page = german_page
	open_tab_preview(page, web_server, mailbox.customer)
	editor = open_composer(page, ".mail-archive-reply")
	no_error_dialog(page)
	assert composer_value(page, "subject") == "AW: Anfrage Frästeile"
	assert addresses(composer_value(page, "recipients")) == {mailbox.sender}
	assert composer_value(page, "sender") == mailbox.mailbox
	quoted = editor.inner_text()
	assert f"schrieb Anna Müller <{mailbox.sender}>:" in quoted and quoted.count("Am ") >= 1
	assert "bitte senden Sie uns ein Angebot" in quoted
	page.evaluate("() => cur_dialog.fields_dict.content.quill.insertText(0, 'Gerne, das Angebot folgt.\\n')")
	ARTIFACTS.mkdir(exist_ok=True)
	page.screenshot(path=str(ARTIFACTS / "compose-reply-de.png"))
	send(page)

	# at once in the tab: the answer beside the original, as Sent mail of the mailbox
	page.locator(".mail-archive-count", has_text="2 E-Mails").wait_for(timeout=30_000)
	(reply,) = answers_of(mailbox.original)
	values = frappe.db.get_value(
		"Communication",
		reply,
		["mail_archive_key", "email_account", "in_reply_to", "message_id"],
		as_dict=True,
	)
	assert values.mail_archive_key and values.email_account == mailbox.account.email_account
	assert values.in_reply_to == mailbox.original
	assert ("Customer", mailbox.customer) in filed_at(reply)

	send_queued(reply)
	(mail,) = smtp_sink.received
	assert mail.recipients == [mailbox.sender]
	message = mail.message
	assert message["Subject"] == "AW: Anfrage Frästeile"
	body = message.get_body(("html",)).get_content()
	assert "Gerne, das Angebot folgt." in body and "schrieb Anna Müller" in body
	assert "bitte senden Sie uns ein Angebot" in body
	assert message["In-Reply-To"]  # threaded to the original (as before)

	# the Sent folder has it now (appended); its sync finds the same mail, no second one
	sent = dovecot.messages(mailbox.mailbox, "Sent")
	assert [values.message_id in raw.decode(errors="replace") for raw in sent.values()] == [True]
	sync_account(mailbox.account.name)
	assert frappe.get_all("Communication", {"message_id": values.message_id}, pluck="name") == [reply]
	sent_copies = copies_of(mailbox.account, folder="Sent")
	assert [copy.communication for copy in sent_copies] == [reply]


def test_reply_all_answers_everybody_but_our_own_addresses(
	german_page, web_server, mailbox, smtp_sink, sales_user
):
	page = german_page
	open_tab_preview(page, web_server, mailbox.customer)
	open_composer(page, ".mail-archive-reply-all")
	no_error_dialog(page)
	to, cc = addresses(composer_value(page, "recipients")), addresses(composer_value(page, "cc"))
	assert to == {mailbox.sender, mailbox.colleague}
	assert cc == {mailbox.accounting}
	for own in (mailbox.mailbox, sales_user[0]):
		assert own not in to | cc
	assert composer_value(page, "subject") == "AW: Anfrage Frästeile"
	send(page)
	page.locator(".mail-archive-count", has_text="2 E-Mails").wait_for(timeout=30_000)

	(reply,) = answers_of(mailbox.original)
	send_queued(reply)
	# one SMTP transaction per recipient (stock's queue), all the same mail
	received = {address for mail in smtp_sink.received for address in mail.recipients}
	assert received == {mailbox.sender, mailbox.colleague, mailbox.accounting}
	# (a long Message-ID is folded onto its own line: the header's value starts after the fold)
	assert {mail.message["Message-ID"].strip() for mail in smtp_sink.received} == {
		f"<{frappe.db.get_value('Communication', reply, 'message_id')}>"
	}


def test_forward_says_wg_quotes_the_original_and_takes_its_attachments(
	german_page, web_server, mailbox, smtp_sink
):
	page = german_page
	open_tab_preview(page, web_server, mailbox.customer)
	editor = open_composer(page, ".mail-archive-forward")
	no_error_dialog(page)
	assert composer_value(page, "subject") == "WG: Anfrage Frästeile"
	assert composer_value(page, "recipients") == ""
	forwarded = editor.inner_text()
	assert "Weitergeleitete Nachricht" in forwarded
	assert f"Von: Anna Müller <{mailbox.sender}>" in forwarded
	assert "bitte senden Sie uns ein Angebot" in forwarded
	attachment = page.locator(".modal.show .attach-list input[type=checkbox]")
	assert attachment.count() == 1 and attachment.is_checked()
	assert "Zeichnung 4711.pdf" in page.locator(".modal.show .attach-list").inner_text()
	# what stock's File refuses is said, not silently dropped; the forward goes on without it
	page.locator(".alert", has_text="Nicht angehängt").filter(has_text="Beschädigt.pdf").wait_for(
		timeout=10_000
	)
	page.evaluate("() => cur_dialog.set_value('recipients', 'partner@lieferant.example')")
	page.screenshot(path=str(ARTIFACTS / "compose-forward-de.png"))
	send(page)
	page.locator(".mail-archive-count", has_text="2 E-Mails").wait_for(timeout=30_000)

	(forward,) = answers_of(mailbox.original)
	assert ("Customer", mailbox.customer) in filed_at(forward)
	# the composer attached copies: no File row points into the archive's folder
	for file_url in frappe.get_all("File", {"attached_to_name": forward}, pluck="file_url"):
		assert "mail-archive" not in file_url
	send_queued(forward)
	(mail,) = smtp_sink.received
	assert mail.recipients == ["partner@lieferant.example"]
	message = mail.message
	assert message["Subject"] == "WG: Anfrage Frästeile"
	(part,) = list(message.iter_attachments())
	assert part.get_filename() == "Zeichnung 4711.pdf" and part.get_content() == DRAWING
	# archived with its attachment, as the archive's own file
	assert frappe.get_all("Mail Attachment", {"communication": forward}, pluck="file_name") == [
		"Zeichnung 4711.pdf"
	]


def test_a_hostile_subject_and_sender_name_stay_text_in_the_composer(
	german_page, web_server, dovecot, mail_user, make_archive_account, crm, smtp_sink, sales_user
):
	customer = crm.customer("Feindkunde")
	sender = crm.address("angriff")
	crm.contact([sender], links=[("Customer", customer)])
	dovecot.append(mail_user, a_mail(f"Angebot {HOSTILE}", sender=sender, sender_name=f'"Mallory {HOSTILE}"'))
	account = make_archive_account(mail_user, account_owner=sales_user[0])
	send_through(smtp_sink, account.email_account)
	sync_account(account.name)
	page = german_page
	open_tab_preview(page, web_server, customer)
	for button, prefix in ((".mail-archive-reply", "AW:"), (".mail-archive-forward", "WG:")):
		editor = open_composer(page, button)
		assert composer_value(page, "subject") == f"{prefix} Angebot {HOSTILE}"
		assert HOSTILE in page.locator(".modal.show .modal-title").inner_text()
		assert f"Mallory {HOSTILE}" in editor.inner_text()
		assert page.locator(".modal.show img[onerror], .modal.show img[src='x']").count() == 0
		page.wait_for_timeout(500)
		assert page.evaluate("() => window.__pwned") is None
		page.evaluate("() => cur_dialog.hide()")  # discarded
		page.wait_for_function("() => !document.querySelector('.modal.show')", timeout=30_000)
