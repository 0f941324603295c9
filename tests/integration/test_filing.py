"""Automatic filing of synced mail at Contacts and the documents they link to, with the
blocklist, own/internal guards, confidential accounts, bulk mail and retroactive filing."""

import uuid

import frappe
import pytest

from crm_mail_archive.accounts.syncing import sync_account
from crm_mail_archive.filing import links
from crm_mail_archive.filing.address_index import mail_addresses_in_bulk
from crm_mail_archive.filing.automatic import file_mails
from crm_mail_archive.filing.policy import filing_policy
from tests.support import a_mail, filed_at, jobs_done, only_communication


def test_mail_from_any_address_of_a_contact_is_filed_at_the_contact_and_its_customers(
	dovecot, mail_user, make_archive_account, crm
):
	first, second = crm.customer("Erste GmbH"), crm.customer("Zweite AG")
	secondary = crm.address("privat")
	contact = crm.contact(
		[crm.address("petra"), secondary], links=[("Customer", first), ("Customer", second)]
	)
	frappe.db.commit()
	dovecot.append(mail_user, a_mail("von der Zweitadresse", sender=secondary.upper()))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	communication = only_communication(account)
	assert filed_at(communication) == {("Contact", contact), ("Customer", first), ("Customer", second)}
	sources = set(frappe.get_all("Timeline Link", {"communication": communication}, pluck="source"))
	assert sources == {"Automatic"}
	assert (
		file_mails(mail_addresses_in_bulk([communication]), filing_policy(account)) == 0
	)  # twice adds nothing


def test_sent_mail_is_filed_at_its_recipients_not_at_the_sender(
	dovecot, mail_user, make_archive_account, crm
):
	to, bcc = crm.address("an"), crm.address("blind")
	to_contact, bcc_contact = crm.contact([to]), crm.contact([bcc])
	frappe.db.commit()
	dovecot.create_folder(mail_user, "Sent")
	raw = a_mail("Angebot", sender=mail_user, to=to).replace(b"To: ", f"Bcc: {bcc}\r\nTo: ".encode(), 1)
	dovecot.append(mail_user, raw, folder="Sent")
	account = make_archive_account(mail_user)
	sync_account(account.name)
	assert filed_at(only_communication(account)) == {("Contact", to_contact), ("Contact", bcc_contact)}


@pytest.mark.parametrize("entry", ["address", "domain", "subdomain"])
def test_blocklisted_addresses_and_domains_are_not_filed(
	dovecot, mail_user, make_archive_account, crm, committed_cleanup, entry
):
	sender = crm.address("news", domain="mail.blocked-{tag}.example")
	crm.contact([sender])
	value = {
		"address": sender,
		"domain": sender.split("@")[1],
		"subdomain": sender.split("@")[1].split(".", 1)[1],
	}[entry]
	blocked = frappe.get_doc(
		{
			"doctype": "Archive Blocklist",
			"entry_type": "Address" if entry == "address" else "Domain",
			"value": value,
		}
	).insert(ignore_permissions=True)
	committed_cleanup("Archive Blocklist", blocked.name)
	frappe.db.commit()
	dovecot.append(mail_user, a_mail("Newsletter", sender=sender))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	assert filed_at(only_communication(account)) == set()


def test_blocklist_refuses_duplicates_and_bad_values(committed_cleanup):
	entry = frappe.get_doc(
		{"doctype": "Archive Blocklist", "entry_type": "Domain", "value": " @Beispiel.DE "}
	).insert(ignore_permissions=True)
	assert entry.value == "beispiel.de"
	with pytest.raises(frappe.DuplicateEntryError):
		frappe.get_doc(
			{"doctype": "Archive Blocklist", "entry_type": "Domain", "value": "beispiel.de"}
		).insert()
	with pytest.raises(frappe.ValidationError):
		frappe.get_doc(
			{"doctype": "Archive Blocklist", "entry_type": "Address", "value": "kein adresse"}
		).insert()


def test_own_and_internal_addresses_never_file(dovecot, mail_user, make_archive_account, crm):
	crm.contact([mail_user])  # even a Contact with the account's own address
	colleague = crm.address("kollege", domain="intern-{tag}.example")
	crm.contact([colleague])
	frappe.db.set_single_value("Mail Archive Settings", "internal_domains", colleague.split("@")[1])
	frappe.db.commit()
	try:
		dovecot.append(mail_user, a_mail("intern", sender=colleague, to=mail_user))
		account = make_archive_account(mail_user)
		sync_account(account.name)
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "internal_domains", "")
		frappe.db.commit()
	assert filed_at(only_communication(account)) == set()


def test_a_confidential_account_files_nothing(dovecot, mail_user, make_archive_account, crm):
	sender = crm.address("vertraulich")
	crm.contact([sender])
	frappe.db.commit()
	dovecot.append(mail_user, a_mail("geheim", sender=sender))
	account = make_archive_account(mail_user, confidential=1)
	sync_account(account.name)
	assert filed_at(only_communication(account)) == set()


