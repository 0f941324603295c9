"""The benchmark's rows, one module per group: imports (P1, P2, P5, P8, P3a, P6a on both
mailboxes), light_only (P3, P4, P6, P12, P7), workers (P9, P10, P11), idle (P13), verify (P14),
desk (P15). Each returns its Figures; perf.runner decides which run."""
