"""Names for the rows the import writes: like Frappe's hash names, never the same twice, also
not in a process forked from one that already made names (RQ forks a work horse per job)."""

import os
import re

from crm_mail_archive.infra.rows import random_name


def test_names_look_like_frappes_hash_names_and_do_not_repeat():
	names = [random_name() for _ in range(100_000)]
	assert all(re.fullmatch(r"[0-9a-f]{10}", name) for name in names[:1000])
	assert len(set(names)) == len(names)
	assert re.fullmatch(r"[0-9a-f]{12}", random_name(12))


def test_a_forked_process_makes_other_names_than_its_parent():
	random_name()  # the parent has bytes buffered
	read, write = os.pipe()
	child = os.fork()
	if child == 0:  # the child: its next names, to the parent
		os.write(write, " ".join(random_name() for _ in range(50)).encode())
		os._exit(0)
	os.close(write)
	os.waitpid(child, 0)
	theirs = set(os.read(read, 100_000).decode().split())
	os.close(read)
	ours = {random_name() for _ in range(50)}
	assert len(theirs) == 50 and not theirs & ours
