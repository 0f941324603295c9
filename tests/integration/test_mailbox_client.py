"""The IMAP client's write side and change tracking, against Dovecot, read back through a separate
connection: move (MOVE, or COPY + EXPUNGE on servers without it), copy, flags, CONDSTORE changes,
vanished UIDs, and which failures are worth retrying."""

import socket
import uuid
from collections.abc import Callable, Iterator

import pytest

from crm_mail_archive.mailbox.client import (
	ConnectionSettings,
	MailboxClient,
	MailboxError,
	MailboxUnavailable,
	_uid_map,
)
from devtools.dovecot import DovecotServer
from tests.support import a_mail


def client_for(dovecot: DovecotServer, user: str) -> MailboxClient:
	return MailboxClient(
		ConnectionSettings(
			host="127.0.0.1",
			port=dovecot.imap_port,
			username=user,
			password=dovecot.password(user),
			security="plain",
			timeout=10,
		)
	)


def subject_of(raw: bytes) -> str:
	(line,) = [line for line in raw.split(b"\n") if line.startswith(b"Subject: ")]
	return line.removeprefix(b"Subject: ").strip().decode()


@pytest.fixture(scope="module")
def dovecot_without() -> Iterator[Callable[..., DovecotServer]]:
	"""Factory: a second private Dovecot that does not advertise the given capabilities (one per
	set, shared by the module's tests, stopped at the end)."""
	servers: dict[frozenset[str], DovecotServer] = {}

	def start(*capabilities: str) -> DovecotServer:
		key = frozenset(capabilities)
		if key not in servers:
			servers[key] = DovecotServer.start(capabilities_without=key)
		return servers[key]

	try:
		yield start
	finally:
		for server in servers.values():
			server.stop()


def user_on(server: DovecotServer) -> str:
	return server.add_user(f"user-{uuid.uuid4().hex[:10]}@mail.test", "s3cret")


def inbox_with_three_mails(server: DovecotServer, user: str) -> list[int]:
	server.create_folder(user, "Archiv")
	return [server.append(user, a_mail(f"Mail {n}")) for n in range(3)]


@pytest.fixture
def three_mails(dovecot: DovecotServer, mail_user: str) -> list[int]:
	return inbox_with_three_mails(dovecot, mail_user)


# --- move and copy ---------------------------------------------------------------------------


