"""Development tools of the checkout (never installed with the app): a private Dovecot, the fault soak and its TCP proxy, the demo mailbox and records, site setup, translations."""
