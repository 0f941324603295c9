"""The package's layers only point down and form no cycle (docs/architecture.md):

1 mailbox (IMAP, MIME, addresses; Frappe-free) → 2 sync engine (Frappe-free) → 3 infra (locks, rows,
lock-conflict retry, jobs, chunks, connection settings) → 4 permissions (the read rule) →
4.5 live (telling the readers of changed mail: the rule's readers, used by the features below) →
5 storage | filing | actions | search | retention | privacy (none imports another) → 5.5 document_numbers
(filing by document number) → 6 ingest | views | prefill | integrity →
7 accounts (orchestration: sync, health, schedule) | transfer (import, export) | compliance (erasure, purge) | compose (answers from the desk) → 8 the Frappe surface (api, tasks, commands,
events, hooks, install, overrides, patches, DocType controllers).

Every import counts, also one inside a function: hiding an upward import there hides a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGE = CHECKOUT / "crm_mail_archive"

LAYERS = {
	"mailbox": 1,
	"einvoice": 1,
	"isolation": 0.5,  # hostile input in a process of its own (the parsers' guard)
	"contracts": 1.5,
	"sync": 2,
	"infra": 3,
	"permissions": 4,
	"live": 4.5,
	"storage": 5,
	"filing": 5,
	"actions": 5,
	"search": 5,
	"document_numbers": 5.5,  # filing by document number: above filing and search, below ingest
	"ingest": 6,
	"views": 6,
	"prefill": 6,
	"integrity": 6,
	"accounts": 7,
	"transfer": 7,
	"retention": 5,
	"compliance": 7,
	"privacy": 5,
	"compose": 7,
}
SURFACE = 8  # everything else: api, tasks, commands, events, hooks, install, overrides, patches, doctypes
FRAPPE_FREE = ("mailbox", "sync", "contracts", "einvoice", "isolation")
# the signature reader is Frappe-free; prefill.create (the records made from it) is not
FRAPPE_FREE_MODULES = ("crm_mail_archive.prefill.",)
FRAPPE_MODULES_IN_FREE_ROOMS = (
	"crm_mail_archive.prefill.create",
	"crm_mail_archive.prefill.purchase_invoice",
	"crm_mail_archive.prefill.purchase_taxes",
)


def module_name(path: Path) -> str:
	parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
	return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
	return {
		module_name(path): path
		for path in PACKAGE.rglob("*.py")
		if "__pycache__" not in path.parts and "public" not in path.parts
	}


def component(module: str) -> str:
	"""The layer component a module belongs to: its first level below the package."""
	parts = module.split(".")
	return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
	if module.startswith(FRAPPE_FREE_MODULES) and module not in FRAPPE_MODULES_IN_FREE_ROOMS:
		return 1  # the signature reader imports nothing of the app: any room may read a mail's text
	return LAYERS.get(component(module), SURFACE)


def imports_of(path: Path, known: set[str]) -> set[str]:
	"""The package modules a module imports (anywhere in it), resolved to the deepest known one."""
	found = set()
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		names = []
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
			names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
		for name in names:
			while name and name not in known:
				name = name.rpartition(".")[0]
			if name and name.startswith("crm_mail_archive"):
				found.add(name)
	return found


def graph() -> dict[str, set[str]]:
	known = modules()
	return {name: imports_of(path, set(known)) - {name} for name, path in known.items()}


def test_imports_only_point_down():
	wrong = []
	for module, imported in graph().items():
		for target in imported:
			if target in ("crm_mail_archive",) or component(target) == component(module):
				continue  # the package itself (hooks) and a component's own modules
			if layer(target) >= layer(module) and layer(module) != SURFACE:
				wrong.append(f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})")
	assert wrong == []


def test_no_import_cycle():
	edges = graph()
	cycles = []
	state: dict[str, int] = {}  # 1: on the current path, 2: done

	def visit(module: str, path: list[str]) -> None:
		state[module] = 1
		for target in sorted(edges.get(module, ())):
			if state.get(target) == 1:
				cycles.append(" -> ".join([*path[path.index(target) :], target]))
			elif target not in state:
				visit(target, [*path, target])
		state[module] = 2

	for module in sorted(edges):
		if module not in state:
			visit(module, [module])
	assert cycles == []


def test_the_protocol_and_sync_layers_and_the_signature_reader_know_nothing_of_frappe():
	for name, path in modules().items():
		free = component(name) in FRAPPE_FREE or name.startswith(FRAPPE_FREE_MODULES)
		if free and name not in FRAPPE_MODULES_IN_FREE_ROOMS:
			tree = ast.parse(path.read_text(encoding="utf-8"))
			for node in ast.walk(tree):
				if isinstance(node, ast.Import):
					assert not any(alias.name.split(".")[0] == "frappe" for alias in node.names), name
				if isinstance(node, ast.ImportFrom) and node.module:
					assert node.module.split(".")[0] != "frappe", name


def test_features_never_import_the_api():
	"""api/ is the surface's adapter: it imports the features, never the other way round."""
	upward = [
		f"{module} imports {target}"
		for module, imported in graph().items()
		for target in imported
		if component(target) == "api" and layer(module) != SURFACE
	]
	assert upward == []


