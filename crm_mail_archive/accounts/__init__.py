"""Account orchestration: syncing a Mail Archive Account (one worker at a time), its health with
backoff, and the scheduler's deduplicated jobs."""
