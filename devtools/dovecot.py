"""A private Dovecot IMAP server on 127.0.0.1 for tests, benchmarks and the demo mailbox.

Frappe-free. Runs Debian's Dovecot with its own configuration, state and log under one
directory, on free (or given) ports: plain IMAP and IMAPS with a self-signed certificate.
Users live in a passwd-file; mail in Maildir (fs layout, so folder names may hold dots).
Folders named in SPECIAL_USE_FOLDERS get their SPECIAL-USE role when they are created.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

DOVECOT_BIN = os.environ.get("DOVECOT_BIN", shutil.which("dovecot") or "/usr/sbin/dovecot")
DOVEADM_BIN = os.environ.get("DOVEADM_BIN", shutil.which("doveadm") or "/usr/bin/doveadm")

# Folder name -> SPECIAL-USE role, as Dovecot announces them once the folder exists.
SPECIAL_USE_FOLDERS = {
	"Sent": "\\Sent",
	"Sent Items": "\\Sent",
	"Gesendete Elemente": "\\Sent",
	"Junk": "\\Junk",
	"Spam": "\\Junk",
	"Trash": "\\Trash",
	"Papierkorb": "\\Trash",
	"Drafts": "\\Drafts",
	"Archive": "\\Archive",
}

# What Dovecot 2.3 advertises after login by default. Setting imap_capability replaces the whole
# list (a leading "+" could only add), so a server without some of them names all the others.
DEFAULT_IMAP_CAPABILITIES = (
	"IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
	"THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
	"LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
	"LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ "
	"NOTIFY SPECIAL-USE"
).split()

MAIL_USER = "nobody"  # mail processes may not run as root; nobody exists on every Debian


class DovecotError(RuntimeError):
	pass


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def _oauth_passdb(root: Path, introspection_url: str | None) -> str:
	if not introspection_url:
		return ""
	(root / "oauth2.conf.ext").write_text(
		f"""introspection_mode = post