def test_the_installable_package_holds_no_test_harness():
	harness = {"dovecot", "soak", "tcp_proxy", "demo", "translations"}
	assert not [name for name in modules() if name.rsplit(".", 1)[-1] in harness]
	assert not (PACKAGE / "devtools").exists()


def test_no_test_imports_another_test_module_and_the_unit_level_imports_no_frappe():
	tests = CHECKOUT / "tests"
	for path in tests.rglob("test_*.py"):
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tests."):
				assert node.module.startswith(("tests.support", "tests.data")), (path.name, node.module)
	for path in [*(tests / "unit").rglob("*.py"), tests / "conftest.py"]:
		imported = top_level_imports(path)
		assert not {
			name for name in imported if name.split(".")[0] == "frappe" or name.startswith("tests.support")
		}, path.name


def test_tests_live_in_their_level():
	tests = CHECKOUT / "tests"
	assert not list(tests.glob("test_*.py")), "a test belongs to unit/, integration/, desk/ or security/"
	levels = {path.parent.name for path in tests.rglob("test_*.py")}
	assert levels <= {"unit", "integration", "desk", "security"}


def test_api_endpoints_keep_real_annotations():
	"""Frappe validates a request's arguments against the endpoint's annotations ("start=x" for an
	int answers 417): postponed (string) annotations would turn that into a 500."""
	postponed = [
		name
		for name, path in modules().items()
		if component(name) == "api"
		and any(
			isinstance(node, ast.ImportFrom) and node.module == "__future__"
			for node in ast.parse(path.read_text(encoding="utf-8")).body
		)
	]
	assert postponed == []


# --- the benchmark package (perf/, outside the installable package) -------------------------------

# perf's own layers: what a module may import of perf lies below it; the scenarios share what lies
# below them and never import one another; the runner picks scenarios, the entry points run it
PERF_LAYERS = {
	"perf.measure": 1,
	"perf.site": 1,
	"perf.processes": 1,
	"perf.scale_words": 1,
	"perf.scale_removal": 1,
	"perf.corpus": 2,
	"perf.scale_data": 2,
	"perf.table": 2,
	"perf.scenarios": 3,
	"perf.runner": 4,
	"perf.benchmark": 5,
	"perf.profile_import": 5,
}


def perf_modules() -> dict[str, Path]:
	return {
		".".join(path.relative_to(CHECKOUT).with_suffix("").parts).removesuffix(".__init__"): path
		for path in (CHECKOUT / "perf").rglob("*.py")
		if "__pycache__" not in path.parts
	}


def perf_layer(module: str) -> int:
	return next(
		(
			layer
			for prefix, layer in PERF_LAYERS.items()
			if module == prefix or module.startswith(f"{prefix}.")
		),
		0,  # perf/__init__.py: nothing but its docstring
	)


def top_level_imports(path: Path) -> set[str]:
	"""Every module a file imports (anywhere in it), as written."""
	found = set()
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		if isinstance(node, ast.Import):
			found.update(alias.name for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
			found.add(node.module)
	return found


def test_the_app_imports_nothing_of_the_harness():
	wrong = [
		f"{name} imports {target}"
		for name, path in modules().items()
		for target in top_level_imports(path)
		if target.split(".")[0] in ("perf", "devtools", "tests")
	]
	assert wrong == []


def test_the_benchmark_imports_only_point_down_and_never_a_test():
	wrong = []
	for name, path in perf_modules().items():
		for target in top_level_imports(path):
			if target.split(".")[0] == "tests":
				wrong.append(f"{name} imports {target}")
			elif target.split(".")[0] == "perf" and target != "perf":
				both_scenarios = name.startswith("perf.scenarios.") and target.startswith("perf.scenarios.")
				if perf_layer(target) >= perf_layer(name) or both_scenarios:
					wrong.append(
						f"{name} (layer {perf_layer(name)}) imports {target} (layer {perf_layer(target)})"
					)
	assert wrong == []


def test_the_benchmark_runs_as_a_package_without_path_edits():
	"""`python -m perf.benchmark` with the checkout on PYTHONPATH: no module edits sys.path."""
	assert (CHECKOUT / "perf" / "__init__.py").exists()
	assert (CHECKOUT / "perf" / "scenarios" / "__init__.py").exists()
	editing = [
		name
		for name, path in perf_modules().items()
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
		if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys"
	]
	assert editing == []


def test_the_benchmark_modules_stay_small():
	"""No benchmark module over 500 lines, no function over 80."""
	too_long = []
	for name, path in perf_modules().items():
		text = path.read_text(encoding="utf-8")
		if len(text.splitlines()) > 500:
			too_long.append(f"{name}: {len(text.splitlines())} lines")
		for node in ast.walk(ast.parse(text)):
			if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
				length = node.end_lineno - node.lineno + 1
				if length > 80:
					too_long.append(f"{name}.{node.name}: {length} lines")
	assert too_long == []


def test_no_module_of_the_app_is_over_500_lines():
	long = {
		name: length
		for name, path in modules().items()
		if (length := len(path.read_text(encoding="utf-8").splitlines())) > 500
	}
	assert long == {}
