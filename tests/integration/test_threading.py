"""Reply threading: a reply goes where the mail it answers went, through In-Reply-To or
References, and mail sent from the desk carries the headers that bring the answer back."""

import email
from email.utils import make_msgid

import frappe
import pytest
from frappe.core.doctype.communication.email import make

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from tests.support import a_mail, communication_with, filed_at, message_id_of, with_headers


def reply_sources(communication: str) -> dict[tuple[str, str], str]:
	return {
		(row.link_doctype, row.link_name): row.source
		for row in frappe.get_all(
			"Timeline Link", {"communication": communication}, ["link_doctype", "link_name", "source"]
		)
	}


@pytest.fixture
def filed_original(dovecot, mail_user, make_archive_account, crm):
	"""A mail from an unknown sender, filed by hand at a customer."""
	customer = crm.customer("Threadkunde")
	original = a_mail("Anfrage Gehäuse", sender=crm.address("neu"))
	dovecot.append(mail_user, original)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	communication = communication_with(message_id_of(original))
	links.link(communication, "Customer", customer, "Manual")
	frappe.db.commit()
	return account, customer, communication, message_id_of(original)


@pytest.mark.parametrize("header", ["In_Reply_To", "References"])
def test_a_reply_is_filed_where_the_original_was(dovecot, mail_user, filed_original, header):
	account, customer, original, original_id = filed_original
	reply = with_headers(
		a_mail("AW: Anfrage Gehäuse", sender="jemand@anderswo.example"), **{header: f"<{original_id}>"}
	)
	dovecot.append(mail_user, reply)
	sync_account(account.name)
	communication = communication_with(message_id_of(reply))
	assert reply_sources(communication) == {("Customer", customer): "Reply"}
	assert filed_at(communication) == {("Customer", customer)}
	assert frappe.db.get_value("Communication", communication, "in_reply_to") == original


def test_references_are_searched_newest_first_and_unknown_ids_are_skipped(dovecot, mail_user, filed_original):
	account, customer, _original, original_id = filed_original
	references = f"<{original_id}> <unbekannt-1@nirgends.example> <unbekannt-2@nirgends.example>"
	reply = with_headers(a_mail("AW: AW: Anfrage", sender="x@anderswo.example"), References=references)
	dovecot.append(mail_user, reply)
	sync_account(account.name)
	assert reply_sources(communication_with(message_id_of(reply))) == {("Customer", customer): "Reply"}


def test_garbled_and_self_referencing_headers_thread_nowhere_and_store_fine(
	dovecot, mail_user, make_archive_account
):
	own_id = make_msgid(domain="schleife.example")
	raw = with_headers(
		a_mail("Schleife", sender="x@schleife.example"),
		In_Reply_To="kein <<< message id",
		References=f"{own_id} <{own_id}> <>",
	)
	raw = raw.replace(email.message_from_bytes(raw)["Message-ID"].encode(), own_id.encode())
	dovecot.append(mail_user, raw)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	communication = communication_with(own_id.strip("<>"))
	assert communication
	assert reply_sources(communication) == {}
	assert not frappe.db.get_value("Communication", communication, "in_reply_to")


def test_a_conversation_arriving_in_one_batch_threads_whole_whatever_the_order(
	dovecot, mail_user, filed_original
):
	"""Answer and answer-to-the-answer in one batch, the later one first: both go where the
	original went; two mails of a batch answering each other (a forged loop) thread nowhere."""
	account, customer, _original, original_id = filed_original
	answer_id, second_id = make_msgid(domain="kette.example"), make_msgid(domain="kette.example")
	answer = with_headers(
		a_mail("AW: Anfrage", sender="a@kette.example", message_id=answer_id), In_Reply_To=f"<{original_id}>"
	)
	second = with_headers(
		a_mail("AW: AW: Anfrage", sender="b@kette.example", message_id=second_id), In_Reply_To=answer_id
	)
	loop_a, loop_b = make_msgid(domain="schleife.example"), make_msgid(domain="schleife.example")
	first_of_loop = with_headers(
		a_mail("Schleife A", sender="c@schleife.example", message_id=loop_a), In_Reply_To=loop_b
	)
	second_of_loop = with_headers(
		a_mail("Schleife B", sender="d@schleife.example", message_id=loop_b), In_Reply_To=loop_a
	)
	dovecot.append_many(mail_user, [second, answer, first_of_loop, second_of_loop])

	sync_account(account.name)

	for message_id in (answer_id, second_id):
		assert reply_sources(communication_with(message_id.strip("<>"))) == {("Customer", customer): "Reply"}
	second_communication = communication_with(second_id.strip("<>"))
	assert frappe.db.get_value("Communication", second_communication, "in_reply_to") == communication_with(
		answer_id.strip("<>")
	)
	for message_id in (loop_a, loop_b):
		assert reply_sources(communication_with(message_id.strip("<>"))) == {}


def test_the_answer_to_a_mail_sent_from_the_desk_threads_back_to_its_document(
	dovecot,
	mail_user,
	make_archive_account,
	crm,
):
	customer = crm.customer("Desk-Kunde")
	sent = make(
		doctype="Customer",
		name=customer,
		subject="Ihr Angebot",
		content="Anbei unser Angebot.",
		recipients="einkauf@desk-kunde.example",
		send_email=False,
	)
	frappe.db.commit()
	sent_id = frappe.db.get_value("Communication", sent["name"], "message_id")
	answer = with_headers(
		a_mail("AW: Ihr Angebot", sender="einkauf@desk-kunde.example"), In_Reply_To=f"<{sent_id}>"
	)
	dovecot.append(mail_user, answer)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	communication = communication_with(message_id_of(answer))
	assert reply_sources(communication) == {("Customer", customer): "Reply"}
	assert frappe.db.get_value("Communication", communication, ["reference_doctype", "reference_name"]) == (
		"Customer",
		customer,
	)


def test_a_desk_reply_carries_in_reply_to_and_references(filed_original):
	account, _customer, original, original_id = filed_original
	frappe.db.set_value(
		"Email Account",
		account.email_account,
		{"enable_outgoing": 1, "smtp_server": "127.0.0.1", "smtp_port": 2525, "default_outgoing": 1},
	)
	reply = make(
		doctype="Communication",
		name=original,
		subject="AW: Anfrage Gehäuse",
		content="Danke für Ihre Anfrage.",
		recipients="neu@threadkunde.example",
		send_email=True,
	)
	assert frappe.db.get_value("Communication", reply["name"], "in_reply_to") == original
	message = frappe.db.get_value("Email Queue", {"communication": reply["name"]}, "message")
	headers = email.message_from_string(message)
	assert headers["In-Reply-To"] == f"<{original_id}>"
	assert headers["References"].split() == [f"<{original_id}>"]
	# and the original is marked answered, on its way to the server
	assert frappe.db.exists(
		"Mail Server Action", {"communication": original, "action": "Answered", "status": "Pending"}
	)
