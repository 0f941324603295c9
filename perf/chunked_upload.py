"""The chunked import upload's throughput (api.start_import_upload, send_import_chunk): a file of
random bytes (not a mail file's content: the upload path only, no import) sent in the desk's
chunks over HTTP to a running site, as a logged-in user who holds the account. Prints MB/s.

	python -m perf.chunked_upload --url http://site:8000 --user u --password p --account A [--mb 1024]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import requests

CHUNK_BYTES = 8 * 1024 * 1024
API = "/api/method/crm_mail_archive.api."


def random_file(megabytes: int, folder: str | None = None) -> str:
	handle, path = tempfile.mkstemp(suffix=".pst", dir=folder)
	with os.fdopen(handle, "wb") as file:
		for _ in range(megabytes):
			file.write(os.urandom(1024 * 1024))
	return path


def upload(url: str, session: requests.Session, account: str, path: str) -> tuple[str, float]:
	"""Send the file in chunks; returns the upload's id and the seconds it took (start to last
	chunk's answer)."""
	size = os.path.getsize(path)
	started = time.perf_counter()
	response = session.post(
		f"{url}{API}start_import_upload", data={"file_name": "zufall.pst", "size": size, "account": account}
	)
	response.raise_for_status()
	upload_id = response.json()["message"]["upload"]
	offset = 0
	with open(path, "rb") as file:
		while offset < size:
			chunk = file.read(CHUNK_BYTES)
			response = session.post(
				f"{url}{API}send_import_chunk",
				data={"upload": upload_id, "offset": offset},
				files={"chunk": ("chunk", chunk, "application/octet-stream")},
			)
			response.raise_for_status()
			offset = response.json()["message"]["received"]
	assert offset == size
	return upload_id, time.perf_counter() - started


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--user", required=True)
	parser.add_argument("--password", required=True)
	parser.add_argument("--account", required=True)
	parser.add_argument("--mb", type=int, default=1024)
	args = parser.parse_args()
	session = requests.Session()
	session.post(
		f"{args.url}/api/method/login", data={"usr": args.user, "pwd": args.password}
	).raise_for_status()
	path = random_file(args.mb)
	try:
		_upload_id, seconds = upload(args.url, session, args.account, path)
	finally:
		os.unlink(path)
	print(f"chunked upload: {args.mb} MB in {seconds:.1f} s = {args.mb / seconds:.1f} MB/s")


if __name__ == "__main__":
	main()
