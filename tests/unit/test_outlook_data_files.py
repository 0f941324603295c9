"""Outlook data files (.pst, .ost) read into RFC 5322 messages, on sample files from a public
repository (tests/data/README.md): the folder tree, the transport headers where Outlook kept them
and headers rebuilt from the MAPI properties where not, HTML, RTF and plain bodies, attachments,
embedded messages, a damaged item kept with its reason, the same bytes every time."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crm_mail_archive.mailbox import pst_props as P
from crm_mail_archive.mailbox.containers import count_messages, mail_files, read_messages
from crm_mail_archive.mailbox.parser import parse_message
from crm_mail_archive.mailbox.pst import count_items, read_outlook_file
from crm_mail_archive.mailbox.pst_mime import Item, Recipient, to_rfc822
from crm_mail_archive.mailbox.pst_rtf import rtf_bodies, rtf_text
from tests.data.outlook_files import outlook_file, with_damaged_item

pytest.importorskip("pypff", reason="libpff-python is a dependency of the app")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
	folder = tmp_path_factory.mktemp("outlook")
	return {
		name: outlook_file(name, folder)
		for name in ("aspose-outlook.pst", "aspose-sample.ost", "aspose-password-protected.pst")
	}


def mails_of(path: Path) -> dict[str, list]:
	"""source -> (mail, message) of every readable mail of a file."""
	return {
		mail.source: (mail, email.message_from_bytes(mail.raw, policy=email.policy.default))
		for mail in read_outlook_file(str(path))
		if not mail.error
	}


def one(mails: dict, folder: str, subject: str):
	found = [(m, msg) for m, msg in mails.values() if m.folder == folder and msg["Subject"] == subject]
	assert len(found) == 1, (folder, subject, [m.source for m, _msg in found])
	return found[0]


def test_the_folder_tree_is_kept_and_what_is_no_mail_left_out(files):
	pst = list(read_outlook_file(str(files["aspose-outlook.pst"])))
	# 16 items: 8 mails in the Inbox, 6 in Sent Items, an appointment and a contact (left out)
	assert count_items(str(files["aspose-outlook.pst"])) == 16
	assert len(pst) == 14 and not any(mail.error for mail in pst)
	assert {mail.folder for mail in pst} == {"Inbox", "Sent Items"}
	ost = list(read_outlook_file(str(files["aspose-sample.ost"])))
	folders = {mail.folder for mail in ost}
	assert {"Inbox", "Inbox/sub1", "Inbox/sub2", "Sent Items", "Deleted Items"} <= folders
	assert sum(mail.folder == "Inbox/sub1" for mail in ost) == 25
	assert sum(mail.folder == "Inbox/sub2" for mail in ost) == 29
	assert all(mail.source.startswith("aspose-sample.ost: ") for mail in ost)
	# the container reads the file by what it is, whatever its name, and counts without reading
	renamed = files["aspose-sample.ost"].with_name("alt.dat")
	renamed.write_bytes(files["aspose-sample.ost"].read_bytes())
	assert [m.folder for m in read_messages(str(renamed))] == [m.folder for m in ost]
	assert count_messages(str(files["aspose-outlook.pst"])) == 16
	assert mail_files(str(files["aspose-outlook.pst"].parent)) == sorted(str(path) for path in files.values())


def test_transport_headers_are_kept_where_outlook_stored_them(files):
	mails = mails_of(files["aspose-outlook.pst"])
	mail, message = one(mails, "Inbox", "this message contains embedded MSG")
	assert b"Message-ID: <002001cc306d$ad9f5290$08ddf7b0$@razzaq@xp.local>" in mail.raw
	assert message["Received"].startswith("from xp ([192.168.0.102])")
	assert message["Date"] == "Wed, 22 Jun 2011 04:48:10 +0500"
	assert message["X-Mailer"] == "Microsoft Office Outlook 12.0"
	# the MIME structure is the item's own: one Content-Type, one MIME-Version
	headers = mail.raw.split(b"\r\n\r\n", 1)[0]
	assert headers.count(b"\r\nMIME-Version:") == 1 and headers.count(b"\r\nContent-Type:") == 1
	assert message.get_content_type() == "multipart/mixed"
	reply = one(mails_of(files["aspose-password-protected.pst"]), "Deleted Items", "RE: 1: Test3=>Test4")[1]
	assert reply["In-Reply-To"] == "<123CB173E6776C4D8BC5E639FA08D2560E9C9707@exchange.aspose.com>"


def test_headers_are_rebuilt_from_the_mapi_properties_where_there_are_none(files):
	mail, message = one(mails_of(files["aspose-outlook.pst"]), "Sent Items", "Multiple attachments")
	assert b"Received:" not in mail.raw
	parsed = parse_message(mail.raw)
	assert (parsed.from_address.name, parsed.from_address.email) == ("Saqib Razzaq", "saqib.razzaq@xp.local")
	assert [address.email for address in parsed.to] == ["saqib.razzaq@xp.local"]
	assert message["Date"] == "Tue, 21 Jun 2011 23:51:07 +0000"  # the time it was sent (UTC)
	assert parsed.subject == "Multiple attachments"


def test_rebuilt_headers_hold_names_ids_and_hostile_values_as_values():
	"""A hand-made item (the properties a PST holds): recipients with names by kind, Message-ID,
	In-Reply-To, References; line breaks in a value never make a header of their own."""

	def text(value: str):
		return (P.PT_UNICODE, lambda: value.encode("utf-16-le"))

	sent = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc) - datetime(1601, 1, 1, tzinfo=timezone.utc)
	filetime = (int(sent.total_seconds()) * 10_000_000).to_bytes(8, "little")  # 100 ns since 1601
	item = Item(
		P.Properties(
			{
				P.SUBJECT: text("Angebot\r\nBcc: victim@evil.example"),
				P.SENDER_NAME: text('Müller, "Anna"\r\nX-Evil: 1'),
				P.SENDER_SMTP_ADDRESS: text("anna@kunde.example"),
				P.CLIENT_SUBMIT_TIME: (P.PT_SYSTIME, lambda: filetime),
				P.INTERNET_MESSAGE_ID: text("<m-2@kunde.example>"),
				P.IN_REPLY_TO: text("<m-1@vertrieb.example>"),
				P.REFERENCES: text("<m-0@kunde.example> <m-1@vertrieb.example>"),
			}
		),
		plain="Grüße\n",
		recipients=[
			Recipient(1, "Vertrieb", "vertrieb@mail.test"),
			Recipient(2, "Chefin <boss@mail.test>", "chefin@mail.test"),
			Recipient(3, "Archiv", "archiv@mail.test"),
			Recipient(1, "Nur ein Name", "/O=EXCHANGE/CN=RECIPIENTS/CN=NAME"),
		],
		notes=["embedded message 'Alt\r\nBcc: x@evil.example': no property context"],
	)
	raw = to_rfc822(item)
	assert raw == to_rfc822(item)  # the same item, the same bytes
	assert raw.isascii()
	headers = raw.split(b"\r\n\r\n", 1)[0]
	assert b"\r\nBcc: victim" not in headers and b"\r\nX-Evil" not in headers
	parsed = parse_message(raw)
	assert parsed.from_address.email == "anna@kunde.example"
	assert parsed.from_address.name == 'Müller, "Anna" X-Evil: 1'
	assert parsed.subject == "Angebot Bcc: victim@evil.example"
	assert [a.email for a in parsed.to] == ["vertrieb@mail.test"]
	assert [(a.name, a.email) for a in parsed.cc] == [("Chefin <boss@mail.test>", "chefin@mail.test")]
	message = email.message_from_bytes(raw, policy=email.policy.default)
	assert message["Bcc"] == "Archiv <archiv@mail.test>"
	assert "Nur ein Name:;" in message["To"]  # no usable address: the name, as an empty group
	assert message["Message-ID"] == "<m-2@kunde.example>"
	assert message["In-Reply-To"] == "<m-1@vertrieb.example>"
	assert message["References"] == "<m-0@kunde.example> <m-1@vertrieb.example>"
	assert message["Date"] == "Tue, 01 Dec 2026 10:00:00 +0000"
	assert message.get_content().strip() == "Grüße"
	# what could not be read of the item is said on the mail, as one line
	assert message["X-Outlook-Import-Note"].strip() == (
		"embedded message 'Alt Bcc: x@evil.example': no property context"
	)


def test_html_rtf_and_plain_bodies(files):
	mails = mails_of(files["aspose-outlook.pst"])
	html = one(mails, "Inbox", "HTML body")[1]
	assert html.get_body(("html",)).get_content().lstrip().lower().startswith("<html")
	assert html.get_body(("plain",)) is not None
	ost = mails_of(files["aspose-sample.ost"])
	# HTML that Outlook kept inside RTF (\fromhtml1): taken out, with its umlauts
	encapsulated = one(ost, "Inbox", "Bonusspelet")[1]
	body = encapsulated.get_body(("html", "plain"))
	assert body.get_content_type() == "text/html" and body.get_content().startswith("<HTML>")
	# RTF written in Outlook (no HTML, no text kept): its text
	native = one(ost, "Inbox", "RTF newsletter copy")[1]
	text = native.get_body(("plain",)).get_content()
	assert text.startswith("From: Saqib Razzaq") and "{\\rtf" not in text and "\\par" not in text
	# compressed RTF whose checksum libpff refuses: decompressed all the same
	attachments = one(mails_of(files["aspose-password-protected.pst"]), "Inbox", "Message with Attachments")
	assert attachments[1].get_body(("html",)) is not None


def test_rtf_text_decodes_characters_and_leaves_out_what_rtf_does_not_show():
	rtf = (
		b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0;}"
		b"{\\*\\generator Word;}\\pard Gr\\'fc\\'dfe\\par Zeile 2: 10 \\u8364?\\tab Ende\\par}"
	)
	assert rtf_text(rtf) == "Grüße\nZeile 2: 10 €\tEnde\n"
	assert rtf_bodies(rtf) == (None, "Grüße\nZeile 2: 10 €\tEnde\n")
	assert rtf_bodies(b"{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag broken")[0] is None  # damaged: text


def test_attachments_by_their_data_and_embedded_messages_as_messages(files):
	mails = mails_of(files["aspose-outlook.pst"])
	for folder in ("Inbox", "Sent Items"):
		message = one(mails, folder, "Multiple attachments")[1]
		found = {part.get_filename(): part.get_payload(decode=True) for part in message.iter_attachments()}
		assert set(found) == {"text file.txt", "Sunset.jpg", "Blue hills.jpg"}
		assert (len(found["Sunset.jpg"]), len(found["Blue hills.jpg"])) == (71189, 28521)
		assert found["Sunset.jpg"][:3] == b"\xff\xd8\xff"  # a JPEG
	for folder in ("Inbox", "Sent Items"):
		mail, message = one(mails, folder, "this message contains embedded MSG")
		embedded = [
			part for part in message.iter_attachments() if part.get_content_type() == "message/rfc822"
		]
		inner = [part.get_content() for part in embedded]
		assert [m["Subject"] for m in inner] == ["message 1", "message 2"]
		assert b"Message-ID: <000001cc306d$76f41d20$64dc5760$@razzaq@xp.local>" in mail.raw
		assert inner[0]["From"] == "Saqib Razzaq <saqib.razzaq@xp.local>"
		assert inner[0].get_body(("plain",)).get_content().startswith("This is first message")
		parsed = parse_message(message.as_bytes())
		assert parsed.subject == "this message contains embedded MSG"


def test_a_damaged_item_is_kept_with_its_reason_and_the_file_goes_on(files, tmp_path):
	damaged = with_damaged_item(files["aspose-outlook.pst"], "Sent Items", 0, tmp_path / "beschaedigt.pst")
	mails = list(read_outlook_file(str(damaged)))
	broken = [mail for mail in mails if mail.error]
	assert len(mails) == 14 and len(broken) == 1
	assert broken[0].source == "beschaedigt.pst: Sent Items #1"
	assert broken[0].error.startswith("unreadable Outlook item: ")
	assert broken[0].raw == b""
	assert sum(mail.folder == "Sent Items" for mail in mails if not mail.error) == 5
	# a file that is no Outlook data file at all, named as one: one reason, nothing else
	fake = tmp_path / "kaputt.pst"
	fake.write_bytes(b"!BDN" + b"\x00" * 600)
	(only,) = list(read_messages(str(fake)))
	assert only.error.startswith("not a readable Outlook data file")
	assert count_messages(str(fake)) == 1


def test_the_same_file_gives_the_same_bytes(files):
	def digests(path: Path) -> list[str]:
		return [hashlib.sha256(mail.raw).hexdigest() for mail in read_outlook_file(str(path))]

	for name in ("aspose-outlook.pst", "aspose-sample.ost"):
		assert digests(files[name]) == digests(files[name])


class FakeFolder:
	"""A folder as libpff gives it (names as the file has them)."""

	def __init__(self, name, *children, identifier=0):
		self.name, self.children, self.identifier, self.number_of_sub_messages = name, children, identifier, 0

	@property
	def number_of_sub_folders(self):
		return len(self.children)

	def get_sub_folder(self, index):
		return self.children[index]


def test_folder_names_from_the_file_are_one_line_of_text_and_a_slash_stays_in_its_folder():
	from crm_mail_archive.mailbox.pst import _folders

	class Handle:
		root_folder = FakeFolder(
			None,
			FakeFolder("Search Root", FakeFolder("All Messages")),
			FakeFolder(
				"Top of Personal Folders",
				FakeFolder("Kunden/Alt\r\nBcc: x@evil.example", FakeFolder("<b>2019</b>")),
				FakeFolder("\x00"),
			),
		)

	paths = [path for path, _folder in _folders(Handle())]
	assert paths == [
		"",
		"Kunden\u2215Alt Bcc: x@evil.example",
		"Kunden\u2215Alt Bcc: x@evil.example/<b>2019<\u2215b>",
		"#2",
	]
