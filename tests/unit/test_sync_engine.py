"""The sync engine's decisions that need no server: when a folder has not changed at all."""

from crm_mail_archive.contracts import StoredFolderState
from crm_mail_archive.mailbox.client import FolderState
from crm_mail_archive.sync.engine import nothing_changed

STORED = StoredFolderState(uidvalidity=7, highest_uid=41, highest_modseq=900)


def server(uidvalidity=7, uidnext=42, modseq=900) -> FolderState:
	return FolderState(uidvalidity=uidvalidity, uidnext=uidnext, exists=40, highestmodseq=modseq)


def test_an_unchanged_folder_is_recognized_from_its_status_alone():
	assert nothing_changed(server(), STORED)


def test_new_mail_flag_changes_expunges_and_a_new_uidvalidity_all_count_as_change():
	assert not nothing_changed(server(uidnext=43), STORED)  # a new mail
	assert not nothing_changed(server(modseq=901), STORED)  # a flag changed or a mail left
	assert not nothing_changed(server(uidvalidity=8), STORED)  # the folder was rebuilt
	assert not nothing_changed(server(modseq=None), STORED)  # no CONDSTORE: cannot tell
	assert not nothing_changed(server(), StoredFolderState(uidvalidity=None, highest_uid=0))  # never synced