@pytest.mark.parametrize("rule,filed", [("Existing Contacts Only", True), ("Never File", False)])
def test_bulk_mail_follows_the_bulk_rule_and_creates_nothing(
	dovecot, mail_user, make_archive_account, crm, rule, filed
):
	sender, unknown = crm.address("newsletter"), crm.address("unbekannt")
	contact = crm.contact([sender])
	frappe.db.set_single_value("Mail Archive Settings", "bulk_mail_rule", rule)
	frappe.db.commit()
	contacts_before = frappe.db.count("Contact")
	try:
		raw = a_mail("Angebote", sender=sender, to=unknown).replace(
			b"Subject:", b"Precedence: bulk\r\nSubject:", 1
		)
		dovecot.append(mail_user, raw)
		account = make_archive_account(mail_user)
		sync_account(account.name)
	finally:
		frappe.db.set_single_value("Mail Archive Settings", "bulk_mail_rule", "Existing Contacts Only")
		frappe.db.commit()
	assert filed_at(only_communication(account)) == ({("Contact", contact)} if filed else set())
	assert frappe.db.count("Contact") == contacts_before


def test_past_mail_is_filed_when_a_contact_appears_and_when_it_gains_a_customer(
	dovecot, mail_user, make_archive_account, crm
):
	sender = crm.address("spaeter")
	dovecot.append(mail_user, a_mail("vor dem Kontakt", sender=sender))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	communication = only_communication(account)
	assert filed_at(communication) == set()

	contact = crm.contact([sender])
	assert jobs_done(lambda: filed_at(communication) == {("Contact", contact)})  # in the background
	assert frappe.db.get_value("Timeline Link", {"communication": communication}, "source") == "Retroactive"

	customer = crm.customer("Neukunde")
	doc = frappe.get_doc("Contact", contact)
	doc.append("links", {"link_doctype": "Customer", "link_name": customer})
	doc.save(ignore_permissions=True)
	assert jobs_done(lambda: filed_at(communication) == {("Contact", contact), ("Customer", customer)})


def test_past_mail_is_filed_at_a_new_lead(dovecot, mail_user, make_archive_account, crm):
	sender = crm.address("interessent")
	dovecot.append(mail_user, a_mail("Anfrage", sender=sender))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	lead = crm.lead(sender)
	frappe.db.commit()
	(lead_contact,) = crm.contacts_of("Lead", lead)
	communication = only_communication(account)
	assert jobs_done(lambda: filed_at(communication) == {("Lead", lead), ("Contact", lead_contact)})


def test_a_later_blocklist_entry_unfiles_automatic_links_only_and_removing_it_refiles(
	dovecot, mail_user, make_archive_account, crm, committed_cleanup
):
	sender = crm.address("spaeter-gesperrt")
	contact = crm.contact([sender])
	other = crm.customer("Manuell")
	frappe.db.commit()
	dovecot.append(mail_user, a_mail("erst erlaubt", sender=sender))
	account = make_archive_account(mail_user)
	sync_account(account.name)
	communication = only_communication(account)
	links.link(communication, "Customer", other, "Manual", user="Administrator")
	frappe.db.commit()
	assert filed_at(communication) == {("Contact", contact), ("Customer", other)}

	entry = frappe.get_doc(
		{"doctype": "Archive Blocklist", "entry_type": "Domain", "value": sender.split("@")[1]}
	).insert(ignore_permissions=True)
	committed_cleanup("Archive Blocklist", entry.name)
	# the manual filing stays
	assert jobs_done(lambda: filed_at(communication) == {("Customer", other)}), filed_at(communication)

	frappe.delete_doc("Archive Blocklist", entry.name, ignore_permissions=True)
	assert jobs_done(lambda: filed_at(communication) == {("Contact", contact), ("Customer", other)})

	links.unlink(communication, "Customer", other)
	links.unlink(communication, "Contact", contact)
	assert filed_at(communication) == set()
	assert frappe.db.get_value("Communication", communication, "mail_archive_filing") == "Unfiled"


def test_a_unicode_domain_in_the_header_files_at_the_contacts_ascii_address(
	dovecot, mail_user, make_archive_account, crm
):
	# Frappe stores only ASCII (IDNA) domains; mail clients may send the Unicode form (SMTPUTF8)
	tag = uuid.uuid4().hex[:6]
	unicode_domain = f"bäckerei-{tag}.example"
	contact = crm.contact([f"joerg@{unicode_domain.encode('idna').decode()}"])
	frappe.db.commit()
	raw = (
		f"From: Joerg <JOERG@{unicode_domain}>\r\nTo: {mail_user}\r\nSubject: IDN\r\n"
		f"Message-ID: <idn-{tag}@example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n"
	).encode()
	dovecot.append(mail_user, raw)
	account = make_archive_account(mail_user)
	sync_account(account.name)
	assert filed_at(only_communication(account)) == {("Contact", contact)}
