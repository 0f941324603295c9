"""Answering from the desk, below the browser: the holder of a mailbox may send from it (and only
while they hold it), and the draft of an answer says what the composer starts from."""

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.api.compose import prepare_answer
from crm_mail_archive.compose.drafts import subject_for
from tests.support import a_mail, copies_of, make_user, with_headers


def user_email(user: str, email_account: str):
	return frappe.db.get_value(
		"User Email",
		{"parent": user, "email_account": email_account},
		["awaiting_password", "enable_outgoing"],
		as_dict=True,
	)


def test_the_owner_of_a_mail_archive_account_sends_from_its_email_account(
	mail_user, make_archive_account, committed_cleanup
):
	owner, successor = make_user("Sales User"), make_user("Sales User")
	frappe.db.commit()
	committed_cleanup("User", owner)
	committed_cleanup("User", successor)
	account = make_archive_account(mail_user, account_owner=owner)
	assert user_email(owner, account.email_account) == {"awaiting_password": 0, "enable_outgoing": 0}

	email_account = frappe.get_doc("Email Account", account.email_account)
	email_account.update({"enable_outgoing": 1, "smtp_server": "127.0.0.1", "no_smtp_authentication": 1})
	email_account.save(ignore_permissions=True)
	assert user_email(owner, account.email_account).enable_outgoing == 1

	# a new owner holds it; the previous one no longer does (nor reads its mail by holding it)
	account.reload()
	account.account_owner = successor
	account.save(ignore_permissions=True)
	assert user_email(owner, account.email_account) is None
	assert user_email(successor, account.email_account).enable_outgoing == 1

	frappe.delete_doc("Mail Archive Account", account.name, ignore_permissions=True)
	assert user_email(successor, account.email_account) is None


@pytest.mark.parametrize(
	("mode", "subject", "expected"),
	[
		("reply", "Angebot", "Re: Angebot"),
		("reply", "AW: Angebot", "AW: Angebot"),  # not "Re: AW: …"
		("reply_all", "RE: Angebot", "RE: Angebot"),
		("forward", "AW: Angebot", "Fwd: AW: Angebot"),
	],
)
def test_the_subject_of_an_answer(mode, subject, expected):
	assert subject_for(mode, subject) == expected


def test_a_draft_quotes_escaped_and_answers_everybody_but_ourselves(
	dovecot, mail_user, make_archive_account, committed_cleanup
):
	holder = make_user("Sales User")
	frappe.db.commit()
	committed_cleanup("User", holder)
	raw = a_mail(
		"Angebot <b>fett</b>",
		sender="kunde@beispiel.de",
		sender_name='"Kunde <script>x</script>"',
		to=f"{mail_user}, kollege@beispiel.de",
		text="Zeile 1 <i>kursiv</i>\nZeile 2\n",
	)
	dovecot.append(mail_user, with_headers(raw, Cc=f"{holder}, buchhaltung@beispiel.de"))
	account = make_archive_account(mail_user, account_owner=holder)
	sync_account(account.name)
	(copy,) = copies_of(account)
	frappe.set_user(holder)

	draft = prepare_answer(copy.communication, "reply_all")
	assert draft["recipients"] == ["kunde@beispiel.de", "kollege@beispiel.de"]
	assert draft["cc"] == ["buchhaltung@beispiel.de"]
	assert draft["sender"] == mail_user
	assert draft["subject"] == "Re: Angebot <b>fett</b>"  # text: the desk escapes it
	message = draft["message"]
	assert "<script>" not in message and "<i>" not in message
	assert "Kunde &lt;script&gt;x&lt;/script&gt; &lt;kunde@beispiel.de&gt;" in message
	assert "Zeile 1 &lt;i&gt;kursiv&lt;/i&gt;<br>Zeile 2" in message
	# reading the mail to answer it is audited as opening it
	assert frappe.db.exists(
		"Mail Archive Audit Event", {"communication": copy.communication, "action": "Opened", "user": holder}
	)

	with pytest.raises(frappe.ValidationError, match="Unknown way to answer a mail"):
		prepare_answer(copy.communication, "redirect")


def test_a_mail_one_may_not_read_has_no_draft(dovecot, mail_user, make_archive_account, committed_cleanup):
	stranger = make_user("Sales User")
	frappe.db.commit()
	committed_cleanup("User", stranger)
	dovecot.append(mail_user, a_mail("Vertraulich", sender="fremd@unbekannt.example"))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)
	frappe.set_user(stranger)
	with pytest.raises(frappe.PermissionError):
		prepare_answer(copy.communication, "forward")
	assert not frappe.get_all("File", {"owner": stranger})
