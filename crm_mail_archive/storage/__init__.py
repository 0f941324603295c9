"""Storage: persists the mail it is given (Communications, their files, mailbox copies, quarantine,
folder state) and returns what it stored. It decides nothing about filing."""
