"""A multi-GB Outlook file comes in through the desk in chunks, over real HTTP (api.start_import_upload,
send_import_chunk, finish_import_upload): each chunk at the bytes the server holds, a chunk sent
again changing nothing, another offset refused; the finished upload goes through the same import
job as any upload and its staged bytes are gone afterwards. Only the user who started an upload
sends to it or finishes it; Guest gets nothing; a file's name never becomes a path; the site's
maximum holds; what nobody finished goes after a day."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import frappe
import pytest
import requests

from crm_mail_archive import tasks
from crm_mail_archive.transfer import uploads
from tests.data.outlook_files import outlook_file
from tests.support import copies_of, make_user, run_background_jobs

pytest.importorskip("pypff", reason="libpff-python is a dependency of the app")

API = "/api/method/crm_mail_archive.api."


class Client:
	def __init__(self, web_server: str, user: tuple[str, str] | None):
		self.web_server = web_server
		self.session = requests.Session()
		if user:
			response = self.session.post(
				f"{web_server}/api/method/login", data={"usr": user[0], "pwd": user[1]}
			)
			assert response.ok, response.text

	def start(self, file_name: str, size: int, account: str) -> requests.Response:
		return self.session.post(
			f"{self.web_server}{API}start_import_upload",
			data={"file_name": file_name, "size": size, "account": account},
		)

	def chunk(self, upload: str, offset: int, data: bytes) -> requests.Response:
		return self.session.post(
			f"{self.web_server}{API}send_import_chunk",
			data={"upload": upload, "offset": offset},
			files={"chunk": ("chunk", data, "application/octet-stream")},
		)

	def finish(self, upload: str, **args) -> requests.Response:
		return self.session.post(
			f"{self.web_server}{API}finish_import_upload", data={"upload": upload, **args}
		)


def a_seller(committed_cleanup) -> tuple[str, str]:
	password = f"Pw-{uuid.uuid4().hex}"
	email = make_user("Sales User", password=password)
	committed_cleanup("User", email)
	frappe.db.commit()  # the web server logs them in
	return email, password


def staged_files(upload_id: str) -> list[Path]:
	return sorted(uploads.staging_folder().glob(f"{upload_id}.*"))


@pytest.fixture
def holder_and_account(web_server, dovecot, mail_user, make_archive_account, committed_cleanup):
	seller = a_seller(committed_cleanup)
	account = make_archive_account(mail_user, account_owner=seller[0])
	frappe.db.commit()
	return Client(web_server, seller), account.name


def test_a_pst_sent_in_chunks_in_order_and_once_again_is_imported_and_its_staging_removed(
	holder_and_account, crm, tmp_path
):
	client, account = holder_and_account
	customer = crm.customer("Chunk-Altkunde")
	frappe.db.commit()
	pst = outlook_file("aspose-outlook.pst", tmp_path).read_bytes()
	chunk_size = 64 * 1024
	started = client.start("altes-postfach.pst", len(pst), account)
	assert started.ok, started.text
	upload = started.json()["message"]["upload"]
	assert started.json()["message"]["chunk_size"] == 8 * 1024 * 1024
	offsets = list(range(0, len(pst), chunk_size))
	assert len(offsets) > 3
	for number, offset in enumerate(offsets):
		response = client.chunk(upload, offset, pst[offset : offset + chunk_size])
		assert response.ok, response.text
		received = response.json()["message"]["received"]
		assert received == min(offset + chunk_size, len(pst))
		if number == 1:  # the answer was lost: the same chunk again changes nothing
			again = client.chunk(upload, offset, pst[offset : offset + chunk_size])
			assert again.ok and again.json()["message"]["received"] == received
			# other bytes at a received offset, a gap, an offset in the middle: refused
			other = client.chunk(upload, offset, b"x" * chunk_size)
			ahead = client.chunk(upload, received + 10, pst[received + 10 : received + 100])
			middle = client.chunk(upload, offset + 10, pst[offset + 10 : received + 10])
			assert (other.status_code, ahead.status_code, middle.status_code) == (417, 417, 417)
			assert "byte" in ahead.json()["_server_messages"]
	(part,) = [path for path in staged_files(upload) if path.suffix == ".part"]
	assert part.read_bytes() == pst  # in order, once each
	# nothing of it is a File, nothing in public/
	assert not frappe.db.exists("File", {"file_name": ("like", "%altes-postfach%")})
	assert str(uploads.staging_folder()).startswith(str(Path(frappe.get_site_path("private")).resolve()))

	finished = client.finish(upload, doctype="Customer", name=customer)
	assert finished.ok, finished.text
	assert client.finish(upload).status_code == 417  # imported once
	run_background_jobs()
	frappe.db.commit()  # a fresh snapshot: the worker committed
	stored = copies_of(frappe._dict(name=account), status="Stored")
	assert len(stored) == 14 and {copy.folder for copy in stored} == {"Import/Inbox", "Import/Sent Items"}
	assert all(
		frappe.db.exists(
			"Timeline Link",
			{"communication": copy.communication, "link_doctype": "Customer", "link_name": customer},
		)
		for copy in stored
	)
	assert staged_files(upload) == []
	assert client.chunk(upload, len(pst), b"x").status_code == 403  # gone


def test_another_users_upload_guest_a_path_as_name_and_the_size_limit_are_refused(
	web_server, holder_and_account, committed_cleanup
):
	client, account = holder_and_account
	started = client.start("../../../../public/files/evil.pst", 1000, account)
	assert started.ok, started.text
	upload = started.json()["message"]["upload"]
	# the name is text: the staged bytes sit in the app's folder under the random id, nothing else
	assert [path.name for path in staged_files(upload)] == [f"{upload}.json", f"{upload}.part"]
	assert uploads.get_own(upload, client_user(client)).file_name == "evil.pst"
	assert not Path(frappe.get_site_path("public", "files", "evil.pst")).exists()
	assert client.start("..\\..\\evil.sh", 1000, account).status_code == 417  # not a mail file
	assert client.start("riesig.pst", 10**15, account).status_code == 417  # over the site's maximum
	assert client.start("leer.pst", 0, account).status_code == 417

	other = Client(web_server, a_seller(committed_cleanup))
	guest = Client(web_server, None)
	assert other.start("fremd.pst", 1000, account).status_code == 403  # not their account
	for stranger in (other, guest):
		assert stranger.chunk(upload, 0, b"a" * 10).status_code == 403
		assert stranger.finish(upload).status_code == 403
		assert stranger.start("x.pst", 1000, account).status_code == 403
	for forged in ("../../site_config", f"{upload}/../{upload}", upload.upper(), ""):
		assert client.chunk(forged, 0, b"a").status_code in (403, 417)
	assert staged_files(upload)[1].stat().st_size == 0  # nothing arrived

	assert client.chunk(upload, 0, b"a" * 600).json()["message"]["received"] == 600
	assert client.finish(upload).status_code == 417  # 400 bytes still missing
	assert client.chunk(upload, 600, b"b" * 401).status_code == 417  # more than announced
	uploads.remove(upload)


def client_user(client: Client) -> str:
	return client.session.get(f"{client.web_server}/api/method/frappe.auth.get_logged_user").json()["message"]


def test_an_upload_nobody_finished_goes_after_a_day(holder_and_account):
	client, account = holder_and_account
	old = client.start("alt.pst", 100, account).json()["message"]["upload"]
	fresh = client.start("neu.pst", 100, account).json()["message"]["upload"]
	assert client.chunk(old, 0, b"x" * 50).ok
	day_and_a_bit_ago = time.time() - 25 * 3600
	for path in staged_files(old):
		os.utime(path, (day_and_a_bit_ago, day_and_a_bit_ago))
	tasks.remove_stale_import_uploads()
	assert staged_files(old) == []
	assert len(staged_files(fresh)) == 2
	uploads.remove(fresh)
