"""A local RFC 3161 timestamp authority for tests: an HTTP handler on 127.0.0.1 that answers
timestamp queries with `openssl ts -reply`, signed by a test TSA certificate (extendedKeyUsage
critical timeStamping) under a test root CA it makes itself (openssl req / x509).

	with LocalTsa(tmp_path) as tsa:
		tsa.url, tsa.certificates_pem  # for Mail Archive Settings
	python -m devtools.tsa DIR  # serves until Ctrl-C, prints the URL

Two LocalTsa instances have different roots: a token of one does not verify against the other's
chain (a forged timestamp).
"""

from __future__ import annotations

import base64
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

TSA_EXTENSIONS = """basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
"""


def _openssl(*args: str, cwd: Path) -> bytes:
	return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True).stdout


def make_authority(folder: Path, name: str = "Test TSA") -> None:
	"""A root CA and a TSA certificate signed by it, in `folder`."""
	folder.mkdir(parents=True, exist_ok=True)
	_openssl(
		"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
		"-days", "3650", "-subj", f"/CN={name} Root",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		cwd=folder,
	)  # fmt: skip
	_openssl(
		"req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", f"/CN={name}",
		cwd=folder,
	)  # fmt: skip
	(folder / "tsa.ext").write_text(TSA_EXTENSIONS)
	_openssl(
		"x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
		"-out", "tsa.crt", "-days", "3650", "-extfile", "tsa.ext",
		cwd=folder,
	)  # fmt: skip
	(folder / "serial").write_text("01\n")
	(folder / "tsa.cnf").write_text(CONFIG.format(dir=folder))


def reply(folder: Path, query: bytes) -> bytes:
	"""The DER TimeStampResp to a DER TimeStampReq."""
	with tempfile.TemporaryDirectory() as work:
		query_file = Path(work) / "query.tsq"
		query_file.write_bytes(query)
		answer = Path(work) / "reply.tsr"
		_openssl(
			"ts", "-reply", "-config", "tsa.cnf", "-queryfile", str(query_file), "-out", str(answer),
			cwd=folder,
		)  # fmt: skip
		return answer.read_bytes()


class LocalTsa:
	"""The TSA served on 127.0.0.1 (a free port) in a thread; with a username, Basic auth is asked."""

	def __init__(self, folder: Path, username: str | None = None, password: str | None = None):
		self.folder = Path(folder)
		self.username, self.password = username, password
		self.requests = 0
		if not (self.folder / "tsa.cnf").exists():
			make_authority(self.folder)
		self._server: ThreadingHTTPServer | None = None

	@property
	def certificates_pem(self) -> str:
		return (self.folder / "ca.crt").read_text()

	@property
	def url(self) -> str:
		assert self._server
		return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

	def _handler(self):
		tsa = self

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self):
				if tsa.username:
					expected = base64.b64encode(f"{tsa.username}:{tsa.password}".encode()).decode()
					if self.headers.get("Authorization") != f"Basic {expected}":
						self.send_response(401)
						self.end_headers()
						return
				query = self.rfile.read(int(self.headers.get("Content-Length") or 0))
				try:
					answer = reply(tsa.folder, query)
				except subprocess.CalledProcessError:
					self.send_response(400)
					self.end_headers()
					return
				tsa.requests += 1
				self.send_response(200)
				self.send_header("Content-Type", "application/timestamp-reply")
				self.send_header("Content-Length", str(len(answer)))
				self.end_headers()
				self.wfile.write(answer)

			def log_message(self, *args):
				pass

		return Handler

	def start(self) -> LocalTsa:
		self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
		threading.Thread(target=self._server.serve_forever, daemon=True).start()
		return self

	def stop(self) -> None:
		if self._server:
			self._server.shutdown()
			self._server.server_close()
			self._server = None

	def __enter__(self) -> LocalTsa:
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()


if __name__ == "__main__":
	with LocalTsa(Path(sys.argv[1])) as served:
		print(served.url, flush=True)
		threading.Event().wait()
