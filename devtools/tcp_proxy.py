"""A local TCP proxy that can cut its connections after a number of bytes. Frappe-free.

The fault soak puts it between the sync and Dovecot to drop the IMAP connection mid-command.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttingProxy:
	def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
		self.target = (target_host, target_port)
		self.listener = socket.create_server(("127.0.0.1", 0))
		self.port = self.listener.getsockname()[1]
		self._cut_after: int | None = None
		self._lock = threading.Lock()
		self._connections: list[socket.socket] = []
		self.cuts = 0
		self._running = True
		threading.Thread(target=self._accept, daemon=True).start()

	def cut_after(self, byte_count: int | None) -> None:
		"""Drop every connection once this many bytes went from the server to the client in it
		(None: never)."""
		self._cut_after = byte_count

	def _accept(self) -> None:
		while self._running:
			try:
				client, _ = self.listener.accept()
			except OSError:
				return
			try:
				server = socket.create_connection(self.target, timeout=10)
			except OSError:
				client.close()
				continue
			with self._lock:
				self._connections += [client, server]
			budget = {"left": self._cut_after}
			threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
			threading.Thread(target=self._pump, args=(server, client, budget), daemon=True).start()

	def _pump(self, source: socket.socket, sink: socket.socket, budget: dict | None) -> None:
		# OSError: the other direction closed the pair, nothing is left to forward
		with contextlib.suppress(OSError):
			while True:
				data = source.recv(65536)
				if not data:
					break
				if budget is not None and budget["left"] is not None:
					if len(data) >= budget["left"]:
						sink.sendall(data[: budget["left"]])
						self.cuts += 1
						break
					budget["left"] -= len(data)
				sink.sendall(data)
		for sock in (source, sink):
			with contextlib.suppress(OSError):
				sock.shutdown(socket.SHUT_RDWR)
			sock.close()

	def drop_all(self) -> None:
		"""Cut every open connection now, as a network failure or a restarted server does."""
		with self._lock:
			connections, self._connections = self._connections, []
		for sock in connections:
			with contextlib.suppress(OSError):
				sock.shutdown(socket.SHUT_RDWR)

	def close(self) -> None:
		self._running = False
		self.listener.close()
		with self._lock:
			for sock in self._connections:
				sock.close()
