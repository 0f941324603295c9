"""What a verification found (integrity/verify.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Progress = Callable[[int, int], None]  # (mails re-hashed, mails in scope)


@dataclass
class Finding:
	kind: str  # chain | seal | shown | rendition | timestamp | missing | altered | unknown
	detail: str
	communication: str = ""
	file: str = ""
	entry: str = ""  # the chain entry (Mail Archive Digest)

	def line(self) -> str:
		return "\t".join(
			(self.kind, self.communication or "-", self.file or "-", self.entry or "-", self.detail)
		)


@dataclass
class VerificationResult:
	account: str | None = None
	since: str | None = None
	findings: list[Finding] = field(default_factory=list)
	mails_checked: int = 0
	files_checked: int = 0
	bytes_checked: int = 0
	digests_checked: int = 0
	seconds: float = 0.0
	rehash_seconds: float = 0.0
	chain_head: str = ""
	head_timestamp: str = ""  # "<time> by the TSA" of the newest timestamped head, or empty
	heads_not_timestamped: int = 0  # entries after the newest timestamped one
	mails_reparsed: int = 0

	@property
	def ok(self) -> bool:
		return not self.findings

	@property
	def mails_per_second(self) -> float:
		return self.mails_checked / self.rehash_seconds if self.rehash_seconds else 0.0

	def add(self, kind: str, detail: str, communication: str = "", file: str = "", entry: str = "") -> None:
		self.findings.append(Finding(kind, detail, communication or "", file or "", entry or ""))
