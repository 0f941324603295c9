"""A journal mailbox and an archive address against Dovecot: journal reports unwrapped to their
original, filed by the envelope's recipients (a Bcc, a member of an expanded list) and one mail with
the personal mailbox's copy of it; an archive address that archives a BCC'd mail as itself, the
original of a forward as attachment (held by the forwarding user), an inline forward as it is with
a note, and refuses an external dropper; a journal report that cannot be read is quarantined with
its reason."""

from __future__ import annotations

import uuid

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing.policy import internal_domains
from crm_mail_archive.permissions import can_read_archived_mail
from crm_mail_archive.storage.wrapped import is_internal
from tests.data.wrapped_mail import (
	a_forward_as_attachment,
	a_journal_report,
	an_inline_forward,
	an_original,
	with_received,
)
from tests.support import communication_with, copies_of, filed_at, make_user, original_of


@pytest.fixture(autouse=True)
def company_domain():
	"""The company's mail is at mail.test (the Dovecot users'), beside the site's own domains."""
	before = frappe.db.get_single_value("Mail Archive Settings", "internal_domains") or ""
	frappe.db.set_single_value("Mail Archive Settings", "internal_domains", f"{before}\nmail.test".strip())
	frappe.db.commit()
	yield
	frappe.db.rollback()
	frappe.db.set_single_value("Mail Archive Settings", "internal_domains", before)
	frappe.db.commit()


@pytest.fixture
def second_mailbox(dovecot):
	"""Another mailbox user on the private Dovecot (the journal, a colleague, the archive address)."""
	made = []

	def make(local: str) -> str:
		made.append(dovecot.add_user(f"{local}-{uuid.uuid4().hex[:10]}@mail.test", "s3cret"))
		return made[-1]

	yield make
	for username in made:
		dovecot.remove_user_mail(username)


@pytest.fixture
def customers(crm):
	"""Two customers, each with a contact, and a contact behind a customer's distribution list."""
	first, second = crm.customer("Ostsee Reederei"), crm.customer("Partner AG")
	buyer, boss, member = (
		crm.address("einkauf"),
		crm.address("chef", "partner-{tag}.example"),
		crm.address("mitglied"),
	)
	world = {
		"buyer": buyer,
		"boss": boss,
		"member": member,
		"buyer_contact": crm.contact([buyer], links=[("Customer", first)]),
		"boss_contact": crm.contact([boss], links=[("Customer", second)]),
		"member_contact": crm.contact([member], links=[("Customer", first)]),
		"first": first,
		"second": second,
	}
	frappe.db.commit()
	return world


def index_of(communication: str) -> set[tuple[str, str]]:
	return {
		(row.address, row.role)
		for row in frappe.get_all("Mail Address Index", {"communication": communication}, ["address", "role"])
	}


def the_offer(customers, colleague: str, tag: str) -> bytes:
	"""Vera (internal, no archived mailbox) writes to the buyer and the team list; the boss of the
	partner gets it in Bcc, which no recipient's copy shows."""
	return an_original(
		"Angebot Ostsee",
		sender=f"Vera Vertrieb <vera-{tag}@mail.test>",
		to=customers["buyer"],
		cc=f"team-{tag}@mail.test",
		message_id=f"<angebot-{tag}@mail.test>",
	)


def its_journal_report(original: bytes, customers, colleague: str, tag: str) -> bytes:
	return a_journal_report(
		original,
		[
			f"To: {customers['buyer']}",
			f"Cc: {colleague}, Expanded: team-{tag}@mail.test",
			f"Cc: {customers['member']}, Expanded: team-{tag}@mail.test",
			f"Bcc: {customers['boss']}",
		],
	)


