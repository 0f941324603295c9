"""The word lists the signature reader knows: closings, name particles, stopwords, job words, legal
forms, freemail and generic domains, non-website hosts, mobile labels. German and English first."""

from __future__ import annotations

from crm_mail_archive.prefill.text import _fold

_ATTRIBUTION_WORDS = ("wrote", "schrieb", "crit", "escribi", "scritto", "schreef")


# --- closing phrases -------------------------------------------------------------------------------
_GRUSS = r"gr(?:ü|ue|u)(?:ß|ss)(?:e|en)?"


_PHRASE = (
	r"(?:"
	rf"(?:mit\s+)?(?:(?:ganz\s+)?(?:freundlich|best|herzlich|lieb|viel|sch(?:ö|oe)n|sonnig|kollegial|nett"
	rf"|froh|sommerlich|winterlich|hanseatisch)(?:e|en|em|er|es)?\s+)?{_GRUSS}"
	r"|freundlichst|hochachtungsvoll|servus|tsch(?:ü|ue)ss?|ciao|bis\s+(?:bald|dann|sp(?:ä|ae)ter|morgen)"
	r"|(?:vielen|besten|herzlichen|lieben)\s+(?:lieben\s+)?dank(?:\s+im\s+voraus)?"
	r"|dankesch(?:ö|oe)n|danke(?:\s+(?:sch(?:ö|oe)n|sehr|dir|euch|ihnen|im\s+voraus))?|merci"
	r"|mfg|lg|vg|bg|fg"
	r"|(?:(?:with\s+)?(?:best|kind|kindest|warm|warmest|many|sincere|personal)\s+)?regards|rgds|br|kr"
	r"|best(?:\s+wishes)?|all\s+the\s+best|cheers|(?:best\s+)?greetings"
	r"|many\s+thanks|thanks?(?:\s+you)?(?:\s+(?:again|a\s+lot|so\s+much|very\s+much|in\s+advance))?|thx"
	r"|(?:yours\s+)?sincerely(?:\s+yours)?|yours\s+(?:faithfully|truly)|respectfully"
	r"|take\s+care|talk\s+soon|speak\s+soon"
	r")"
)


# --- names and job titles --------------------------------------------------------------------------
_PARTICLES = frozenset(
	"von van de der den del della di da du la le zu zur vom ten ter y bin al el dos das do".split()
)


_STOPWORDS = frozenset(
	_fold(word)
	for word in """
	hallo hi hello hey dear liebe lieber sehr geehrte geehrter geehrtes guten tag morgen abend moin servus
	mit freundlichen freundliche freundlichem besten viele vielen herzliche herzlichen lieben grüße grüßen
	gruß regards wishes thanks thank danke dank cheers sincerely yours faithfully mfg greetings
	sent gesendet outlook iphone ipad android samsung galaxy mobile mobil download get app
	tel telefon phone fax mail e-mail email web website internet homepage adresse address anschrift
	postfach kontakt contact
	germany deutschland österreich schweiz austria switzerland united kingdom states usa uk europe europa
	straße strasse str platz weg allee gasse damm ufer street road avenue building floor etage gebäude
	zentrale headquarters niederlassung filiale standort campus
	confidential vertraulich hinweis disclaimer datenschutz privacy notice please bitte diese dieser this
	note termin meeting kalender calendar wochenende woche weekend schönes schöne schönen frohe frohes
	happy merry weihnachten christmas ostern easter neue neues news newsletter messe booth follow folgen
	besuchen visit uns sie ihr ihre unser unsere our your the der die das
	consulting solutions services systems software group gruppe holding partners technologies technology
	tech media digital design studio agentur agency bäckerei metzgerei apotheke praxis kanzlei autohaus
	hotel restaurant werkstatt handel immobilien versicherung versicherungen bank sparkasse stadtwerke
	verlag druckerei elektro sanitär heizung maschinenbau industries industrie international global labs
	ventures capital energy energie foods networks sports shop store online firma company unternehmen
	department kundenservice
	""".split()
)


