"""The Terraform of the analytics account deploys exactly what the pipeline needs.

Three things tie infra/modules/analytics-account to the Rust crates, and each breaks
silently at deploy time if it drifts: the `${<binary>_function_arn}` placeholders of the
committed state-machine/definition.asl.json must be exactly the variables the module
hands to templatefile (a missing one fails the apply, an extra one hides a renamed
state), each bound to its own function; every function of the table must be deployed;
and each must get every variable its handler requires (a missing one is an
InvalidConfig init error on the first execution). The table is functions.json,
generated from contract/src/functions.rs; the module derives its functions from it and
adds the variables' values and the permissions. The module is evaluated with
module_eval.py (parsed HCL, sample inputs), not matched as text; the negative tests
evaluate broken copies and check the error is reported.

Run by scripts/check-infra.sh:
  .venv/bin/python -m unittest discover -s infra/checks -t infra/checks
"""

import base64
import copy
import hashlib
import json
import sys
import tempfile
import unittest
from pathlib import Path

from lark import Tree

from module_eval import FUNCTIONS_JSON, MODULES, REPO, EvalError, Module, function_table, placeholders, prod_callers

sys.path.insert(0, str(REPO / "scripts"))
import lambda_manifest  # noqa: E402  (scripts/ is not a package)

MODULE_DIR = MODULES / "analytics-account"
DEFINITION = REPO / "state-machine" / "definition.asl.json"


# --- what the checks read -----------------------------------------------------------------


def templatefile_variables(module):
    """The variables object of the module's one templatefile(...) call, evaluated."""
    calls = []

    def visit(node):
        if isinstance(node, Tree):
            if node.data == "function_call" and str(node.children[0].children[0]) == "templatefile":
                calls.append(node)
            for child in node.children:
                visit(child)

    def visit_body(body):
        for expression in body.attributes.values():
            visit(expression)
        for block in body.blocks:
            visit_body(block.body)

    for block in module.blocks.values():
        visit_body(block.body)
    for expression, _file in module.local_nodes.values():
        visit(expression)
    if len(calls) != 1:
        raise AssertionError(f"expected exactly one templatefile(...) call in the module, found {len(calls)}")
    args = calls[0].children[1].children
    return module.evaluate(args[1])


def task_states(definition):
    """{state name: Resource} of every Task state, in nested branches and maps too."""
    out = {}

    def walk(machine):
        for name, state in machine.get("States", {}).items():
            if state.get("Type") == "Task":
                out[name] = state.get("Resource")
            for branch in state.get("Branches", []):
                walk(branch)
            for key in ("Iterator", "ItemProcessor"):
                if key in state:
                    walk(state[key])

    walk(definition)
    return out


def function_arn(module, binary):
    return module.instance_attr(module.block("resource", "aws_lambda_function", "this"), binary, "arn")


# --- the function checks (shared with the negative tests) ---------------------------------


def env_problems(binary, spec, env):
    """What is wrong with one function's environment (name → value) against its spec."""
    problems = []
    for name in spec["required_env"]:
        if name not in env:
            problems.append(f"{binary}: required variable {name} is not set")
        elif env[name] is None:
            problems.append(f"{binary}: required variable {name} is null")
    for name in env:
        if name not in spec["required_env"] + spec["optional_env"]:
            problems.append(f"{binary}: sets {name}, which its handler does not read (typo?)")
    return problems


def env_values_problems(table, env_values):
    """What is wrong with the module's one map of variable values against the table."""
    problems = []
    read = {name for spec in table.values() for name in spec["required_env"] + spec["optional_env"]}
    for binary, spec in table.items():
        for name in spec["required_env"]:
            if name not in env_values:
                problems.append(f"{binary}: required variable {name} is not set in local.env_values")
            elif env_values[name] is None:
                problems.append(f"{binary}: required variable {name} is null in local.env_values")
        for name in spec["optional_env"]:
            if name not in env_values:
                problems.append(f"{binary}: variable {name} has no entry in local.env_values (null leaves it unset)")
    for name in sorted(set(env_values) - read):
        problems.append(f"local.env_values sets {name}, which no function reads (typo?)")
    return problems


