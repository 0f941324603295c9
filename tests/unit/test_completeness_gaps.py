"""The gap arithmetic of a folder sync (sync/gaps.py) and the VANISHED responses it is fed from
(mailbox/uid_sets.py): which UIDs the server assigned that the archive will not hold, and why."""

from crm_mail_archive.contracts import (
	BEFORE_FIRST_SYNC,
	EXPUNGED_BEFORE_ARCHIVED,
	GONE_AT_FETCH,
	SERVER_VANISHED,
	UID_GAP,
	UidGap,
)
from crm_mail_archive.mailbox.uid_sets import uid_ranges, vanished_uids
from crm_mail_archive.sync.gaps import absent, gaps_in, missing_count, ranges


def test_uids_become_runs_and_the_absent_runs_of_a_range_are_found_without_expanding_it():
	assert ranges([7, 1, 2, 3, 3, 9]) == [(1, 3), (7, 7), (9, 9)]
	assert ranges([]) == []
	assert absent(1, 10, [2, 3, 7]) == [(1, 1), (4, 6), (8, 10)]
	assert absent(5, 6, [5, 6]) == []
	assert absent(5, 4, []) == []  # an empty range
	# a first sync that finds UID 4 000 000 000 and nothing below: one run, nothing expanded
	assert absent(1, 4_000_000_000, [4_000_000_000]) == [(1, 3_999_999_999)]


def test_between_two_syncs_a_uid_no_search_found_is_expunged_before_archived_from_a_uid_gap():
	# the last sync stored up to UID 10; now UIDs 11, 13 and 14 are found, 12 is not
	gaps = gaps_in(11, 14, searched=[11, 13, 14], fetched={11, 13, 14}, vanished=None, first_sync=False)
	assert gaps == [UidGap(12, 12, EXPUNGED_BEFORE_ARCHIVED, UID_GAP)]
	assert missing_count(gaps) == 1


def test_with_qresync_the_servers_word_counts_and_a_uid_it_does_not_name_was_never_assigned():
	# 12 and 15 are missing; the server reports 12 expunged and says nothing of 15 (sparse UIDs)
	gaps = gaps_in(
		11, 16, searched=[11, 13, 14, 16], fetched={11, 13, 14, 16}, vanished={12}, first_sync=False
	)
	assert gaps == [UidGap(12, 12, EXPUNGED_BEFORE_ARCHIVED, SERVER_VANISHED)]
	# a run the server names in part is split
	gaps = gaps_in(1, 10, searched=[10], fetched={10}, vanished={2, 3, 4, 8}, first_sync=False)
	assert [(gap.first, gap.last) for gap in gaps] == [(2, 4), (8, 8)]
	assert {gap.evidence for gap in gaps} == {SERVER_VANISHED}


def test_a_uid_found_by_the_search_but_gone_at_the_fetch_is_expunged_before_archived():
	gaps = gaps_in(1, 5, searched=[1, 2, 3, 4, 5], fetched={1, 2, 5}, vanished=None, first_sync=True)
	assert gaps == [UidGap(3, 4, EXPUNGED_BEFORE_ARCHIVED, GONE_AT_FETCH)]


def test_on_a_first_sync_missing_uids_were_deleted_before_the_archive_could_see_them():
	gaps = gaps_in(1, 9, searched=[4, 9], fetched={4, 9}, vanished=None, first_sync=True)
	assert gaps == [
		UidGap(1, 3, BEFORE_FIRST_SYNC, UID_GAP),
		UidGap(5, 8, BEFORE_FIRST_SYNC, UID_GAP),
	]
	assert missing_count(gaps, EXPUNGED_BEFORE_ARCHIVED) == 0
	assert missing_count(gaps, BEFORE_FIRST_SYNC) == 7


def test_the_tail_up_to_uidnext_and_uids_outside_the_range_are_handled():
	# nothing found above the highest stored UID 20, UIDNEXT 24: 21..23 were expunged unseen
	assert gaps_in(21, 23, (), (), None, False) == [UidGap(21, 23, EXPUNGED_BEFORE_ARCHIVED, UID_GAP)]
	# UIDs outside the range (the search's "n:*" answer) are no part of it
	assert gaps_in(5, 6, searched=[3, 5, 6, 9], fetched={5, 6}, vanished=None, first_sync=False) == []


def test_vanished_responses_are_read_clipped_to_the_range_asked_for():
	assert uid_ranges("3,5:7,9:8,*,x") == [(3, 3), (5, 7), (8, 9)]
	lines = ["(EARLIER) 1:3,12", "(earlier) 14:4294967295"]
	# the range beyond UIDNEXT - 1 names no assigned UID and is not expanded
	assert vanished_uids(lines, 2, 15) == [2, 3, 12, 14, 15]
	assert vanished_uids([], 1, 10) == []