@pytest.mark.parametrize("journal_first", [False, True], ids=["personal-first", "journal-first"])
def test_journal_reports_are_filed_by_their_envelope_and_are_one_mail_with_the_personal_copy(
	dovecot, mail_user, second_mailbox, make_archive_account, customers, journal_first
):
	tag = uuid.uuid4().hex[:8]
	colleague = mail_user  # a member of the team list: the mail is in her inbox
	assert is_internal(colleague, internal_domains()) and not is_internal(
		customers["boss"], internal_domains()
	)
	original = the_offer(customers, colleague, tag)
	journal_mailbox = second_mailbox("journal")
	dovecot.append(journal_mailbox, its_journal_report(original, customers, colleague, tag))
	# her copy passed her server: it differs from the journal's in its Received lines
	dovecot.append(colleague, with_received(original, f"from mx.mail.test by imap.mail.test id {tag}"))
	personal = make_archive_account(colleague)
	journal = make_archive_account(journal_mailbox, account_kind="Journal Mailbox")
	for account in (journal, personal) if journal_first else (personal, journal):
		sync_account(account.name)

	communication = communication_with(f"angebot-{tag}@mail.test")
	assert [copy.communication for copy in copies_of(personal)] == [communication]
	assert [(copy.communication, copy.status) for copy in copies_of(journal)] == [(communication, "Stored")]
	# the Bcc and the list's member, known from the envelope only, are filed like its addresses
	assert filed_at(communication) == {
		("Contact", customers["buyer_contact"]),
		("Contact", customers["boss_contact"]),
		("Contact", customers["member_contact"]),
		("Customer", customers["first"]),
		("Customer", customers["second"]),
	}
	assert {(customers["boss"], "Bcc"), (customers["member"], "Cc"), (customers["buyer"], "To")} <= index_of(
		communication
	)
	stored = frappe.db.get_value("Communication", communication, ["bcc", "subject"], as_dict=True)
	assert stored == {"bcc": "", "subject": "Angebot Ostsee"}  # the mail's own text, not the envelope's
	if journal_first:  # the archive keeps the original, not the report around it
		assert original_of(communication) == original
		assert frappe.db.get_value("Communication", communication, "sent_or_received") == "Sent"


def test_a_mail_journaled_twice_is_one_mail_and_its_index_holds_each_address_once(
	dovecot, second_mailbox, make_archive_account, customers
):
	tag = uuid.uuid4().hex[:8]
	journal_mailbox = second_mailbox("journal")
	original = the_offer(customers, "kollegin@mail.test", tag)
	report = its_journal_report(original, customers, "kollegin@mail.test", tag)
	dovecot.append_many(journal_mailbox, [report, report])  # Exchange may journal a mail more than once
	journal = make_archive_account(journal_mailbox, account_kind="Journal Mailbox")
	sync_account(journal.name)
	(communication,) = {copy.communication for copy in copies_of(journal)}
	assert len(copies_of(journal)) == 2
	rows = frappe.get_all("Mail Address Index", {"communication": communication}, ["address", "role"])
	assert len(rows) == len({(row.address, row.role) for row in rows})


def test_a_journal_report_that_cannot_be_read_is_quarantined_with_the_reason(
	dovecot, second_mailbox, make_archive_account, customers
):
	tag = uuid.uuid4().hex[:8]
	journal_mailbox = second_mailbox("journal")
	good = the_offer(customers, "kollegin@mail.test", tag)
	dovecot.append_many(
		journal_mailbox,
		[
			a_journal_report(
				an_original("Ohne Original", "vera@mail.test", customers["buyer"]),
				[f"To: {customers['buyer']}"],
				attach_original=False,
			),
			an_original("Kein Bericht", customers["buyer"], journal_mailbox),
			its_journal_report(good, customers, "kollegin@mail.test", tag),
		],
	)
	journal = make_archive_account(journal_mailbox, account_kind="Journal Mailbox")
	sync_account(journal.name)
	copies = sorted(copies_of(journal), key=lambda copy: copy.uid)
	assert [copy.status for copy in copies] == ["Quarantined", "Quarantined", "Stored"]
	assert copies[0].quarantine_reason == (
		"JournalReportError: the journal report has no original message (message/rfc822) attached"
	)
	assert copies[1].quarantine_reason.startswith("JournalReportError: not a journal report")
	assert copies[2].communication == communication_with(f"angebot-{tag}@mail.test")  # the others go on


# --- the archive address ----------------------------------------------------------------------


@pytest.fixture
def vera(second_mailbox, make_archive_account, committed_cleanup):
	"""A salesperson with her own archived mailbox, who drops mail at the archive address."""
	address = second_mailbox("vera")
	user = make_user("Sales User", email=address, first_name="Vera")
	committed_cleanup("User", user)
	frappe.db.commit()
	return user, make_archive_account(address, account_owner=user)


