"""Server settings of the mail providers our customers use, so that connecting a mailbox needs an
address and a password, not a hunt for host names. Data only; Frappe-free.

A preset's `security` is "ssl" (TLS from the first byte: IMAPS 993, SMTPS 465) or "starttls" (plain
connection upgraded: IMAP 143, submission 587)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ServerPreset:
	key: str
	label: str  # a provider's name: not translated
	imap_host: str
	imap_port: int
	imap_security: str
	smtp_host: str
	smtp_port: int
	smtp_security: str
	oauth: bool = False  # the provider offers (or requires) OAuth 2.0 sign-in
	host_hint: str = ""  # the host differs per customer (shown as a placeholder, not filled in)


PRESETS: tuple[ServerPreset, ...] = (
	ServerPreset(
		"microsoft365",
		"Microsoft 365",
		"outlook.office365.com",
		993,
		"ssl",
		"smtp.office365.com",
		587,
		"starttls",
		oauth=True,
	),
	ServerPreset(
		"google",
		"Google Workspace / Gmail",
		"imap.gmail.com",
		993,
		"ssl",
		"smtp.gmail.com",
		587,
		"starttls",
		oauth=True,
	),
	ServerPreset("ionos", "IONOS", "imap.ionos.de", 993, "ssl", "smtp.ionos.de", 587, "starttls"),
	ServerPreset("strato", "Strato", "imap.strato.de", 993, "ssl", "smtp.strato.de", 465, "ssl"),
	ServerPreset(
		"t-online", "T-Online", "secureimap.t-online.de", 993, "ssl", "securesmtp.t-online.de", 465, "ssl"
	),
	ServerPreset("gmx", "GMX", "imap.gmx.net", 993, "ssl", "mail.gmx.net", 587, "starttls"),
	ServerPreset("web.de", "WEB.DE", "imap.web.de", 993, "ssl", "smtp.web.de", 587, "starttls"),
	# all-inkl: every customer has an own server name (w0123456.kasserver.com)
	ServerPreset(
		"all-inkl", "all-inkl.com", "", 993, "ssl", "", 465, "ssl", host_hint="w0123456.kasserver.com"
	),
)

MANUAL = "manual"
SECURITY_CHOICES = ("ssl", "starttls", "plain")


def preset(key: str) -> ServerPreset | None:
	return next((item for item in PRESETS if item.key == key), None)


def presets_as_dicts() -> list[dict]:
	return [asdict(item) for item in PRESETS]


def default_port(protocol: str, security: str) -> int:
	"""The standard port of IMAP or SMTP for a security mode."""
	if protocol == "imap":
		return 993 if security == "ssl" else 143
	return 465 if security == "ssl" else 587 if security == "starttls" else 25