def test_move_reports_the_new_uids_and_leaves_the_rest(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		assert "MOVE" in client.capabilities()
		client.select("INBOX", readonly=False)
		moved = client.move(three_mails[:2], "Archiv")
	archive = dovecot.messages(mail_user, "Archiv")
	assert set(moved) == set(three_mails[:2]) and set(moved.values()) == set(archive)
	assert list(dovecot.messages(mail_user, "INBOX")) == [three_mails[2]]
	assert {old: subject_of(archive[new]) for old, new in moved.items()} == {
		three_mails[0]: "Mail 0",
		three_mails[1]: "Mail 1",
	}


def test_moving_every_mail_empties_the_source(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		client.select("INBOX", readonly=False)
		moved = client.move(three_mails, "Archiv")
	assert dovecot.messages(mail_user, "INBOX") == {}
	assert sorted(moved.values()) == sorted(dovecot.messages(mail_user, "Archiv"))


def test_move_without_the_move_capability_copies_and_expunges_only_those_uids(dovecot_without):
	server = dovecot_without("MOVE")
	user = user_on(server)
	first, second, third = inbox_with_three_mails(server, user)
	with server.session(user) as other:
		# another mail client flagged the third mail \Deleted without expunging: it must survive
		other.select_folder("INBOX")
		other.add_flags([third], [b"\\Deleted"])
	with client_for(server, user) as client:
		# imapclient refuses MOVE itself when it is not advertised: this can only be COPY + EXPUNGE
		assert "MOVE" not in client.capabilities() and "UIDPLUS" in client.capabilities()
		client.select("INBOX", readonly=False)
		moved = client.move([first], "Archiv")
	inbox = server.flags(user, "INBOX")
	assert list(inbox) == [second, third]
	assert inbox[second] == set() and inbox[third] == {"\\Deleted"}
	archive = server.messages(user, "Archiv")
	assert list(moved) == [first] and list(archive) == [moved[first]]
	assert subject_of(archive[moved[first]]) == "Mail 0"
	assert "\\Deleted" not in server.flags(user, "Archiv")[moved[first]]


def test_without_uidplus_a_plain_expunge_completes_the_move_when_nothing_else_is_deleted(
	dovecot_without,
):
	server = dovecot_without("MOVE", "UIDPLUS")
	user = user_on(server)
	first, second, third = inbox_with_three_mails(server, user)
	with client_for(server, user) as client:
		assert not {"MOVE", "UIDPLUS"} & client.capabilities()
		client.select("INBOX", readonly=False)
		moved = client.move([first, third], "Archiv")
	assert server.flags(user, "INBOX") == {second: set()}
	archive = server.messages(user, "Archiv")
	assert sorted(subject_of(raw) for raw in archive.values()) == ["Mail 0", "Mail 2"]
	assert set(moved) == {first, third}
	# the new UIDs are reported if the server sends COPYUID anyway, and are right if it does
	assert {new for new in moved.values() if new is not None} <= set(archive)


def test_without_uidplus_mails_others_marked_deleted_keep_the_move_from_expunging(dovecot_without):
	server = dovecot_without("MOVE", "UIDPLUS")
	user = user_on(server)
	first, second, third = inbox_with_three_mails(server, user)
	with server.session(user) as other:
		other.select_folder("INBOX")
		other.add_flags([third], [b"\\Deleted"])
	with client_for(server, user) as client:
		client.select("INBOX", readonly=False)
		client.move([first], "Archiv")
	# a plain EXPUNGE would have taken the third mail too: the moved one stays, flagged, instead
	assert server.flags(user, "INBOX") == {first: {"\\Deleted"}, second: set(), third: {"\\Deleted"}}
	assert [subject_of(raw) for raw in server.messages(user, "Archiv").values()] == ["Mail 0"]


def test_moving_needs_a_read_write_selection(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		with pytest.raises(MailboxError, match="selected folder"):
			client.move(three_mails[:1], "Archiv")
		client.select("INBOX", readonly=True)
		with pytest.raises(MailboxError, match="read-write"):
			client.move(three_mails[:1], "Archiv")
		with pytest.raises(MailboxError, match="read-write"):
			client.add_flags(three_mails[:1], ["\\Seen"])
	assert len(dovecot.messages(mail_user, "INBOX")) == 3
	assert dovecot.messages(mail_user, "Archiv") == {}
	assert "\\Seen" not in dovecot.flags(mail_user)[three_mails[0]]


def test_copy_keeps_the_original(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		client.select("INBOX", readonly=True)  # COPY changes only the target
		copied = client.copy([three_mails[1]], "Archiv")
	archive = dovecot.messages(mail_user, "Archiv")
	assert list(copied) == [three_mails[1]] and list(copied.values()) == list(archive)
	assert subject_of(archive[copied[three_mails[1]]]) == "Mail 1"
	assert list(dovecot.messages(mail_user, "INBOX")) == three_mails


def test_moving_to_a_missing_folder_is_refused_not_retried(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		client.select("INBOX", readonly=False)
		with pytest.raises(MailboxError, match="refused") as refused:
			client.move(three_mails[:1], "Gibt es nicht")
		assert not isinstance(refused.value, MailboxUnavailable)
		assert client.all_uids() == three_mails  # the connection is still good
	assert list(dovecot.messages(mail_user, "INBOX")) == three_mails


def test_a_dropped_connection_is_worth_retrying(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		client.select("INBOX", readonly=True)
		client.imap.socket().shutdown(socket.SHUT_RDWR)
		with pytest.raises(MailboxUnavailable):
			client.all_uids()


# --- flags -----------------------------------------------------------------------------------


def test_flags_are_added_removed_and_replaced_on_a_read_write_selection(dovecot, mail_user, three_mails):
	first, second, third = three_mails
	with client_for(dovecot, mail_user) as client:
		client.select("INBOX", readonly=False)
		client.add_flags([first, second], ["\\Seen", "$Forwarded"])
		client.add_flags([third], ["\\Answered"])
		client.remove_flags([second], ["\\Seen"])
		client.set_flags([third], ["\\Flagged"])
		client.add_flags([], ["\\Seen"])  # nothing to do, no command
	assert dovecot.flags(mail_user) == {
		first: {"\\Seen", "$Forwarded"},
		second: {"$Forwarded"},
		third: {"\\Flagged"},
	}


def test_flag_changes_since_a_modseq_and_vanished_uids(dovecot, mail_user, three_mails):
	with client_for(dovecot, mail_user) as client:
		before = client.select("INBOX", readonly=False)
		assert before.highestmodseq is not None
		assert client.all_flags() == {uid: set() for uid in three_mails}
		assert client.flag_changes_since(before.highestmodseq) == {}
		# the user's mail client reads one mail, forwards it and deletes another
		with dovecot.session(mail_user) as other:
			other.select_folder("INBOX")
			other.add_flags([three_mails[0]], [b"\\Seen", b"$Forwarded"])
			other.delete_messages([three_mails[2]])
			other.expunge()
		after = client.select("INBOX", readonly=True)
		assert after.highestmodseq > before.highestmodseq
		assert client.flag_changes_since(before.highestmodseq) == {three_mails[0]: {"\\Seen", "$Forwarded"}}
		assert client.flag_changes_since(after.highestmodseq) == {}
		assert client.all_uids() == three_mails[:2]
		assert client.all_flags() == {three_mails[0]: {"\\Seen", "$Forwarded"}, three_mails[1]: set()}
	assert dovecot.flags(mail_user)[three_mails[0]] == {"\\Seen", "$Forwarded"}


def test_an_empty_folder_has_no_uids_and_no_flags(dovecot, mail_user):
	dovecot.create_folder(mail_user, "Leer")
	with client_for(dovecot, mail_user) as client:
		state = client.select("Leer", readonly=True)
		assert state.exists == 0
		assert client.all_uids() == [] and client.all_flags() == {}
		assert client.flag_changes_since(state.highestmodseq) == {}


def test_without_condstore_all_flags_is_the_way_to_see_changes(dovecot_without):
	server = dovecot_without("CONDSTORE", "QRESYNC")
	user = user_on(server)
	first, second, third = inbox_with_three_mails(server, user)
	with server.session(user) as other:
		other.select_folder("INBOX")
		other.add_flags([second], [b"\\Answered"])
		other.delete_messages([third])
		other.expunge()
	with client_for(server, user) as client:
		assert "CONDSTORE" not in client.capabilities()
		assert client.status("INBOX").highestmodseq is None
		assert client.select("INBOX", readonly=False).highestmodseq is None
		with pytest.raises(MailboxError, match="CONDSTORE"):
			client.flag_changes_since(1)
		assert client.all_flags() == {first: set(), second: {"\\Answered"}}
		assert client.all_uids() == [first, second]
		# moving still works: MOVE is advertised on this server
		assert set(client.move([first], "Archiv")) == {first}
	assert list(server.messages(user, "INBOX")) == [second]


def test_copyuid_ranges_map_in_order():
	assert _uid_map([4, 5, 6, 9], ["[COPYUID 38505 4:6,9 101:104] Done"]) == {4: 101, 5: 102, 6: 103, 9: 104}
	assert _uid_map([4], ["OK no response code"]) == {4: None}
