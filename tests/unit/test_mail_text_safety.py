"""Mail values are text, never markup: header values are stored inert, attachment names are safe
file names, a Content-ID is a key and never HTML, and one hostile mail cannot make a fetch batch
unbounded. Unit tests of the pure functions (no site, no IMAP)."""

import html

import pytest
from bs4 import BeautifulSoup

from crm_mail_archive.infra.text import header_text, inert_text
from crm_mail_archive.storage.content import safe_file_name, safe_mail_html, shown_html, valid_content_id
from crm_mail_archive.sync.engine import Batch, FetchLimits, batches

HOSTILE_HEADERS = [
	"<img src=x onerror=alert(1)>",
	"<script>alert(1)</script>",
	"Angebot <svg/onload=alert(1)>",
	'"><img src=x onerror=alert(1)>',
	"</div><img src=x onerror=alert(1)>",
	"<!--><img src=x onerror=alert(1)>-->",
	"<?xml><img src=x onerror=alert(1)>",
	"<img src=x onerror=alert(1)",  # unclosed: a tag once something follows it in a template
]


@pytest.mark.parametrize("value", HOSTILE_HEADERS)
def test_a_hostile_header_value_opens_no_tag_wherever_it_is_placed_as_html(value):
	stored = inert_text(value)
	for template in ("{}", "<div>{}</div>", "<span>{}</span><b>after</b>", "<td>{}</td>"):
		soup = BeautifulSoup(template.format(stored), "html.parser")
		assert not soup.find_all(["img", "svg", "script"]), (value, template)
		assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
	# shown as HTML, the stored value reads as the header did
	assert html.unescape(stored) == value


@pytest.mark.parametrize(
	"value",
	["Angebot Nr. 4711", "Preis < 100 EUR", "AW: Angebot -> Bestellung", 'Das "Sommerangebot"', "R&D", ""],
)
def test_ordinary_header_text_is_stored_as_it_is(value):
	assert inert_text(value) == value


def test_a_header_is_kept_as_its_text_only_control_characters_become_spaces():
	assert (
		header_text("<img src=x onerror=alert(1)> Angebot & mehr")
		== "<img src=x onerror=alert(1)> Angebot & mehr"
	)
	assert header_text("Angebot\x00\x1b[31m rot") == "Angebot  [31m rot"


def test_control_characters_in_a_header_become_spaces():
	assert inert_text("Angebot\x00\x1b[31m rot") == "Angebot  [31m rot"


@pytest.mark.parametrize(
	("name", "expected"),
	[
		("Angebot 2026.pdf", "Angebot 2026.pdf"),
		("../../etc/passwd", "_.._etc_passwd"),
		("<img src=x onerror=alert(1)>.pdf", "_img src=x onerror=alert(1)_.pdf"),
		('Rechnung "März".xlsx', "Rechnung _März_.xlsx"),
		("a\x00b\nc.txt", "a b c.txt"),
		("C:\\Users\\x.doc", "C__Users_x.doc"),
		("...", "attachment"),
		("", "attachment"),
	],
)
def test_attachment_names_are_safe_file_names(name, expected):
	assert safe_file_name(name) == expected


def test_a_long_attachment_name_keeps_its_extension():
	name = safe_file_name("x" * 400 + ".pdf")
	assert len(name) == 140 and name.endswith(".pdf")


@pytest.mark.parametrize(
	("value", "expected"),
	[
		("part1.4711@mail.example", "part1.4711@mail.example"),
		("<image001.png@01D9>", "image001.png@01D9"),
		('y" onerror="alert(4)', None),
		("a b", None),
		("<x>y</x>", None),
		("", None),
		(None, None),
	],
)
def test_only_a_well_formed_content_id_is_a_key(value, expected):
	assert valid_content_id(value) == expected


def test_cid_images_stay_cid_when_stored_and_point_at_the_part_when_shown_inside_the_parsed_tree():
	body = '<p>Logo:</p><img src="cid:logo@x"><img src="cid:missing@x"><img src="https://t.example/p.gif">'
	stored = safe_mail_html(body, {"logo@x"})
	result = BeautifulSoup(stored, "html.parser").find_all("img")
	assert result[0]["src"] == "cid:logo@x"  # the mail's own reference: no file named in stored HTML
	assert "src" not in result[1].attrs  # no such part: nothing to load
	assert "src" not in result[2].attrs and result[2]["data-mail-archive-src"] == "https://t.example/p.gif"
	shown = BeautifulSoup(
		shown_html(
			stored + '<p class="mail-archive-attachment-note">Hinweis</p>', {"LOGO@x": "/api/x?a=1&b=2"}
		),
		"html.parser",
	)
	images = shown.find_all("img")
	assert images[0]["src"] == "/api/x?a=1&b=2"  # (Content-IDs compare without case)
	assert images[2]["data-mail-archive-src"] == "https://t.example/p.gif"  # still held back
	assert shown.find("p", class_="mail-archive-attachment-note").text == "Hinweis"


