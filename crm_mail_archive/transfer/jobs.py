"""Imports and exports started from the desk run as background jobs (they may take minutes);
the user sees progress and the result as realtime messages."""

from __future__ import annotations

import frappe

from crm_mail_archive.infra.jobs import enqueue
from crm_mail_archive.transfer import uploads as staged_uploads
from crm_mail_archive.transfer.exports import ExportScope, log_export, run_export
from crm_mail_archive.transfer.imports import MailImport

JOB_TIMEOUT_SECONDS = 4 * 3600


def enqueue_import(
	files: list[str], account: str, file_at: tuple[str, str] | None, staged: list[str] | None = None
) -> str:
	"""Import File uploads (`files`) or staged chunked uploads (`staged`, transfer/uploads.py)."""
	job_id = f"mail-archive-import::{frappe.session.user}::{frappe.generate_hash(length=10)}"
	enqueue(
		"crm_mail_archive.transfer.jobs.run_import_job",
		queue="long",
		timeout=JOB_TIMEOUT_SECONDS,
		job_id=job_id,
		files=files,
		account=account,
		file_at=list(file_at) if file_at else None,
		staged=staged or None,
	)
	return job_id


def run_import_job(
	files: list[str], account: str, file_at: list[str] | None, staged: list[str] | None = None
) -> None:
	"""Import the user's uploaded files; the uploads go once their mail is in the archive (a file
	that holds no mail is kept, quarantined, with the reason). A staged upload goes in any case:
	what failed is sent again."""
	user = frappe.session.user
	try:
		_import(files, account, file_at, user, staged or [])
	finally:
		for upload_id in staged or ():
			staged_uploads.remove(upload_id)


def _import(files: list[str], account: str, file_at: list[str] | None, user: str, staged: list[str]) -> None:
	uploads = [frappe.get_doc("File", name) for name in files]
	sources = [(upload.get_full_path(), upload.file_name) for upload in uploads]
	for upload_id in staged:
		upload = staged_uploads.get_own(upload_id, user)
		sources.append((str(upload.data_path), upload.file_name))

	def progress(done: int, total: int) -> None:
		frappe.publish_realtime(
			"mail_archive_import_progress", {"done": done, "total": total}, user=user, after_commit=False
		)

	try:
		result = MailImport(account, tuple(file_at) if file_at else None, user).run(
			sources, on_progress=progress
		)
	except Exception as error:
		frappe.db.rollback()
		frappe.log_error(title=f"Mail Archive: import into {account} failed")
		frappe.publish_realtime(
			"mail_archive_import_done", {"error": str(error)[:500]}, user=user, after_commit=False
		)
		return
	for upload in uploads:
		upload.delete(ignore_permissions=True)
	frappe.db.commit()
	frappe.publish_realtime("mail_archive_import_done", result.as_dict(), user=user, after_commit=False)


def start_export(scope: ExportScope, export_format: str) -> str:
	"""Log the export and queue it; returns the Mail Export."""
	export = log_export(scope, export_format, frappe.session.user, status="Queued")
	enqueue(
		"crm_mail_archive.transfer.exports.run_export",
		queue="long",
		timeout=JOB_TIMEOUT_SECONDS,
		job_id=f"mail-archive-export::{export}",
		export=export,
	)
	frappe.db.commit()  # the job reads the log; it is queued on this commit
	return export
