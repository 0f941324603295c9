"""The desk code is one bundle: hooks.py names it once, it imports every desk script (the scripts
that must follow stock's own form or list script aside: Frappe loads those after it), and the
markup the scripts write carries no inline styles (they live in the SCSS bundle)."""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "crm_mail_archive"
BUNDLE = APP / "public" / "js" / "crm_mail_archive.bundle.js"


def hook(name: str):
	for node in ast.parse((APP / "hooks.py").read_text(encoding="utf-8")).body:
		if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
			return ast.literal_eval(node.value)
	return None


def test_hooks_name_the_bundle_once_and_no_script_one_by_one():
	assert hook("app_include_js") == ["crm_mail_archive.bundle.js"]
	assert hook("app_include_css") == ["crm_mail_archive.bundle.css"]
	assert hook("page_js") is None
	assert hook("doctype_js") == {
		"Communication": ["public/js/communication_form.js"],
		"Email Account": ["public/js/email_account.js"],
	}
	assert hook("doctype_list_js") == {"Communication": ["public/js/communication_list.js"]}


def test_the_bundle_imports_every_desk_script():
	imported = set(re.findall(r'^import "\./([\w.]+)";$', BUNDLE.read_text(encoding="utf-8"), re.M))
	scripts = {path.name for path in BUNDLE.parent.glob("*.js") if not path.name.endswith(".bundle.js")}
	assert imported == scripts - {"communication_list.js", "communication_form.js", "email_account.js"}


def test_no_inline_styles_in_the_markup_of_the_desk_scripts():
	scripts = [*(APP / "public" / "js").glob("*.js"), *(APP / "crm_mail_archive").rglob("*.js")]
	styled = [path.name for path in scripts if "style=" in path.read_text(encoding="utf-8")]
	assert styled == []
