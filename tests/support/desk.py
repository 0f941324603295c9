"""The browser: a logged-in page, a form's button-group menu, the import dialog's result."""

from __future__ import annotations


def logged_in_page(browser, web_server: str, user: tuple[str, str], locale: str = "en-US"):
	"""A new browser context logged in as (email, password), and a page in it."""
	context = browser.new_context(viewport={"width": 1400, "height": 900}, locale=locale)
	email_address, password = user
	response = context.request.post(
		f"{web_server}/api/method/login", form={"usr": email_address, "pwd": password}
	)
	assert response.ok, response.text()
	return context.new_page()


def menu_item(page, group: str, label: str):
	"""An item of a form's button group, its menu open. The form may re-render its buttons after
	loading (stock and app scripts add them): the menu is opened again until the item shows."""
	from urllib.parse import quote

	item = page.locator(".inner-group-button .dropdown-menu a:visible", has_text=label).first
	for _attempt in range(4):
		page.locator(f".inner-group-button[data-label='{quote(group)}'] button:visible").first.click()
		try:
			item.wait_for(timeout=7_500)
			return item
		except Exception:  # the menu was re-rendered under the click: open it again
			page.keyboard.press("Escape")
	return item


def import_result(page, attempts: int = 20):
	"""The import dialog's result, once the import job has run (the test's burst worker, asked
	again until the result shows)."""
	from tests.support.bench import run_background_jobs

	result = page.locator(".mail-import-result")
	for _attempt in range(attempts):
		run_background_jobs()
		try:
			result.wait_for(timeout=3_000)
			break
		except Exception:
			continue
	return result


def german_catalog() -> None:
	"""This checkout's German catalog, compiled and cached for the site."""
	from frappe.gettext.translate import compile_translations
	from frappe.translate import clear_cache, get_all_translations

	compile_translations("crm_mail_archive", "de", force=True)
	clear_cache()
	assert get_all_translations("de")["Import Mail"] == "E-Mails importieren"


def close_dialogs(page) -> None:
	"""Close every open dialog by its close button (a result, and a progress dialog that may still
	be fading out), and wait until none is shown."""
	for _attempt in range(10):
		close = page.locator(".modal.show .btn-modal-close:visible")
		if not close.count():
			break
		close.first.click()
		page.wait_for_timeout(500)
	page.wait_for_function("() => !document.querySelector('.modal.show')", timeout=15_000)
