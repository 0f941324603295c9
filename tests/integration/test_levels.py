"""The unit level runs without a bench: `pytest tests/unit` with Frappe not importable at all (as on
a machine with only the app's own dependencies) collects and passes every specification."""

import subprocess
import sys

from tests.support import CHECKOUT

WITHOUT_FRAPPE = (
	"import sys; sys.modules['frappe'] = None; "  # any `import frappe` now fails
	"import pytest; sys.exit(pytest.main(sys.argv[1:]))"
)


def test_the_unit_level_runs_without_frappe_and_without_a_site():
	result = subprocess.run(
		[
			sys.executable,
			"-c",
			WITHOUT_FRAPPE,
			"tests/unit",
			"-q",
			"-p",
			"no:cacheprovider",
			"-p",
			"no:randomly",
		],
		cwd=CHECKOUT,
		env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(CHECKOUT), "HOME": "/tmp"},
		capture_output=True,
		text=True,
		timeout=900,
	)
	assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
	summary = result.stdout.strip().splitlines()[-1]
	assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