def check_functions(module, table):
    """Problems of the module's Lambda functions against the table (empty: none)."""
    problems = env_values_problems(table, module.local("env_values"))
    if problems:
        # The functions' environments come from env_values: evaluating them would only
        # repeat these problems less precisely.
        return problems
    lambdas = module.block("resource", "aws_lambda_function", "this")
    instances = dict(module.instances(lambdas))
    for missing in sorted(set(table) - set(instances)):
        problems.append(f"function {missing} of functions.json is not deployed (aws_lambda_function.this)")
    for extra in sorted(set(instances) - set(table)):
        problems.append(f"aws_lambda_function.this has {extra}, which is not in functions.json")
    for binary, spec in table.items():
        if binary not in instances:
            continue
        names = {"each": instances[binary]}
        try:
            environments = module.nested(lambdas.body, "environment", names)
            env = {}
            for body, env_names in environments:
                env.update(module.attribute(body, "variables", env_names))
            description = module.attribute(lambdas.body, "description", names)
            timeout = module.attribute(lambdas.body, "timeout", names)
        except EvalError as e:
            problems.append(f"{binary}: {e}")
            continue
        problems.extend(env_problems(binary, spec, env))
        for name, value in env.items():
            if value != module.local("env_values").get(name):
                problems.append(f"{binary}: {name} is {value!r}, not its value in local.env_values")
        if description != spec["description"]:
            problems.append(f"{binary}: description {description!r} is not the table's {spec['description']!r}")
        if timeout != spec["timeout_seconds"]:
            problems.append(f"{binary}: timeout {timeout} is not the table's {spec['timeout_seconds']}")
    return problems


def write_packages(directory, table, architecture, contents=None):
    """Fake zips for every function of the table and their manifest; returns its path."""
    for binary in table:
        zip_path = Path(directory) / binary / "bootstrap.zip"
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        zip_path.write_bytes((contents or {}).get(binary, f"zip of {binary} for {architecture}".encode()))
    return lambda_manifest.write_manifest(FUNCTIONS_JSON, architecture, directory)


# --- tests --------------------------------------------------------------------------------


class DefinitionWiring(unittest.TestCase):
    """The definition's placeholders, the templatefile variables and the table agree."""

    @classmethod
    def setUpClass(cls):
        cls.table = function_table()
        cls.module = Module(MODULE_DIR)
        cls.text = DEFINITION.read_text()

    def test_definition_placeholders_are_the_templatefile_variables(self):
        variables = templatefile_variables(self.module)
        in_module = set(variables)
        in_definition = placeholders(self.text)
        self.assertTrue(in_definition, f"{DEFINITION} has no ${{...}} placeholders")
        self.assertEqual(
            in_module,
            in_definition,
            "templatefile variables and definition placeholders differ:\n"
            f"  only in the module: {sorted(in_module - in_definition)}\n"
            f"  only in the definition: {sorted(in_definition - in_module)}",
        )
        from_table = {f["placeholder"] for f in self.table.values()}
        self.assertEqual(in_module, from_table, "the templatefile variables are not one per function of functions.json")
        # Each placeholder gets the ARN of its own function, not a neighbour's.
        for binary, spec in self.table.items():
            self.assertEqual(
                variables[spec["placeholder"]],
                function_arn(self.module, binary),
                f"templatefile variable {spec['placeholder']} is not the ARN of aws_lambda_function.this[{binary!r}]",
            )

    def test_every_placeholder_of_the_definition_belongs_to_a_function(self):
        known = {f["placeholder"] for f in self.table.values()}
        unknown = sorted(placeholders(self.text) - known)
        self.assertEqual(unknown, [], f"placeholders of {DEFINITION.name} that no function of functions.json has")

    def test_each_placeholder_is_named_after_its_binary(self):
        for binary, spec in self.table.items():
            self.assertEqual(spec["placeholder"], f"{binary.replace('-', '_')}_function_arn", binary)

    def test_task_states_call_the_function_the_table_names(self):
        tasks = task_states(json.loads(self.text))
        by_placeholder = {f["placeholder"]: binary for binary, f in self.table.items()}
        by_state = {state: binary for binary, f in self.table.items() for state in f["states"]}
        for state, resource in tasks.items():
            self.assertIn(state, by_state, f"Task state {state} is not in any function's states in functions.json")
            binary = by_placeholder.get(resource.removeprefix("${").removesuffix("}"))
            self.assertEqual(binary, by_state[state], f"Task state {state} has Resource {resource}")
        missing = sorted(set(by_state) - set(tasks))
        self.assertEqual(missing, [], "states of functions.json that are not Task states of the definition")

    def test_the_rendered_definition_calls_each_function_by_its_arn(self):
        # templatefile as Terraform runs it: a placeholder without a variable is an error.
        machine = self.module.block("resource", "aws_sfn_state_machine", "this")
        rendered = json.loads(self.module.attribute(machine.body, "definition"))
        by_state = {state: binary for binary, f in self.table.items() for state in f["states"]}
        for state, resource in task_states(rendered).items():
            self.assertEqual(resource, function_arn(self.module, by_state[state]), state)

    def test_placeholders_are_read_from_the_definition_text(self):
        found = placeholders('{"A": {"Resource": "${normalize_function_arn}"}, "B": "${notify_function_arn}", "C": "${notify_function_arn}", "D": "$${not_one}"}')
        self.assertEqual(found, {"normalize_function_arn", "notify_function_arn"})


