"""install -> uninstall -> install on a scratch site: the uninstall leaves nothing of ours."""

import json
import os
import subprocess

import pytest

from tests.support import CHECKOUT, SCRATCH_SITE, bench_command, bench_path


def bench(*args: str) -> str:
	result = subprocess.run(
		bench_command(*args),
		cwd=bench_path() / "sites",
		capture_output=True,
		text=True,
		timeout=900,
		check=False,
	)
	assert result.returncode == 0, f"bench {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
	return result.stdout


def installed_apps() -> list[str]:
	return json.loads(bench("--site", SCRATCH_SITE, "list-apps", "--format", "json"))[SCRATCH_SITE]


@pytest.mark.slow
def test_install_uninstall_install_round_trip():
	if "crm_mail_archive" in installed_apps():
		bench("--site", SCRATCH_SITE, "uninstall-app", "crm_mail_archive", "--yes", "--no-backup", "--force")

	bench("--site", SCRATCH_SITE, "install-app", "crm_mail_archive")
	after_install = read_footprint()
	assert "Mail Archive Settings" in after_install["doctypes"]
	assert after_install["module_defs"] == ["CRM Mail Archive"]
	assert "Desk User:0:0" in after_install["communication_permissions"]

	bench("--site", SCRATCH_SITE, "uninstall-app", "crm_mail_archive", "--yes", "--no-backup")
	after_uninstall = read_footprint()
	assert "crm_mail_archive" not in installed_apps()
	assert after_uninstall == {key: [] for key in after_install}, after_uninstall

	bench("--site", SCRATCH_SITE, "install-app", "crm_mail_archive")
	assert "crm_mail_archive" in installed_apps()
	assert read_footprint() == after_install


def read_footprint() -> dict[str, list[str]]:
	"""The footprint, read by a fresh process on the scratch site (works installed or not)."""
	code = (
		"import frappe, json, sys;"
		f"frappe.init(site='{SCRATCH_SITE}', sites_path='.');frappe.connect();"
		"from devtools.site import app_footprint;"
		"print('FOOTPRINT=' + json.dumps(app_footprint(), sort_keys=True))"
	)
	result = subprocess.run(
		[str(bench_path() / "env" / "bin" / "python"), "-c", code],
		cwd=bench_path() / "sites",
		env={**os.environ, "PYTHONPATH": str(CHECKOUT)},  # devtools/ is the checkout's, not the app's
		capture_output=True,
		text=True,
		timeout=120,
		check=True,
	)
	line = next(line for line in result.stdout.splitlines() if line.startswith("FOOTPRINT="))
	return json.loads(line.removeprefix("FOOTPRINT="))
