import re
from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).parent
version = re.search(r'__version__ = "([^"]+)"', (here / "crm_mail_archive" / "__init__.py").read_text())[1]

setup(
	name="crm_mail_archive",
	version=version,
	description="Files every mail a team exchanges with its customers at the right CRM records",
	author="crm_mail_archive developers",
	license="GPL-3.0-only",
	# the app only: tests, perf and devtools (the test and benchmark harness) stay in the checkout
	packages=find_packages(include=["crm_mail_archive", "crm_mail_archive.*"]),
	include_package_data=True,
	zip_safe=False,
	python_requires=">=3.10",
	install_requires=[
		"imapclient>=3.0.1,<5",
		"nh3>=0.3.8,<0.4",
		"extract-msg>=0.55,<0.58",
		"lxml>=5",
		"factur-x>=3.1,<8",
		"libpff-python>=20231205",  # Outlook .pst/.ost (import name pypff)
		"compressed-rtf>=1.0.6,<2",
		"RTFDE>=0.1.1,<0.2",
		"rfc3161-client>=1.0,<2",
	],
)