class FunctionDeployment(unittest.TestCase):
    """Every function of the table is deployed with its description, timeout and variables."""

    def test_every_function_is_deployed_with_its_required_environment(self):
        problems = check_functions(Module(MODULE_DIR), function_table())
        if problems:
            self.fail("infra/modules/analytics-account:\n  " + "\n  ".join(problems))

    def test_a_missing_or_misspelled_variable_is_reported(self):
        table = {"start-export": function_table()["start-export"]}
        hcl = """
            locals {
              function_table = jsondecode(file("${path.module}/functions.json")).functions
              shared         = { PROD_ROLE_ARN = "arn" }
              env_values     = merge(local.shared, { EXPORT_BUCKET = "b", EXPORT_KMS_KEY_ARN = null, EXPORT_PREFX = "p" })
              functions = {
                for name, f in local.function_table : name => {
                  env = { for k in concat(f.required_env, f.optional_env) : k => local.env_values[k] }
                }
              }
            }
        """
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "functions.json").write_text(json.dumps({"functions": table}))
            (Path(tmp) / "main.tf").write_text(hcl)
            problems = check_functions(Module(tmp), table)
        message = "\n".join(problems)
        for expected in (
            "start-export: required variable EXPORT_ROLE_ARN is not set",
            "start-export: required variable EXPORT_KMS_KEY_ARN is null",
            "sets EXPORT_PREFX, which no function reads",
        ):
            self.assertIn(expected, message)
        for correct in ("EXPORT_BUCKET", "PROD_ROLE_ARN"):
            self.assertNotRegex(message, rf"\b{correct}\b", "a correctly set variable was reported")

    def test_a_variable_set_by_hand_is_reported(self):
        # The environment must be the table's names with env_values' values, nothing else.
        env = {"CRAWLER_NAME": "c", "EXPORT_BUCKET": "b"}
        problems = env_problems("start-crawler", function_table()["start-crawler"], env)
        self.assertEqual(problems, ["start-crawler: sets EXPORT_BUCKET, which its handler does not read (typo?)"])

    def test_a_required_variable_left_null_fails_the_plan(self):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = write_packages(tmp, function_table(), "arm64")
            module = Module(MODULE_DIR, variables={"lambda_manifest_path": str(manifest), "prod_kms_key_arn": None})
            failures = module.precondition_failures(module.block("resource", "aws_lambda_function", "this"))
        requiring = [b for b, f in function_table().items() if "EXPORT_KMS_KEY_ARN" in f["required_env"]]
        self.assertTrue(requiring)
        self.assertEqual([address for address, _ in failures], [f"aws_lambda_function.this[{json.dumps(b)}]" for b in sorted(requiring)])


class Permissions(unittest.TestCase):
    """The permissions map, kept in Terraform, names exactly the table's functions."""

    @classmethod
    def setUpClass(cls):
        cls.table = function_table()
        cls.permissions = Module(MODULE_DIR).local("function_permissions")

    def test_every_function_has_permissions_and_no_other(self):
        self.assertEqual(sorted(self.permissions), sorted(self.table))

    def test_the_functions_that_assume_the_prod_role_are_the_ones_reading_PROD_ROLE_ARN(self):
        # The example and render_policies.py derive the prod module's caller list this way.
        assuming = sorted(name for name, p in self.permissions.items() if p["assume_prod"])
        self.assertEqual(assuming, sorted(prod_callers(self.table)))

    def test_a_function_without_permissions_fails_the_plan(self):
        left_out = list(self.table)[-1]
        partial = {k: v for k, v in self.permissions.items() if k != left_out}
        module = Module(MODULE_DIR, local_values={"function_permissions": partial})
        with self.assertRaisesRegex(EvalError, left_out):
            module.local("functions")

    def test_permissions_for_a_function_not_in_the_table_fail_the_plan(self):
        extra = {**copy.deepcopy(self.permissions), "retired": next(iter(self.permissions.values()))}
        with tempfile.TemporaryDirectory() as tmp:
            manifest = write_packages(tmp, self.table, "x86_64")
            module = Module(MODULE_DIR, variables={"lambda_manifest_path": str(manifest)}, local_values={"function_permissions": extra})
            failures = module.precondition_failures(module.block("resource", "aws_sfn_state_machine", "this"))
        self.assertEqual(len(failures), 1, failures)
        self.assertIn("retired", failures[0][1])


