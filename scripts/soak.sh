#!/usr/bin/env bash
# The fault soak (issue: lost and duplicate counts must be 0): 2,000 mails, the sync worker
# SIGKILLed at 20 random points, then the IMAP connection cut at 20 random points through a local
# TCP proxy; reruns after each fault. Runs on the benchmark site (created once if missing).
#   scripts/soak.sh [--mails N] [--kills N] [--cuts N] [--seed N]        (make soak)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_settings
BENCH_SITE=${BENCH_SITE:-bench.mail-archive.localhost}

run_on_bench_site with_devtools "$BENCH_DIR/env/bin/python" -m devtools.soak --site "$BENCH_SITE" "$@"
