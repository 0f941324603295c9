"""How the archive's files leave the server: only through the app's endpoints, each after the read
rule, typed by what the bytes are and never rendered in the desk's origin.

A download is `Content-Disposition: attachment` with a type a browser does not render
(application/octet-stream, or the export's own). Only a raster image (for the body's inline images
and the reader's preview) or a PDF (the browser's viewer) is shown inline, under the type its bytes
show it to be (storage/content.py), never the one the mail declares or its name suggests. Every
response forbids sniffing (`nosniff`), carries a Content-Security-Policy that loads and runs nothing
(`default-src 'none'`, sandboxed but for the PDF viewer, which Chromium refuses to run sandboxed), is
not cached beyond the user's session and is not readable cross-origin.
"""

import io

import frappe
from werkzeug.test import EnvironBuilder
from werkzeug.utils import send_file
from werkzeug.wrappers import Response

DOWNLOAD_TYPE = "application/octet-stream"
SANDBOXED = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
PDF_VIEWER = "default-src 'none'; style-src 'unsafe-inline'; object-src 'self'; plugin-types application/pdf"


def archive_file_response(
	content: str | bytes,
	download_name: str,
	shown_as: str | None = None,
	download_type: str = DOWNLOAD_TYPE,
) -> Response:
	"""`content`: a path on disk or the bytes. `shown_as`: the (sniffed) type to show it inline as;
	None: a download."""
	source = io.BytesIO(content) if isinstance(content, bytes) else content
	request = getattr(frappe.local, "request", None)
	response = send_file(
		source,
		# (called from Python, not over HTTP: a request of its own)
		environ=request.environ if request is not None else EnvironBuilder().get_environ(),
		mimetype=shown_as or download_type,
		as_attachment=not shown_as,
		download_name=download_name,
		conditional=True,
		etag=not isinstance(content, bytes),
		max_age=None,
	)
	response.headers["X-Content-Type-Options"] = "nosniff"
	response.headers["Content-Security-Policy"] = PDF_VIEWER if shown_as == "application/pdf" else SANDBOXED
	response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
	response.headers["Referrer-Policy"] = "no-referrer"
	# asked again every time: the read rule decides each request (a 304 only after it did)
	response.headers["Cache-Control"] = "private, no-cache"
	return response
