"""Shared infrastructure of the Frappe side: account locks, multi-row inserts, lock-conflict
retry, one way to enqueue a job, chunking, and the connection settings of a mailbox. It knows
nothing of storage, filing or actions, which all build on it."""
