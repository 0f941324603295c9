"""What every test shares: where the bench and the test site are (bench), users with roles (users),
mail and what the archive holds of it (mails), CRM builders (crm), the browser (desk); the site's
fixtures (fixtures, taken by each level's conftest). Tests import helpers from here and from
tests.data, from nowhere else in tests/."""

from tests.support.bench import (
	ARTIFACTS,
	CHECKOUT,
	CHROMIUM,
	SCRATCH_SITE,
	TEST_SITE,
	bench_command,
	bench_path,
	checkout_env,
	eventually,
	jobs_done,
	remove_queued_sync,
	run_background_jobs,
	sites_path,
	worker_command,
)
from tests.support.crm import CrmBuilder
from tests.support.desk import logged_in_page, menu_item
from tests.support.mails import (
	a_mail,
	attachments_of,
	communication_with,
	communications_of,
	copies_of,
	filed_at,
	filing_sources,
	message_id_of,
	only_communication,
	original_of,
	remove_archive_of,
	with_headers,
)
from tests.support.users import make_user

__all__ = [
	"ARTIFACTS",
	"CHECKOUT",
	"CHROMIUM",
	"SCRATCH_SITE",
	"TEST_SITE",
	"CrmBuilder",
	"a_mail",
	"attachments_of",
	"bench_command",
	"bench_path",
	"checkout_env",
	"communication_with",
	"communications_of",
	"copies_of",
	"eventually",
	"filed_at",
	"filing_sources",
	"jobs_done",
	"logged_in_page",
	"make_user",
	"menu_item",
	"message_id_of",
	"only_communication",
	"original_of",
	"remove_archive_of",
	"remove_queued_sync",
	"run_background_jobs",
	"sites_path",
	"with_headers",
	"worker_command",
]
