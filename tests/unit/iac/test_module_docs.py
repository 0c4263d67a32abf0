"""Each Terraform module's README has inputs/outputs tables equal to its variables.tf and outputs.tf."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.iac import module_docs
from harness.paths import repo_root

MODULES = repo_root() / "terraform" / "modules"


def test_every_module_has_a_readme_with_current_tables() -> None:
    names = [m.name for m in module_docs.modules()]
    assert set(names) == {p.name for p in MODULES.iterdir() if p.is_dir()}
    assert module_docs.stale() == [], "run: python -m harness.iac.module_docs --write"


def test_each_variable_and_output_appears_once_in_its_readme() -> None:
    for module in module_docs.modules():
        inputs, outputs = (module / "README.md").read_text(encoding="utf-8").split("## Outputs")
        for v in module_docs.variables(module):
            assert inputs.count(f"| `{v.name}` | `") == 1, (module.name, v.name)
        for o in module_docs.outputs(module):
            assert outputs.count(f"| `{o.name}` | ") == 1, (module.name, o.name)


@pytest.fixture
def stack_copy(tmp_path: Path) -> Path:
    shutil.copytree(MODULES, tmp_path / "terraform" / "modules")
    assert module_docs.stale(tmp_path) == []
    return tmp_path


def test_a_new_variable_makes_the_readme_stale(stack_copy: Path) -> None:
    variables = stack_copy / "terraform" / "modules" / "query" / "variables.tf"
    variables.write_text(
        variables.read_text(encoding="utf-8")
        + '\nvariable "extra" {\n  description = "New."\n  type        = map(string)\n  default = {\n'
        + '    a = "{"\n  }\n}\n',
        encoding="utf-8",
    )
    assert module_docs.stale(stack_copy) == [variables.parent / "README.md"]
    assert module_docs.variables(variables.parent)[-1] == module_docs.Variable(
        "extra", "map(string)", '{a = "{"}', "New."
    )


def test_a_changed_description_or_removed_output_makes_the_readme_stale(stack_copy: Path) -> None:
    outputs = stack_copy / "terraform" / "modules" / "catalog" / "outputs.tf"
    text = outputs.read_text(encoding="utf-8")
    outputs.write_text(text[: text.index('output "table_names"')], encoding="utf-8")
    variables = stack_copy / "terraform" / "modules" / "audit" / "variables.tf"
    variables.write_text(
        variables.read_text(encoding="utf-8").replace("Home region of the trail.", "Region."),
        encoding="utf-8",
    )
    assert module_docs.stale(stack_copy) == [variables.parent / "README.md", outputs.parent / "README.md"]


def test_a_missing_readme_is_stale_and_missing_markers_are_an_error(stack_copy: Path) -> None:
    pipeline = stack_copy / "terraform" / "modules" / "pipeline"
    (pipeline / "README.md").unlink()
    assert module_docs.stale(stack_copy) == [pipeline / "README.md"]
    (pipeline / "README.md").write_text("# pipeline\n", encoding="utf-8")
    with pytest.raises(module_docs.ModuleDocsError, match="markers"):
        module_docs.stale(stack_copy)


def test_a_variable_without_description_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text('variable "x" {\n  type = string\n}\n', encoding="utf-8")
    with pytest.raises(module_docs.ModuleDocsError, match="description"):
        module_docs.variables(tmp_path)