_JOB_STEMS = (
	"leiter",
	"leitung",
	"manager",
	"geschäftsführ",
	"führung",
	"berater",
	"beratung",
	"referent",
	"assisten",
	"assistant",
	"sachbearbeit",
	"bearbeiter",
	"mitarbeiter",
	"ingenieur",
	"engineer",
	"techniker",
	"technician",
	"spezialist",
	"specialist",
	"beauftragt",
	"vertrieb",
	"einkauf",
	"einkäuf",
	"verkauf",
	"verkäuf",
	"buchhalt",
	"abteilung",
	"entwickl",
	"developer",
	"disponent",
	"disposition",
	"koordinat",
	"coordinator",
	"direktor",
	"director",
	"vorstand",
	"vorständ",
	"inhaber",
	"gründer",
	"founder",
	"gesellschafter",
	"prokurist",
	"betreu",
	"service",
	"support",
	"sekretär",
	"secretary",
	"officer",
	"consultant",
	"representative",
	"executive",
	"analyst",
	"administrat",
	"accountant",
	"controll",
	"architekt",
	"architect",
	"marketing",
	"purchas",
	"procurement",
	"logisti",
	"kundendienst",
	"aussendienst",
	"innendienst",
	"projekt",
	"project",
	"produkt",
	"product",
	"recruit",
	"personalabteilung",
	"vertreter",
	"kauffrau",
	"kaufmännisch",
	"auszubild",
	"praktikant",
	"werkstudent",
	"redakteur",
	"redaktion",
	"journalist",
	"verantwortlich",
)


_JOB_WORDS = frozenset(
	"""head chief lead senior junior vice president präsident vp svp evp ceo cfo cto coo cmo cio cso cpo
	owner partner managing general team teamlead office customer key hr it legal counsel operations
	intern trainee buyer seller sales quality qualität qm qa chairman chairwoman chair board associate
	principal staff agent advisor adviser editor professor professorin finance finanzen accounting
	accounts geschäftsleitung""".split()
)


# --- organisation ----------------------------------------------------------------------------------
_LEGAL_FORMS = (
	r"(?:GmbH|AG|SE)\s?&\s?Co\.?\s?(?:KGaA|KG|OHG)",
	r"UG\s?\(haftungsbeschränkt\)(?:\s?&\s?Co\.?\s?KG)?",
	r"gGmbH",
	r"(?i:gmbh)",
	r"GesmbH",
	r"mbH",
	r"KGaA",
	r"AG",
	r"KG",
	r"OHG",
	r"oHG",
	r"UG",
	r"e\.\s?(?:K|Kfm|Kfr|V|G)\.",
	r"eG",
	r"GbR",
	r"PartG(?:\s?mbB)?",
	r"PartGmbB",
	r"SE",
	r"(?:Pty|Pte|Co\.,?)\s?(?i:ltd)\.?",
	r"(?i:ltd)\.?",
	r"(?i:limited)",
	r"(?i:inc)\.?",
	r"(?i:llc)",
	r"L\.L\.C\.",
	r"LLP",
	r"(?i:plc)",
	r"(?i:corp)\.?",
	r"Corporation",
	r"&\s?(?:Co|Cie)\.?",
	r"S\.A\.S\.",
	r"S\.A\.",
	r"SA",
	r"SAS",
	r"S\.L\.(?:U\.)?",
	r"B\.V\.",
	r"BV",
	r"N\.V\.",
	r"NV",
	r"S\.r\.l\.",
	r"S\.R\.L\.",
	r"Srl",
	r"S\.p\.A\.",
	r"SpA",
	r"Sp\.\s?z\s?o\.\s?o\.",
	r"A/S",
	r"ApS",
	r"AB",
	r"Oyj?",
	r"SARL",
	r"S\.\u00e0\s?r\.l\.",
	r"s\.r\.o\.",
	r"a\.s\.",
	r"Kft\.",
	r"Zrt\.",
	r"d\.o\.o\.",
	r"K\.K\.",
)


_GENERIC_SLDS = frozenset("co com org net ac gov edu or ne gv ltd plc gob nic".split())


_FREEMAIL = frozenset(
	"""gmail googlemail gmx web t-online outlook hotmail live msn yahoo icloud me mac aol posteo
	mailbox protonmail proton freenet arcor vodafone online email mail yandex zoho""".split()
)


_MOBILE_LABELS = frozenset("mobiltelefon mobilfunk mobile mobil handy cellphone cell natel mob m".split())


_NOT_A_WEBSITE = (
	"linkedin.",
	"xing.",
	"facebook.",
	"fb.",
	"twitter.",
	"x.com",
	"instagram.",
	"youtube.",
	"youtu.be",
	"tiktok.",
	"t.me",
	"wa.me",
	"whatsapp.",
	"aka.ms",
	"maps.",
	"goo.gl",
	"bit.ly",
	"calendly.",
	"teams.microsoft",
	"zoom.us",
)
