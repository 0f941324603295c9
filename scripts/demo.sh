#!/usr/bin/env bash
# Demo data on the development site: the demo Dovecot mailbox filled with realistic mail and
# the matching customers, contacts, supplier and lead. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings
log "demo mailbox and CRM records on $DEV_SITE"
run_devtool "$DEV_SITE" devtools.demo.setup_demo
