"""The words of the synthetic archive at scale (perf.scale_data): a German and English vocabulary
of some thousands of words drawn with a Zipf distribution, as mail text is, and rare words planted
at known counts. Frappe-free and deterministic.

Rank 1 is the most frequent word. The first ranks are function words (several of them on
InnoDB's stopword list, as in real mail), then business words: "Rechnung" (rank 20) is in about
a quarter of the mails, "Lieferung" (rank 25) in about a fifth; the long tail is compounds.
No word of the vocabulary starts with a planted rare word or a sender domain's word (the
search matches words as prefixes), so their hits are exactly the planted ones.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left

FUNCTION_WORDS = (
	"und die der Sie wir the and you Ihre bitte mit für auf nicht ist Ihnen your please will"
).split()
BUSINESS = (
	"Rechnung Angebot Anfrage Bestellung Termin Lieferung Preis Menge Auftrag Vertrag "
	"Gutschrift Reklamation Ersatzteil Wartung Projekt Abnahme Skonto Zahlung Versand Spedition "
	"Muster Qualität Zeichnung Rahmenvertrag Liefertermin Lager Kunde Lieferant Artikel Rabatt "
	"invoice order delivery quote meeting contract payment shipment price quantity support "
	"request account report schedule project update question answer attached regards thanks"
).split()
GERMAN_STEMS = (
	"Achse Bau Beleg Blech Bohr Dicht Draht Druck Eisen Ende Farbe Feder Filter Folie Form Fracht "
	"Fräs Gehäuse Gewinde Glas Griff Guss Haken Halter Holz Hülse Kabel Kante Karton Kette Kleb "
	"Klemme Kolben Kopf Kugel Lack Lauf Leder Leiste Linse Loch Mantel Maß Messing Motor Mutter "
	"Nadel Naht Netz Niet Nut Öl Papier Pappe Pinsel Platte Profil Pumpe Rad Rahmen Ring Rohr "
	"Rolle Sand Schaft Schale Scheibe Schlauch Schloss Schraube Schutz Sieb Spule Stahl Stange "
	"Stift Stoff Stück Teil Tür Ventil Walze Wand Welle Werk Winkel Zahn Zange Zapfen Zylinder"
).split()
GERMAN_ENDS = (
	"teil preis liste menge nummer lager prüfung lieferung bestellung zeichnung muster auftrag "
	"kosten datum art größe form satz fabrik halter schutz werk"
).split()
ENGLISH = (
	"able about above accept access action active actual address advance advice agency agent "
	"agree allow almost alone along already also amount annual another apply approve area around "
	"arrive article aspect assume audit author available average award balance bank base basic "
	"batch before begin behalf belong below benefit best better between bill board body bonus "
	"book branch brand brief bring budget build business buyer call capital card care carrier "
	"case cash catalog cause center certain chain change charge check choice claim class clear "
	"client close code column comment common company compare complete concern confirm connect "
	"consider contact content continue control copy corner cost country course cover credit "
	"current custom damage data date deadline deal debit decide default define degree demand "
	"depot design detail develop device direct discount dispatch display document domestic draft "
	"early effect effort email enclosed energy enough entry equal error estimate event exact "
	"example exchange expect expense export extra factory fair feature figure file final finance "
	"first fiscal fixed follow format forward freight full fund future general goods grant group "
	"guide handle happy header height help hold holiday hours import include income index inform "
	"input inside install insurance interest internal issue item journal label language large "
	"later launch layout lead learn ledger legal length letter level license limit line link list "
	"local logistics loss maintain manage manual margin market master material matter measure "
	"member memo message method minimum minute model month motion network notice number object "
	"offer office online open option origin outside owner package page pallet paper partner "
	"party pending period permit person phone place plan point policy portal position possible "
	"post power prepare present print priority process produce product profit proof proposal "
	"purchase purpose quality quarter range rate reason receipt record reduce refund region "
	"register reject release remind remote repair replace request require reserve resource result "
	"retail return review revise right route sales sample scope season second section secure "
	"select seller send series service session settle share sheet ship short sign simple single "
	"size source special staff stage standard start state status stock store strategy subject "
	"submit supply survey system table target task team term test text ticket total track trade "
	"training transfer travel trial truck type unit urgent usage valid value vendor version volume "
	"warehouse warranty weekly weight welcome window within work write yearly"
).split()

# the planted rare words: (filed at the big Customer, filed at other Customers, in a Private
# account's mail filed at the big Customer); the benchmark and the tests know these hit counts
RARE_WORDS = {
	"Zollplombe": (5, 10, 0),
	"Quarzsandfilter": (1, 2, 0),
	"Kupferlackdraht": (40, 60, 0),
	"Geheimrezeptur": (0, 0, 4),
}
COMMON_WORD = "Rechnung"
SECOND_COMMON_WORD = "Lieferung"
VOCABULARY_SIZE = 6000
ZIPF_EXPONENT = 1.0


def vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
	"""`size` words in rank order: function words, business words, then German compounds and
	English words interleaved (deterministic)."""
	head = FUNCTION_WORDS + BUSINESS
	compounds = [stem + end for stem, end in itertools.product(GERMAN_STEMS, GERMAN_ENDS)]
	tail_words = compounds + [f"{a}{b}" for a, b in itertools.product(ENGLISH[:60], ENGLISH[60:120])]
	random.Random(27).shuffle(tail_words)
	words = list(dict.fromkeys(head + ENGLISH + tail_words))
	forbidden = (*tuple(word.lower() for word in RARE_WORDS), "kunde0", "kunde1", "extern0")
	words = [word for word in words if not word.lower().startswith(forbidden)]
	if len(words) < size:
		raise ValueError(f"the vocabulary has {len(words)} words, fewer than {size}")
	return words[:size]


class ZipfWords:
	"""Words drawn with probability ∝ 1 / rank ** exponent."""

	def __init__(self, size: int = VOCABULARY_SIZE, exponent: float = ZIPF_EXPONENT):
		self.words = vocabulary(size)
		weights = [1 / rank**exponent for rank in range(1, size + 1)]
		self.cumulative = list(itertools.accumulate(weights))

	def draw(self, rng: random.Random, count: int) -> list[str]:
		return rng.choices(self.words, cum_weights=self.cumulative, k=count)

	def rank(self, word: str) -> int:
		return self.words.index(word) + 1

	def probability(self, word: str) -> float:
		"""How likely one drawn word is `word`."""
		index = self.words.index(word)
		previous = self.cumulative[index - 1] if index else 0.0
		return (self.cumulative[index] - previous) / self.cumulative[-1]


def body_length(rng: random.Random) -> int:
	"""Words in a mail's text: log-normal around 60, from 10 to 400."""
	return int(min(400, max(10, rng.lognormvariate(4.1, 0.6))))


def weighted_index(cumulative: list[float], rng: random.Random) -> int:
	return bisect_left(cumulative, rng.random() * cumulative[-1])
