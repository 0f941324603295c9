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
from pathlib import Path

from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import run_simple

CHECKOUT = Path(__file__).resolve().parent.parent


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--port", type=int, required=True)
	args = parser.parse_args()

	import frappe.app

	frappe.app._site = args.site
	frappe.app._sites_path = "."
	application = SharedDataMiddleware(
		frappe.app.application,
		{
			"/assets/crm_mail_archive": str(CHECKOUT / "crm_mail_archive" / "public"),
			"/assets": "assets",
		},
	)
	logging.getLogger("werkzeug").setLevel(logging.ERROR)
	run_simple("0.0.0.0", args.port, application, use_reloader=False, use_debugger=False, threaded=False)


if __name__ == "__main__":
	main()
