"""The package's layers only point down and form no cycle (docs/architecture.md):

1 mailbox (IMAP, MIME, addresses; Frappe-free) → 2 sync engine (Frappe-free) → 3 infra (locks, rows,
lock-conflict retry, jobs, chunks, connection settings) → 4 permissions (the read rule) →
4.5 live (telling the readers of changed mail: the rule's readers, used by the features below) →
5 storage | filing | actions | search | retention (none imports another) → 6 ingest | views | create_from_mail | integrity →
7 accounts (orchestration: sync, health, schedule) | transfer (import, export) | compliance (erasure, purge) → 8 the Frappe surface (api, tasks, commands,
events, hooks, install, overrides, patches, DocType controllers).

Every import counts, also one inside a function: hiding an upward import there hides a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crm_mail_archive"

LAYERS = {
	"mailbox": 1,
	"sync": 2,
	"infra": 3,
	"permissions": 4,
	"live": 4.5,
	"storage": 5,
	"filing": 5,
	"actions": 5,
	"search": 5,
	"ingest": 6,
	"views": 6,
	"create_from_mail": 6,
	"integrity": 6,
	"accounts": 7,
	"transfer": 7,
	"retention": 5,
	"compliance": 7,
}
SURFACE = 8  # everything else: api, tasks, commands, events, hooks, install, overrides, patches, doctypes
FRAPPE_FREE = ("mailbox", "sync")


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


def test_the_protocol_and_sync_layers_know_nothing_of_frappe():
	for name, path in modules().items():
		if component(name) in FRAPPE_FREE:
			tree = ast.parse(path.read_text(encoding="utf-8"))
			for node in ast.walk(tree):
				if isinstance(node, ast.Import):
					assert not any(alias.name.split(".")[0] == "frappe" for alias in node.names), name
				if isinstance(node, ast.ImportFrom) and node.module:
					assert node.module.split(".")[0] != "frappe", name


def test_the_installable_package_holds_no_test_harness():
	harness = {"dovecot", "soak", "tcp_proxy", "demo", "translations"}
	assert not [name for name in modules() if name.rsplit(".", 1)[-1] in harness]
	assert not (PACKAGE / "devtools").exists()


def test_no_test_imports_another_test_module():
	tests = Path(__file__).parent
	for path in tests.glob("test_*.py"):
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tests."):
				assert node.module in ("tests.support", "tests.malformed_corpus"), (path.name, node.module)


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