def test_the_archive_address_archives_bcc_attached_and_inline_drops_and_refuses_outsiders(
	dovecot, mail_user, make_archive_account, customers, vera
):
	tag = uuid.uuid4().hex[:8]
	archive = mail_user
	user, her_account = vera
	bccd = an_original(
		"Angebot per Bcc", user, customers["buyer"], bcc=archive, message_id=f"<bcc-{tag}@mail.test>"
	)
	received = an_original(
		"Reklamation",
		f"Einkauf <{customers['buyer']}>",
		user,
		message_id=f"<reklamation-{tag}@kunde.example>",
	)
	inline = an_inline_forward(
		an_original("Rückruf", customers["boss"], user, message_id=f"<rueckruf-{tag}@partner.example>"),
		user,
		archive,
	)
	refused = an_original(
		"Bitte archivieren", customers["buyer"], archive, message_id=f"<fremd-{tag}@kunde.example>"
	)
	dovecot.append_many(archive, [bccd, a_forward_as_attachment(received, user, archive), inline, refused])
	drop = make_archive_account(archive, account_kind="Archive Drop")
	assert drop.drop_senders == "Internal Senders"  # the default
	sync_account(drop.name)
	copies = sorted(copies_of(drop), key=lambda copy: copy.uid)
	assert [copy.status for copy in copies] == ["Stored", "Stored", "Stored", "Quarantined"]

	# BCC'd: the mail itself, filed by its own headers
	sent = communication_with(f"bcc-{tag}@mail.test")
	assert copies[0].communication == sent
	assert original_of(sent) == bccd
	assert filed_at(sent) == {("Contact", customers["buyer_contact"]), ("Customer", customers["first"])}

	# forwarded as attachment: the original, held by the forwarding user
	complaint = communication_with(f"reklamation-{tag}@kunde.example")
	assert copies[1].communication == complaint
	assert original_of(complaint) == received
	held = frappe.db.get_value(
		"Communication", complaint, ["owner", "email_account", "content"], as_dict=True
	)
	assert (held.owner, held.email_account) == (user, her_account.email_account)
	assert "als Anhang" in held.content or "as an attachment" in held.content
	assert can_read_archived_mail(complaint, held.email_account, user)
	assert filed_at(complaint) == {("Contact", customers["buyer_contact"]), ("Customer", customers["first"])}

	# forwarded inline: the forward as it is, with a note saying what it is
	forward = frappe.get_all("Communication", {"name": copies[2].communication}, ["subject", "content"])[0]
	assert forward.subject.startswith("Fwd: Rückruf")
	assert "inline" in forward.content or "im Text" in forward.content
	assert not communication_with(f"rueckruf-{tag}@partner.example")  # its headers are only quoted

	# an external dropper: not archived, kept with the reason
	assert copies[3].communication is None
	assert copies[3].quarantine_reason == (
		f"DropRefused: {customers['buyer']} may not drop mail at this archive address (only internal senders may)"
	)
	assert not communication_with(f"fremd-{tag}@kunde.example")


def test_an_archive_address_open_to_anyone_archives_an_external_drop(
	dovecot, mail_user, make_archive_account, customers
):
	tag = uuid.uuid4().hex[:8]
	dovecot.append(
		mail_user,
		an_original("Von außen", customers["buyer"], mail_user, message_id=f"<aussen-{tag}@kunde.example>"),
	)
	drop = make_archive_account(mail_user, account_kind="Archive Drop", drop_senders="Anyone")
	sync_account(drop.name)
	(copy,) = copies_of(drop)
	assert (copy.status, copy.communication) == ("Stored", communication_with(f"aussen-{tag}@kunde.example"))
	assert filed_at(copy.communication) == {
		("Contact", customers["buyer_contact"]),
		("Customer", customers["first"]),
	}


def test_a_mailbox_is_not_unwrapped(dovecot, mail_user, make_archive_account, customers):
	"""A journal report that reaches a normal mailbox is a mail like any other."""
	tag = uuid.uuid4().hex[:8]
	report = its_journal_report(
		the_offer(customers, "kollegin@mail.test", tag), customers, "k@mail.test", tag
	)
	dovecot.append(mail_user, report)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	(copy,) = copies_of(account)
	assert original_of(copy.communication) == report
	assert not communication_with(f"angebot-{tag}@mail.test")


def test_a_refused_drop_is_archived_by_a_retry_once_anyone_may_drop(
	dovecot, mail_user, make_archive_account, customers
):
	from crm_mail_archive.ingest import retry_quarantined

	tag = uuid.uuid4().hex[:8]
	raw = an_original(
		"Nachgereicht", customers["buyer"], mail_user, message_id=f"<spaeter-{tag}@kunde.example>"
	)
	dovecot.append(mail_user, raw)
	drop = make_archive_account(mail_user, account_kind="Archive Drop")
	sync_account(drop.name)
	(copy,) = copies_of(drop)
	assert copy.status == "Quarantined" and copy.quarantine_reason.startswith("DropRefused: ")
	frappe.db.set_value("Mail Archive Account", drop.name, "drop_senders", "Anyone")
	frappe.db.commit()
	communication = retry_quarantined(copy.name)
	assert communication == communication_with(f"spaeter-{tag}@kunde.example")
	assert original_of(communication) == raw
	assert [(c.status, c.communication) for c in copies_of(drop)] == [("Stored", communication)]
