"""Integrity of the archive (GoBD): every stored mail is sealed in a daily hash chain
(seal.py); verification recomputes the chain and re-hashes the files (verify.py)."""
