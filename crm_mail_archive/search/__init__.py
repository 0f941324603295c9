"""Full-text search over archived mail: the words of each mail (subject, names, addresses, body)
and of its attachments, in one MariaDB FULLTEXT index (`Mail Search Text`)."""