introspection_url = {introspection_url}
username_attribute = username
active_attribute = active
active_value = true
"""
	)
	# after passwd-file: a token that is no password falls through to the introspection
	return f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""


def _imap_capability(without: frozenset[str]) -> str:
	"""The imap_capability line: empty (Dovecot's default) unless capabilities are taken away.
	The commands stay: Dovecot still answers e.g. MOVE, a client just must not rely on it."""
	if not without:
		return ""
	unknown = {name.upper() for name in without} - {name.upper() for name in DEFAULT_IMAP_CAPABILITIES}
	if unknown:
		raise ValueError(f"Dovecot does not advertise {', '.join(sorted(unknown))}")
	kept = [name for name in DEFAULT_IMAP_CAPABILITIES if name.upper() not in {n.upper() for n in without}]
	return f"  imap_capability = {' '.join(kept)}\n"


def _config(
	root: Path,
	imap_port: int,
	imaps_port: int,
	uid: int,
	gid: int,
	introspection_url: str | None = None,
	capabilities_without: frozenset[str] = frozenset(),
) -> str:
	mailboxes = "\n".join(
		f'  mailbox "{name}" {{\n    special_use = {role}\n  }}' for name, role in SPECIAL_USE_FOLDERS.items()
	)
	return f"""# written by devtools.dovecot
instance_name = crm-mail-archive-{imaps_port}
base_dir = {root}/run
state_dir = {root}/state
log_timestamp = "%Y-%m-%d %H:%M:%S.%{{usecs}} "
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
# one imap process per connection: room for the watcher's 1,000 folders in IDLE (benchmark P18)
default_process_limit = 2000
default_client_limit = 4000
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2 oauthbearer" if introspection_url else ""}
mail_location = maildir:{root}/mail/%u:LAYOUT=fs
first_valid_uid = 1
mail_privileged_group =
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
{_oauth_passdb(root, introspection_url)}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
{_imap_capability(capabilities_without)}}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
"""


def _self_signed_certificate(root: Path) -> None:
	subprocess.run(
		[
			"openssl",
			"req",
			"-x509",
			"-newkey",
			"rsa:2048",
			"-nodes",
			"-days",
			"3650",
			"-subj",
			"/CN=localhost",
			"-addext",
			"subjectAltName=DNS:localhost,IP:127.0.0.1",
			"-keyout",
			str(root / "key.pem"),
			"-out",
			str(root / "cert.pem"),
		],
		check=True,
		capture_output=True,
	)


@dataclass
class DovecotServer:
	"""A running private Dovecot. Use `DovecotServer.start()`; `stop()` ends it."""

	root: Path
	imap_port: int
	imaps_port: int
	host: str = "127.0.0.1"
	owns_root: bool = False
	oauth_introspection_url: str | None = None
	capabilities_without: frozenset[str] = frozenset()
	_users: dict[str, str] = field(default_factory=dict)

	# --- life cycle ------------------------------------------------------------------------

	@classmethod
	def start(
		cls,
		root: str | Path | None = None,
		imap_port: int | None = None,
		imaps_port: int | None = None,
		oauth_introspection_url: str | None = None,
		capabilities_without: Iterable[str] = (),
	) -> DovecotServer:
		"""Start (or reuse, when `root` holds a running one). With `oauth_introspection_url`,
		XOAUTH2/OAUTHBEARER tokens are checked by POSTing them there (RFC 7662 introspection).
		`capabilities_without` (e.g. {"MOVE"}, {"CONDSTORE", "QRESYNC"}) are left out of the
		CAPABILITY list after login, to stand in for an older or plainer server."""
		owns_root = root is None
		root = Path(root or tempfile.mkdtemp(prefix="crm-mail-archive-dovecot-"))
		root.mkdir(parents=True, exist_ok=True)
		# Dovecot's unprivileged processes must reach the run directory and the mail store
		root.chmod(0o755)
		server = cls(
			root=root,
			imap_port=imap_port or free_port(),
			imaps_port=imaps_port or free_port(),
			owns_root=owns_root,
			oauth_introspection_url=oauth_introspection_url,
			capabilities_without=frozenset(capabilities_without),
		)
		config_changed = server._write_files()
		if not server.is_running():
			server._launch()
		elif config_changed:
			os.kill(server.master_pid(), signal.SIGHUP)  # Dovecot reloads its configuration
		return server

	@classmethod
	def attach(cls, root: str | Path) -> DovecotServer:
		"""The server whose files live in `root` (started earlier, perhaps by another process)."""
		root = Path(root)
		ports = (root / "ports").read_text().split()
		server = cls(root=root, imap_port=int(ports[0]), imaps_port=int(ports[1]))
		server._users = server._read_users()
		return server

	@property
	def config_file(self) -> Path:
		return self.root / "dovecot.conf"

	@property
	def cert_file(self) -> Path:
		return self.root / "cert.pem"

	def _write_files(self) -> bool:
		"""Write configuration, certificate and folders; True when the configuration changed."""
		mail_user = pwd.getpwnam(MAIL_USER)
		for sub in ("run", "state", "mail", "home"):
			(self.root / sub).mkdir(exist_ok=True)
		for sub in ("mail", "home"):
			os.chown(self.root / sub, mail_user.pw_uid, mail_user.pw_gid)
		if not self.cert_file.exists():
			_self_signed_certificate(self.root)
		config = _config(
			self.root,
			self.imap_port,
			self.imaps_port,
			mail_user.pw_uid,
			mail_user.pw_gid,
			self.oauth_introspection_url,
			self.capabilities_without,
		)
		config_changed = not self.config_file.exists() or self.config_file.read_text() != config
		self.config_file.write_text(config)
		(self.root / "ports").write_text(f"{self.imap_port} {self.imaps_port}\n")
		(self.root / "users").mkdir(exist_ok=True)
		self._users = self._read_users()
		return config_changed

	def _launch(self) -> None:
		# the daemon keeps inherited pipes open, so its output goes to a file, not to a pipe
		with open(self.root / "startup.log", "w") as startup_log:
			returncode = subprocess.call(
				[DOVECOT_BIN, "-c", str(self.config_file)], stdout=startup_log, stderr=subprocess.STDOUT
			)
		if returncode != 0:
			startup = (self.root / "startup.log").read_text().strip()
			raise DovecotError(f"dovecot did not start: {startup} {self._log_tail()}")
		deadline = time.monotonic() + 15
		while time.monotonic() < deadline:
			# the master writes its pid file after it starts listening: wait for both
			if self._port_open(self.imap_port) and self._port_open(self.imaps_port) and self.master_pid():
				return
			time.sleep(0.05)
		raise DovecotError(
			f"dovecot did not listen on {self.imap_port}/{self.imaps_port}: {self._log_tail()}"
		)

	def _log_tail(self) -> str:
		log = self.root / "dovecot.log"
		return log.read_text()[-2000:] if log.exists() else ""

	def _port_open(self, port: int) -> bool:
		with contextlib.suppress(OSError), socket.create_connection((self.host, port), timeout=0.5):
			return True
		return False

	def master_pid(self) -> int | None:
		pid_file = self.root / "run" / "master.pid"
		try:
			pid = int(pid_file.read_text().strip())
		except (OSError, ValueError):
			return None
		try:
			os.kill(pid, 0)
		except ProcessLookupError:
			return None
		return pid

	def is_running(self) -> bool:
		return self.master_pid() is not None

	def stop(self) -> None:
		pid = self.master_pid()
		if pid:
			os.kill(pid, signal.SIGTERM)
			deadline = time.monotonic() + 10
			while time.monotonic() < deadline and self.master_pid():
				time.sleep(0.05)
			if self.master_pid():
				os.kill(pid, signal.SIGKILL)
		if self.owns_root:
			shutil.rmtree(self.root, ignore_errors=True)

	def __enter__(self) -> DovecotServer:
		return self

	def __exit__(self, *exc) -> None:
		self.stop()

	# --- users -----------------------------------------------------------------------------

	def _read_users(self) -> dict[str, str]:
		users = {}
		for path in (self.root / "users").iterdir():
			name, _, rest = path.read_text().partition(":")
			users[name] = rest.split(":", 1)[0].removeprefix("{PLAIN}")
		return users

	def add_user(self, username: str, password: str = "secret") -> str:
		"""Create (or reset the password of) a mail user; returns the username."""
		if ":" in username or "/" in username or "\n" in username or ":" in password:
			raise ValueError("user names may not contain ':', '/' or newlines, passwords no ':'")
		self._users[username] = password
		# One passwd-file per user: Dovecot stats a passwd-file at most once a second, so a user
		# added to a shared file right after a login would stay unknown for up to a second.
		(self.root / "users" / username).write_text(f"{username}:{{PLAIN}}{password}::::::\n")
		return username

	def password(self, username: str) -> str:
		return self._users[username]

	def remove_user_mail(self, username: str) -> None:
		shutil.rmtree(self.root / "mail" / username, ignore_errors=True)
		shutil.rmtree(self.root / "home" / username, ignore_errors=True)

	# --- talking IMAP ----------------------------------------------------------------------

	def ssl_context(self) -> ssl.SSLContext:
		return ssl.create_default_context(cafile=str(self.cert_file))

	def connect(self, username: str, tls: bool = False) -> IMAPClient:
		if tls:
			client = IMAPClient(
				self.host, port=self.imaps_port, ssl=True, ssl_context=self.ssl_context(), timeout=10
			)
		else:
			client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=10)
		client.login(username, self._users[username])
		return client

	@contextlib.contextmanager
	def session(self, username: str, tls: bool = False):
		client = self.connect(username, tls=tls)
		try:
			yield client
		finally:
			with contextlib.suppress(Exception):
				client.logout()

	def create_folder(self, username: str, folder: str) -> None:
		"""Create a folder; names in SPECIAL_USE_FOLDERS carry their role."""
		with self.session(username) as client:
			if not client.folder_exists(folder):
				client.create_folder(folder)
			client.subscribe_folder(folder)

	def append(
		self,
		username: str,
		raw: bytes,
		folder: str = "INBOX",
		flags: tuple[str | bytes, ...] = (),
		date: datetime | None = None,
	) -> int:
		"""APPEND one message; returns its UID."""
		with self.session(username) as client:
			if not client.folder_exists(folder):
				client.create_folder(folder)
			return self._append(client, raw, folder, flags, date)

	def append_many(
		self, username: str, raws: list[bytes], folder: str = "INBOX", flags: tuple = ()
	) -> list[int]:
		with self.session(username) as client:
			if not client.folder_exists(folder):
				client.create_folder(folder)
			return [self._append(client, raw, folder, flags, None) for raw in raws]

	@staticmethod
	def _append(client: IMAPClient, raw: bytes, folder: str, flags, date) -> int:
		response = client.append(folder, raw, flags=flags, msg_time=date)
		# APPENDUID (RFC 4315): b"[APPENDUID <uidvalidity> <uid>] Append completed."
		text = response.decode() if isinstance(response, bytes) else str(response)
		if "APPENDUID" in text:
			return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])
		client.select_folder(folder, readonly=True)
		return max(client.search(["ALL"]))

	def uidvalidity(self, username: str, folder: str = "INBOX") -> int:
		with self.session(username) as client:
			return client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]

	def reset_uidvalidity(self, username: str, folder: str = "INBOX") -> int:
		"""Give `folder` a new UIDVALIDITY, as a server does after a rebuild; returns it."""
		new_value = self.uidvalidity(username, folder) + 1000
		subprocess.run(
			[
				DOVEADM_BIN,
				"-c",
				str(self.config_file),
				"mailbox",
				"update",
				"-u",
				username,
				"--uid-validity",
				str(new_value),
				folder,
			],
			check=True,
			capture_output=True,
		)
		return new_value

	def flags(self, username: str, folder: str = "INBOX") -> dict[int, set[str]]:
		"""UID -> flags (as str) of every message in `folder`."""
		with self.session(username) as client:
			client.select_folder(folder, readonly=True)
			uids = client.search(["ALL"])
			fetched = client.fetch(uids, ["FLAGS"]) if uids else {}
			return {uid: {_text(flag) for flag in data[b"FLAGS"]} for uid, data in fetched.items()}

	def messages(self, username: str, folder: str = "INBOX") -> dict[int, bytes]:
		"""UID -> raw bytes of every message in `folder` (read-only, flags untouched)."""
		with self.session(username) as client:
			client.select_folder(folder, readonly=True)
			uids = client.search(["ALL"])
			if not uids:
				return {}
			fetched = client.fetch(uids, ["BODY.PEEK[]"])
			return {uid: data[b"BODY[]"] for uid, data in fetched.items()}

	def folders(self, username: str) -> dict[str, set[str]]:
		"""Folder name -> its flags (SPECIAL-USE roles among them)."""
		with self.session(username) as client:
			return {name: {_text(flag) for flag in flags} for flags, _, name in client.list_folders()}


def _text(value: str | bytes) -> str:
	return value.decode() if isinstance(value, bytes) else value
