"""The private Dovecot speaks real IMAP over plain and TLS: LOGIN, APPEND, FETCH, STORE, MOVE."""

import pytest

from devtools.dovecot import DovecotServer
from tests.support import a_mail


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_imap_round_trip(dovecot: DovecotServer, mail_user: str, tls: bool):
	dovecot.create_folder(mail_user, "Archive")
	with dovecot.session(mail_user, tls=tls) as client:
		assert client.append("INBOX", a_mail("Angebot Nr 1"), flags=()) is not None
		client.select_folder("INBOX")
		(uid,) = client.search(["ALL"])

		fetched = client.fetch([uid], ["BODY.PEEK[]", "FLAGS"])
		assert b"Subject: Angebot Nr 1" in fetched[uid][b"BODY[]"]
		assert b"\\Seen" not in fetched[uid][b"FLAGS"]  # PEEK leaves \Seen alone

		client.add_flags([uid], [b"\\Seen", b"$Forwarded"])
		client.move([uid], "Archive")
		assert client.search(["ALL"]) == []

	# read back through a separate connection: the server state, not the client's idea of it
	assert list(dovecot.messages(mail_user, "INBOX")) == []
	(flags,) = dovecot.flags(mail_user, "Archive").values()
	assert {"\\Seen", "$Forwarded"} <= flags


def test_tls_uses_the_self_signed_certificate(dovecot: DovecotServer, mail_user: str):
	with dovecot.session(mail_user, tls=True) as client:
		cipher = client._imap.sock.cipher()
		assert cipher is not None and cipher[1].startswith("TLS")


def test_special_use_folders_and_uidvalidity(dovecot: DovecotServer, mail_user: str):
	for folder in ("Sent", "Gesendete Elemente", "Junk", "Trash"):
		dovecot.create_folder(mail_user, folder)
	folders = dovecot.folders(mail_user)
	assert "\\Sent" in folders["Sent"] and "\\Sent" in folders["Gesendete Elemente"]
	assert "\\Junk" in folders["Junk"] and "\\Trash" in folders["Trash"]

	dovecot.append(mail_user, a_mail("vorher"))
	before = dovecot.uidvalidity(mail_user)
	after = dovecot.reset_uidvalidity(mail_user)
	assert after != before
	assert dovecot.uidvalidity(mail_user) == after


def test_append_with_flags_and_date(dovecot: DovecotServer, mail_user: str):
	from datetime import datetime, timezone

	when = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
	uid = dovecot.append(mail_user, a_mail("mit Flags"), flags=("\\Seen", "\\Answered"), date=when)
	assert {"\\Seen", "\\Answered"} <= dovecot.flags(mail_user)[uid]
	with dovecot.session(mail_user) as client:
		client.select_folder("INBOX", readonly=True)
		internal = client.fetch([uid], ["INTERNALDATE"])[uid][b"INTERNALDATE"]
	assert internal.astimezone(timezone.utc).replace(tzinfo=timezone.utc) == when


def test_server_stops_and_leaves_nothing_running(tmp_path):
	server = DovecotServer.start()
	root, pid = server.root, server.master_pid()
	assert pid
	server.stop()
	assert not server.is_running()
	assert not root.exists()
