"""The fault soak, short: the sync worker SIGKILLed at random points and the IMAP connection cut
at random points; after the reruns no mail is lost and none is duplicated."""

from devtools.soak import soak
from tests.support import TEST_SITE


def test_no_mail_is_lost_or_duplicated_by_kills_and_cut_connections():
	results = soak(TEST_SITE, mails=300, kills=4, cuts=8, seed=3)
	for result in results:
		print(result.line())
		assert result.faults > 0 and result.before_clean_run < result.mails  # the faults struck mid-sync
		if result.phase == "connection cut":
			assert result.before_clean_run > 0  # the runs between the cuts made progress
		assert (result.lost, result.duplicates, result.quarantined) == (0, 0, 0), result.line()
		assert result.archived == result.mails == 300