class Packages(unittest.TestCase):
    """The functions' code, architecture and hash come from the packaging manifest."""

    def setUp(self):
        self.table = function_table()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.dir = Path(self.tmp.name)

    def module(self, manifest):
        return Module(MODULE_DIR, variables={"lambda_manifest_path": str(manifest)})

    def failures(self, module):
        return [
            message
            for name in (("aws_lambda_function", "this"), ("aws_sfn_state_machine", "this"))
            for _, message in module.precondition_failures(module.block("resource", *name))
        ]

    def test_architecture_zip_and_hash_come_from_the_manifest(self):
        for architecture in ("arm64", "x86_64"):
            with self.subTest(architecture=architecture):
                manifest = write_packages(self.dir / architecture, self.table, architecture)
                module = self.module(manifest)
                lambdas = module.block("resource", "aws_lambda_function", "this")
                instances = dict(module.instances(lambdas))
                self.assertEqual(sorted(instances), sorted(self.table))
                for binary, each in instances.items():
                    names = {"each": each}
                    zip_path = manifest.parent / binary / "bootstrap.zip"
                    digest = base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode()
                    self.assertEqual(module.attribute(lambdas.body, "architectures", names), [architecture])
                    self.assertEqual(Path(module.attribute(lambdas.body, "filename", names)).resolve(), zip_path.resolve())
                    self.assertEqual(module.attribute(lambdas.body, "source_code_hash", names), digest)
                self.assertEqual(self.failures(module), [])

    def test_the_old_inputs_are_gone(self):
        # One source for the architecture: no input of the module may set it apart from the manifest.
        variables = Module(MODULE_DIR).variable_blocks
        for old in ("lambda_architecture", "lambda_package_dir"):
            self.assertNotIn(old, variables)
        self.assertIn("lambda_manifest_path", variables)

    def test_a_manifest_without_a_function_fails_the_plan(self):
        manifest = write_packages(self.dir, self.table, "arm64")
        doc = json.loads(manifest.read_text())
        left_out = list(self.table)[-1]
        del doc["functions"][left_out]
        manifest.write_text(json.dumps(doc))
        failures = self.failures(self.module(manifest))
        self.assertEqual(len(failures), 2, failures)
        self.assertIn(f"has no package of {left_out}", failures[0])
        self.assertRegex(failures[1], f"packages .*, but functions.json has .*{left_out}")

    def test_a_manifest_with_another_function_fails_the_plan(self):
        manifest = write_packages(self.dir, self.table, "arm64")
        doc = json.loads(manifest.read_text())
        doc["functions"]["retired"] = next(iter(doc["functions"].values()))
        manifest.write_text(json.dumps(doc))
        failures = self.failures(self.module(manifest))
        self.assertEqual(len(failures), 1, failures)
        self.assertIn("retired", failures[0])

    def test_a_zip_changed_after_the_manifest_fails_the_plan(self):
        manifest = write_packages(self.dir, self.table, "x86_64")
        rebuilt = list(self.table)[0]
        (self.dir / rebuilt / "bootstrap.zip").write_bytes(b"rebuilt for another architecture")
        failures = self.failures(self.module(manifest))
        self.assertEqual(len(failures), 1, failures)
        self.assertIn(f"{rebuilt}'s zip is missing or changed", failures[0])

    def test_an_unknown_architecture_fails_the_plan(self):
        manifest = write_packages(self.dir, self.table, "x86_64")
        doc = json.loads(manifest.read_text())
        doc["architecture"] = "x86-64"
        manifest.write_text(json.dumps(doc))
        failures = self.failures(self.module(manifest))
        self.assertEqual(len(failures), len(self.table), failures)
        self.assertIn("architecture must be arm64 or x86_64", failures[0])


if __name__ == "__main__":
    unittest.main()