def test_a_content_id_cannot_break_out_of_the_src_attribute():
	content_id = 'y" style="x" onerror="alert(4)'
	body = f'<img src="cid:{html.escape(content_id)}">'
	result = safe_mail_html(body, {content_id: "/private/files/evil.png"})
	soup = BeautifulSoup(result, "html.parser")
	(image,) = soup.find_all("img")
	assert set(image.attrs) <= {"alt"}, image.attrs
	assert "onerror" not in result


def test_mail_links_open_outside_the_desk_and_mail_ids_are_dropped():
	result = BeautifulSoup(
		safe_mail_html('<a href="https://x.example" id="frappe">x</a><p id="page-Customer">y</p>'),
		"html.parser",
	)
	link = result.find("a")
	assert link["target"] == "_blank" and "noopener" in link["rel"]
	assert not result.find_all(id=True)


def test_batches_are_cut_by_count_and_by_bytes_and_an_oversized_mail_goes_alone_as_headers():
	limits = FetchLimits(count=3, max_bytes=1000, max_mail_size=5000)
	sizes = {1: 100, 2: 100, 3: 100, 4: 100, 5: 900, 6: 200, 7: 9000, 8: 1500, 9: 10}
	assert list(batches(sorted(sizes), sizes, limits)) == [
		Batch([1, 2, 3]),
		Batch([4, 5]),  # 4 + 5 = 1000 bytes: the cap is reached, not passed
		Batch([6]),
		Batch([7], headers_only=True),  # over the mail size cap
		Batch([8]),  # over the batch cap alone: fetched alone
		Batch([9]),
	]


def test_every_uid_is_in_exactly_one_batch_in_order():
	sizes = {uid: (uid * 7919) % 3000 for uid in range(1, 500)}
	limits = FetchLimits(count=10, max_bytes=5000, max_mail_size=2900)
	found = [uid for batch in batches(sorted(sizes), sizes, limits) for uid in batch.uids]
	assert found == sorted(sizes)
	for batch in batches(sorted(sizes), sizes, limits):
		assert len(batch.uids) <= 10
		assert len(batch.uids) == 1 or sum(sizes[uid] for uid in batch.uids) <= 5000


def test_an_original_is_stored_without_its_saved_attachments_and_read_back_byte_for_byte():
	import base64
	import os

	from crm_mail_archive.storage import originals

	pdf, image = os.urandom(120_000), os.urandom(30_000)
	parts = {"/f/a.pdf": pdf, "/f/b.png": image}
	text = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nhello\r\n--b\r\n\r\n"
	raw = (
		text
		+ originals.encoded(pdf, 76, b"\r\n", True)
		+ b"--b\r\n\r\n"
		+ base64.encodebytes(image)  # another encoder: LF line ends
		+ b"--b--\r\n"
	)
	stored = originals.skeleton(
		raw, [originals.SavedPart(pdf, "/f/a.pdf"), originals.SavedPart(image, "/f/b.png")]
	)
	assert len(stored) < len(raw) * 0.1  # both attachments cut out, the rest compressed
	assert originals.original(stored, parts.__getitem__) == raw


def test_an_attachment_encoded_in_a_way_we_cannot_repeat_stays_in_the_skeleton():
	from crm_mail_archive.storage import originals

	content = b"x" * 5_000
	odd = originals.encoded(content, 76, b"\r\n", True).replace(b"\r\n", b" \r\n")  # trailing blanks
	raw = b"Subject: y\r\n\r\n" + odd
	stored = originals.skeleton(raw, [originals.SavedPart(content, "/f/x")])
	assert originals.original(stored, lambda url: content) == raw


def test_an_original_kept_whole_by_an_earlier_version_is_read_as_it_is():
	from crm_mail_archive.storage import originals

	assert originals.original(b"Subject: alt\r\n\r\nText", lambda url: b"") == b"Subject: alt\r\n\r\nText"
