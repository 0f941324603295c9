"""Filing by document number: recognisers from the site's naming (patterns), the batch lookup
(lookup), the decision and its filings (filing), past mail filed at a new document (retroactive)."""
