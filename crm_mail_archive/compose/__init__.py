"""Answering archived mail from the desk: the draft a reply, reply-all or forward starts from
(drafts.py), the mailbox holder's right to send from their own Email Account (senders.py), and the
sent mail archived at once (sent.py)."""
