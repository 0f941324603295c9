"""Demo data for the development site: a Dovecot mailbox with realistic mail and matching CRM
records. Called by scripts/demo.sh and scripts/services.sh through devtools.run."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import frappe

from devtools.dovecot import DovecotServer

DEMO_MAILBOX = "vertrieb@muster-handels.example"
DEMO_PASSWORD = "demo"
DEMO_NAME = "Vertrieb Muster Handels"

CUSTOMERS = [
	{
		"customer": "Bäckerei Schmidt GmbH",
		"contacts": [("Hans", "Schmidt", ["hans.schmidt@baeckerei-schmidt.example"])],
	},
	{
		"customer": "Müller Maschinenbau AG",
		"contacts": [
			("Petra", "Müller", ["p.mueller@mueller-maschinenbau.example", "petra@mueller-privat.example"]),
			("Jörg", "Köhler", ["einkauf@mueller-maschinenbau.example"]),
		],
	},
]
SUPPLIERS = [
	{
		"supplier": "Papierwerk Nord GmbH",
		"contacts": [("Lars", "Jensen", ["lars.jensen@papierwerk-nord.example"])],
	}
]
LEADS = [
	{
		"lead_name": "Eva Weber",
		"company_name": "Weber Consulting",
		"email_id": "eva.weber@weber-consulting.example",
	}
]
BLOCKED_DOMAIN = "newsletter-versand.example"


def demo_dovecot_root() -> Path:
	# not under the bench: Dovecot's unprivileged processes cannot enter a home directory of mode 0700
	return Path(os.environ.get("DEMO_DOVECOT_DIR", "/var/lib/crm_mail_archive/demo-dovecot"))


def start_demo_dovecot() -> DovecotServer:
	"""Start (or find running) the demo Dovecot on the ports from the environment."""
	server = DovecotServer.start(
		root=demo_dovecot_root(),
		imap_port=int(os.environ.get("DEMO_IMAP_PORT", 14143)),
		imaps_port=int(os.environ.get("DEMO_IMAPS_PORT", 14993)),
	)
	if DEMO_MAILBOX not in server._users:
		server.add_user(DEMO_MAILBOX, DEMO_PASSWORD)
	return server


def ensure_demo_dovecot() -> None:
	"""Entry point of scripts/services.sh (through devtools.run)."""
	server = start_demo_dovecot()
	print(f"demo Dovecot on 127.0.0.1:{server.imap_port} (IMAPS {server.imaps_port})")


def setup_demo() -> None:
	server = start_demo_dovecot()
	fill_demo_mailbox(server)
	create_demo_records()
	account = create_demo_account(server)
	frappe.db.commit()
	print(f"demo mailbox {DEMO_MAILBOX} on 127.0.0.1:{server.imap_port} (IMAPS {server.imaps_port})")

	from crm_mail_archive.accounts.syncing import sync_account

	result = sync_account(account)
	for folder in result.folders:
		print(f"first sync of {account} / {folder.folder}: {folder.new_communications} mails imported")


def create_demo_account(server: DovecotServer) -> str:
	"""The demo mailbox as an Email Account (IMAPS, the demo certificate trusted) and its archive."""
	frappe.local.conf["mail_archive_ca_file"] = str(server.cert_file)
	from frappe.installer import update_site_config

	update_site_config("mail_archive_ca_file", str(server.cert_file))
	if not frappe.db.exists("Email Account", DEMO_NAME):
		frappe.flags.in_test = True  # Email Account.validate would try SMTP, which the demo has not
		try:
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": DEMO_NAME,
					"email_id": DEMO_MAILBOX,
					"password": DEMO_PASSWORD,
					"email_server": "127.0.0.1",
					"use_imap": 1,
					"use_ssl": 1,
					"incoming_port": server.imaps_port,
					"enable_incoming": 0,
					"enable_outgoing": 0,
				}
			).insert(ignore_permissions=True)
		finally:
			frappe.flags.in_test = False
	if not frappe.db.exists("Mail Archive Account", DEMO_NAME):
		frappe.get_doc(
			{
				"doctype": "Mail Archive Account",
				"email_account": DEMO_NAME,
				"account_owner": "Administrator",
				"automatic_filing": 1,
			}
		).insert(ignore_permissions=True)
	return DEMO_NAME


# --- the mailbox -------------------------------------------------------------------------------


def fill_demo_mailbox(server: DovecotServer) -> None:
	"""Append the demo mails once (an existing INBOX with mail is left as it is)."""
	for folder in ("Sent", "Junk", "Trash", "Archive"):
		server.create_folder(DEMO_MAILBOX, folder)
	if server.messages(DEMO_MAILBOX, "INBOX"):
		return
	for folder, raw, flags, date in demo_mails():
		server.append(DEMO_MAILBOX, raw, folder=folder, flags=flags, date=date)


def _mail(
	sender: str,
	to: str,
	subject: str,
	body: str,
	when: datetime,
	cc: str | None = None,
	in_reply_to: str | None = None,
	attachment: tuple[str, bytes, str] | None = None,
	extra_headers: dict[str, str] | None = None,
) -> tuple[bytes, str]:
	message = EmailMessage()
	message["From"] = sender
	message["To"] = to
	if cc:
		message["Cc"] = cc
	message["Subject"] = subject
	message["Date"] = format_datetime(when)
	message_id = make_msgid(domain=sender.rsplit("@", 1)[1].rstrip(">"))
	message["Message-ID"] = message_id
	if in_reply_to:
		message["In-Reply-To"] = in_reply_to
		message["References"] = in_reply_to
	for key, value in (extra_headers or {}).items():
		message[key] = value
	message.set_content(body)
	message.add_alternative(
		"<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n\n")) + "</body></html>",
		subtype="html",
	)
	if attachment:
		filename, content, mimetype = attachment
		maintype, subtype = mimetype.split("/")
		message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
	return bytes(message), message_id


def demo_mails() -> list[tuple[str, bytes, tuple, datetime]]:
	now = datetime.now(timezone.utc).replace(microsecond=0)
	me = f"{DEMO_NAME} <{DEMO_MAILBOX}>"
	seen = ("\\Seen",)
	mails = []

	inquiry, inquiry_id = _mail(
		"Hans Schmidt <hans.schmidt@baeckerei-schmidt.example>",
		me,
		"Anfrage: Brötchentüten und Servietten für März",
		"Guten Tag,\n\nwir benötigen für März 20.000 Brötchentüten und 5.000 Servietten.\n\nMit freundlichen Grüßen\nHans Schmidt",
		now - timedelta(days=12),
	)
	mails.append(("INBOX", inquiry, seen, now - timedelta(days=12)))
	offer, offer_id = _mail(
		me,
		"Hans Schmidt <hans.schmidt@baeckerei-schmidt.example>",
		"Re: Anfrage: Brötchentüten und Servietten für März",
		"Sehr geehrter Herr Schmidt,\n\nanbei unser Angebot.\n\nViele Grüße\nIhr Vertriebsteam",
		now - timedelta(days=11),
		in_reply_to=inquiry_id,
		attachment=("Angebot-2026-0142.pdf", b"%PDF-1.4\n% demo offer\n", "application/pdf"),
	)
	mails.append(("Sent", offer, seen, now - timedelta(days=11)))
	order, _ = _mail(
		"Hans Schmidt <hans.schmidt@baeckerei-schmidt.example>",
		me,
		"Re: Re: Anfrage: Brötchentüten und Servietten für März",
		"Hallo,\n\ndas Angebot passt, wir bestellen wie angeboten.\n\nGruß\nHans Schmidt",
		now - timedelta(days=9),
		in_reply_to=offer_id,
	)
	mails.append(("INBOX", order, (), now - timedelta(days=9)))

	complaint, complaint_id = _mail(
		"=?utf-8?q?Petra_M=C3=BCller?= <p.mueller@mueller-maschinenbau.example>",
		me,
		"=?utf-8?q?Reklamation_Lieferung_KW_12_=E2=80=93_Besch=C3=A4digte_Kartons?=",
		"Sehr geehrte Damen und Herren,\n\nbei der Lieferung waren drei Kartons beschädigt. Fotos anbei.\n\nPetra Müller",
		now - timedelta(days=6),
		cc="Jörg Köhler <einkauf@mueller-maschinenbau.example>",
		attachment=("karton.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
	)
	mails.append(("INBOX", complaint, (), now - timedelta(days=6)))
	reply, _ = _mail(
		me,
		"Petra Müller <p.mueller@mueller-maschinenbau.example>",
		"Re: Reklamation Lieferung KW 12 – Beschädigte Kartons",
		"Sehr geehrte Frau Müller,\n\nwir senden Ersatz noch diese Woche.\n\nMit freundlichen Grüßen",
		now - timedelta(days=5),
		cc="einkauf@mueller-maschinenbau.example",
		in_reply_to=complaint_id,
	)
	mails.append(("Sent", reply, seen, now - timedelta(days=5)))
	private, _ = _mail(
		"Petra Müller <petra@mueller-privat.example>",
		me,
		"Kurze Frage von unterwegs",
		"Hallo, können Sie mir die Rechnung noch einmal schicken? Danke, Petra Müller",
		now - timedelta(days=3),
	)
	mails.append(("INBOX", private, (), now - timedelta(days=3)))

	supplier, _ = _mail(
		"Lars Jensen <lars.jensen@papierwerk-nord.example>",
		me,
		"Preisanpassung ab 1. April",
		"Moin,\n\nab April steigen die Preise für Recyclingpapier um 4 %.\n\nBeste Grüße\nLars Jensen",
		now - timedelta(days=4),
	)
	mails.append(("INBOX", supplier, seen, now - timedelta(days=4)))
	lead, _ = _mail(
		"Eva Weber <eva.weber@weber-consulting.example>",
		me,
		"Interesse an Rahmenvertrag Büromaterial",
		"Guten Tag,\n\nwir suchen einen Lieferanten für Büromaterial für 40 Arbeitsplätze.\n\nEva Weber",
		now - timedelta(days=2),
	)
	mails.append(("INBOX", lead, (), now - timedelta(days=2)))
	newsletter, _ = _mail(
		f"Angebote der Woche <news@{BLOCKED_DOMAIN}>",
		DEMO_MAILBOX,
		"Nur heute: 30 % auf alles!",
		"Unsere Angebote der Woche.",
		now - timedelta(days=1),
		extra_headers={"List-Unsubscribe": f"<mailto:unsubscribe@{BLOCKED_DOMAIN}>", "Precedence": "bulk"},
	)
	mails.append(("INBOX", newsletter, (), now - timedelta(days=1)))
	unknown, _ = _mail(
		"Unbekannt <info@neuer-interessent.example>",
		me,
		"Katalog gewünscht",
		"Bitte senden Sie uns Ihren aktuellen Katalog.",
		now - timedelta(hours=5),
	)
	mails.append(("INBOX", unknown, (), now - timedelta(hours=5)))
	return mails


# --- CRM records -------------------------------------------------------------------------------


def create_demo_records() -> None:
	for entry in CUSTOMERS:
		_party("Customer", "customer_name", entry["customer"], entry["contacts"])
	for entry in SUPPLIERS:
		_party("Supplier", "supplier_name", entry["supplier"], entry["contacts"])
	for lead in LEADS:
		if not frappe.db.exists("Lead", {"email_id": lead["email_id"]}):
			frappe.get_doc({"doctype": "Lead", **lead}).insert(ignore_permissions=True)
	if not frappe.db.exists("Archive Blocklist", {"value": BLOCKED_DOMAIN}):
		frappe.get_doc(
			{
				"doctype": "Archive Blocklist",
				"entry_type": "Domain",
				"value": BLOCKED_DOMAIN,
				"note": "Demo: newsletters from this domain are never filed.",
			}
		).insert(ignore_permissions=True)


def _party(doctype: str, name_field: str, party_name: str, contacts: list) -> None:
	if not frappe.db.exists(doctype, party_name):
		values = {"doctype": doctype, name_field: party_name}
		if doctype == "Customer":
			values["customer_type"] = "Company"
		else:
			values["supplier_group"] = (
				frappe.db.get_value("Supplier Group", {"is_group": 0}) or "All Supplier Groups"
			)
		frappe.get_doc(values).insert(ignore_permissions=True)
	for first_name, last_name, emails in contacts:
		if frappe.db.exists("Contact Email", {"email_id": emails[0]}):
			continue
		contact = frappe.get_doc({"doctype": "Contact", "first_name": first_name, "last_name": last_name})
		for index, email in enumerate(emails):
			contact.append("email_ids", {"email_id": email, "is_primary": int(index == 0)})
		contact.append("links", {"link_doctype": doctype, "link_name": party_name})
		contact.insert(ignore_permissions=True)
