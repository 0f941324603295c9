"""The test site's web server: Frappe's development server (what `bench serve` runs), with this
checkout's desk files served under /assets/crm_mail_archive:

	cd <bench>/sites && PYTHONPATH=<checkout> <bench>/env/bin/python -m devtools.serve --site S --port P

`bench serve` serves the bench's assets folder, whose crm_mail_archive link points at whichever
checkout the bench was last pointed to; a test run from another checkout (a second clone, a
worktree) must see its own JavaScript.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import run_simple

CHECKOUT = Path(__file__).resolve().parent.parent
PUBLIC = CHECKOUT / "crm_mail_archive" / "public"
# the bench's assets.json names the bundle of whichever checkout was built last (one file for every
# checkout): a request for any hash of our bundle gets this checkout's own build
BUNDLE = re.compile(r"^/assets/crm_mail_archive/dist/(js|css)/([\w.-]+?\.bundle)\.\w+\.(js|css)(\.map)?$")


def own_bundle(application):
	def serve(environ, start_response):
		path = environ.get("PATH_INFO", "")
		match = BUNDLE.match(path)
		if match and not (PUBLIC / path.removeprefix("/assets/crm_mail_archive/")).exists():
			kind, name, ext, source_map = match.groups()
			pattern = f"{name}.*.{ext}{source_map or ''}"
			built = sorted((PUBLIC / "dist" / kind).glob(pattern), key=lambda file: file.stat().st_mtime)
			if built:
				environ = {**environ, "PATH_INFO": f"/assets/crm_mail_archive/dist/{kind}/{built[-1].name}"}
		return application(environ, start_response)

	return serve


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--port", type=int, required=True)
	args = parser.parse_args()

	import frappe.app

	frappe.app._site = args.site
	frappe.app._sites_path = "."
	application = own_bundle(
		SharedDataMiddleware(
			frappe.app.application,
			{"/assets/crm_mail_archive": str(PUBLIC), "/assets": "assets"},
		)
	)
	logging.getLogger("werkzeug").setLevel(logging.ERROR)
	run_simple("0.0.0.0", args.port, application, use_reloader=False, use_debugger=False, threaded=False)


if __name__ == "__main__":
	main()
