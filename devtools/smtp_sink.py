"""A real SMTP server for the tests, in this process: it accepts every mail (no TLS; any login) and
keeps what it received (envelope and bytes). Standard library only (socketserver), one thread per
connection. Frappe-free."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class ReceivedMail:
	sender: str
	recipients: list[str]
	data: bytes

	@property
	def message(self) -> EmailMessage:
		return message_from_bytes(self.data, policy=policy.default)


@dataclass
class _Session:
	sender: str = ""
	recipients: list[str] = field(default_factory=list)


def _address(argument: str) -> str:
	"""The address of `FROM:<a@b> SIZE=1` / `TO:<a@b>`."""
	value = argument.split(":", 1)[1].strip() if ":" in argument else argument
	if value.startswith("<"):
		value = value[1 : value.index(">")] if ">" in value else value[1:]
	return value.split()[0] if value.split() else ""


class _Handler(socketserver.StreamRequestHandler):
	def reply(self, line: str) -> None:
		self.wfile.write(line.encode() + b"\r\n")
		self.wfile.flush()

	def handle(self) -> None:
		sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
		session = _Session()
		self.reply("220 smtp-sink ready")
		while True:
			line = self.rfile.readline()
			if not line:
				return
			command, _, argument = line.decode("utf-8", "replace").strip().partition(" ")
			verb = command.upper()
			if verb == "EHLO":
				self.reply("250-smtp-sink")
				self.reply("250-8BITMIME")
				self.reply("250-AUTH PLAIN LOGIN")
				self.reply("250 SMTPUTF8")
			elif verb == "HELO":
				self.reply("250 smtp-sink")
			elif verb == "MAIL":
				session = _Session(sender=_address(argument))
				self.reply("250 OK")
			elif verb == "RCPT":
				session.recipients.append(_address(argument))
				self.reply("250 OK")
			elif verb == "DATA":
				self.reply("354 End data with <CR><LF>.<CR><LF>")
				lines = []
				while True:
					data_line = self.rfile.readline()
					if not data_line or data_line in (b".\r\n", b".\n"):
						break
					lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
				sink.keep(ReceivedMail(session.sender, list(session.recipients), b"".join(lines)))
				session = _Session()
				self.reply("250 OK: queued")
			elif verb == "AUTH":  # any login is accepted: this is a sink, not a gate
				mechanism, _, initial = argument.partition(" ")
				if mechanism.upper() == "LOGIN":
					for prompt in ("334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6")[1 if initial else 0 :]:
						self.reply(prompt)
						self.rfile.readline()
				elif mechanism.upper() == "PLAIN" and not initial:
					self.reply("334 ")
					self.rfile.readline()
				self.reply("235 Authentication successful")
			elif verb in ("RSET", "NOOP"):
				if verb == "RSET":
					session = _Session()
				self.reply("250 OK")
			elif verb == "QUIT":
				self.reply("221 Bye")
				return
			else:
				self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
	daemon_threads = True
	allow_reuse_address = True


class SmtpSink:
	"""Start with `start()`, read `received`, stop with `stop()`."""

	def __init__(self, host: str = "127.0.0.1", port: int = 0):
		self._server = _Server((host, port), _Handler)
		self._server.sink = self  # type: ignore[attr-defined]
		self.host, self.port = self._server.server_address[:2]
		self.received: list[ReceivedMail] = []
		self._lock = threading.Lock()
		self._thread: threading.Thread | None = None

	def keep(self, mail: ReceivedMail) -> None:
		with self._lock:
			self.received.append(mail)

	def start(self) -> SmtpSink:
		self._thread = threading.Thread(target=self._server.serve_forever, name="smtp-sink", daemon=True)
		self._thread.start()
		return self

	def stop(self) -> None:
		self._server.shutdown()
		self._server.server_close()

	def clear(self) -> None:
		with self._lock:
			self.received.clear()
