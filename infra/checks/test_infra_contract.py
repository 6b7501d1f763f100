"""The Terraform of the analytics account deploys exactly what the pipeline needs.

Three things tie infra/modules/analytics-account to the Rust crates, and each breaks
silently at deploy time if it drifts: the `${<binary>_function_arn}` placeholders of the
committed state-machine/definition.asl.json must be exactly the variables the module
hands to templatefile (a missing one fails the apply, an extra one hides a renamed
state), each bound to its own function; every function of the table must be deployed;
and each must get every variable its handler requires (a missing one is an
InvalidConfig init error on the first execution). The table is functions.json,
generated from contract/src/functions.rs; the module derives its functions from it and
adds the variables' values and the permissions. A fourth tie is the failure
notification: no Task catches its errors (so that Redrive re-runs the failed task), so a
rule on the default bus must hand this state machine's FAILED, TIMED_OUT and ABORTED
status changes to the notify function, which alone may read their history. The module is evaluated with
module_eval.py (parsed HCL, sample inputs), not matched as text; the negative tests
evaluate broken copies and check the error is reported. The checks of the catalog and
delivery modes, the deployed definition and the packages are read from Terraform's own
plans instead (test_plan_contract.py); what is left here are the negative tests (a broken
module must fail) and the positive runs of the same checkers, which Terraform-based
versions would need one plan per broken copy for.

Run by scripts/check-infra.sh:
  .venv/bin/python -m unittest discover -s infra/checks -t infra/checks
"""

import copy
import fnmatch
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

from lark import Tree

import render_policies
from module_eval import ANALYTICS, BUCKET, FUNCTIONS_JSON, MODULES, NAME, PROD, REGION, REPO, EvalError, Module, function_table, placeholders, prod_callers

sys.path.insert(0, str(REPO / "scripts"))
import lambda_manifest  # noqa: E402  (scripts/ is not a package)

MODULE_DIR = MODULES / "analytics-account"
DEFINITION = REPO / "state-machine" / "definition.asl.json"
# The rendered definition of every config variant (state-machine/configs/*.toml), kept in
# step with the generator by the state-machine crate's snapshot tests.
SNAPSHOTS = REPO / "state-machine" / "tests" / "snapshots"


def variant_definitions():
    """{variant: definition text} of every committed snapshot (insta header stripped)."""
    out = {}
    for snap in sorted(SNAPSHOTS.glob("*.snap")):
        text = snap.read_text()
        out[snap.stem] = text[text.index("\n---\n", 3) + 5 :]
    return out


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


CALLBACK_RESOURCE = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def task_states(definition):
    """{state name: Resource} of every Task state, in nested branches and maps too."""
    out = {}

    def walk(machine):
        for name, state in machine.get("States", {}).items():
            if state.get("Type") == "Task":
                # A callback Task (lambda:invoke.waitForTaskToken) names its function in
                # Parameters.FunctionName.
                if state.get("Resource") == CALLBACK_RESOURCE:
                    out[name] = state.get("Parameters", {}).get("FunctionName")
                else:
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


# --- the failure notification (failure-events.tf) ---------------------------------------

NOTIFIER = "notify"
STATUS_CHANGE = "Step Functions Execution Status Change"
FAILED_STATUSES = {"FAILED", "TIMED_OUT", "ABORTED"}
HISTORY_ACTION = "states:GetExecutionHistory"


def blocks_of(module, rtype):
    return [block for (kind, t, _name), block in module.blocks.items() if kind == "resource" and t == rtype]


def on_default_bus(module, block):
    return "event_bus_name" not in block.body.attributes or module.attribute(block.body, "event_bus_name") == "default"


def failure_notification_problems(module):
    """What is wrong with the rule → notify wiring of failed executions (empty: none)."""
    problems = []
    machine = module.block("resource", "aws_sfn_state_machine", "this")
    machine_arn = module.instance_attr(machine, None, "arn")
    notify = module.block("resource", "aws_lambda_function", "this")
    notify_arn = module.instance_attr(notify, NOTIFIER, "arn")
    notify_name = module.instance_attr(notify, NOTIFIER, "function_name")

    rules = []
    for block in blocks_of(module, "aws_cloudwatch_event_rule"):
        # A schedule rule (the export sweep's) matches no events.
        if "event_pattern" not in block.body.attributes:
            continue
        pattern = json.loads(module.attribute(block.body, "event_pattern"))
        if pattern.get("source") == ["aws.states"]:
            rules.append((block, pattern))
    if len(rules) != 1:
        return [f"expected one event rule on source aws.states, found {len(rules)}"]
    rule, pattern = rules[0]
    where = rule.address()
    rule_name = module.instance_attr(rule, None, "name")
    rule_arn = module.instance_attr(rule, None, "arn")
    if not on_default_bus(module, rule):
        problems.append(f"{where} is not on the default bus (Step Functions sends status changes there only)")
    if set(pattern) != {"source", "detail-type", "detail"}:
        problems.append(f"{where}: pattern matches on {sorted(pattern)}, not source, detail-type and detail")
    if pattern.get("detail-type") != [STATUS_CHANGE]:
        problems.append(f"{where}: detail-type is {pattern.get('detail-type')}, not [{STATUS_CHANGE!r}]")
    detail = pattern.get("detail", {})
    if set(detail) != {"status", "stateMachineArn"}:
        problems.append(f"{where}: detail matches on {sorted(detail)}, not status and stateMachineArn")
    statuses = detail.get("status", [])
    if sorted(statuses) != sorted(FAILED_STATUSES):
        problems.append(f"{where}: statuses {statuses}, not {sorted(FAILED_STATUSES)}")
    if detail.get("stateMachineArn") != [machine_arn]:
        problems.append(f"{where}: stateMachineArn is {detail.get('stateMachineArn')}, not this state machine's [{machine_arn}]")

    # The functions the table triggers on status changes: notify (the failure event) and
    # export-slots (frees the stopped execution's slots).
    triggered = sorted(b for b, f in function_table().items() if "status-change" in f["triggers"])
    if NOTIFIER not in triggered:
        problems.append(f"functions.json does not trigger {NOTIFIER} on status-change")
    arns = {module.instance_attr(notify, b, "arn"): b for b in triggered}
    targets = [b for b in blocks_of(module, "aws_cloudwatch_event_target") if module.attribute(b.body, "rule") == rule_name]
    if len(targets) != len(triggered):
        problems.append(f"expected {len(triggered)} targets of {where} ({', '.join(triggered)}), found {len(targets)}")
    targeted = set()
    for target in targets:
        arn = module.attribute(target.body, "arn")
        if arn not in arns:
            problems.append(f"{target.address()} targets {arn}, not a function the table triggers on status-change ({', '.join(triggered)}; the {NOTIFIER} function is {notify_arn})")
        targeted.add(arns.get(arn))
        if not on_default_bus(module, target):
            problems.append(f"{target.address()} is not on the default bus, unlike its rule")
        if not module.nested(target.body, "retry_policy"):
            problems.append(f"{target.address()} has no retry_policy")
    for binary in triggered:
        if binary not in targeted:
            problems.append(f"no target of {where} invokes {binary}")

    for binary in triggered:
        name, arn = module.instance_attr(notify, binary, "function_name"), module.instance_attr(notify, binary, "arn")
        allowing = []
        for permission in blocks_of(module, "aws_lambda_permission"):
            if module.attribute(permission.body, "function_name") not in (name, arn):
                continue
            if module.attribute(permission.body, "principal") != "events.amazonaws.com":
                continue
            source = module.attribute(permission.body, "source_arn") if "source_arn" in permission.body.attributes else None
            # export-slots is also invoked by the sweep's schedule rule.
            if binary != NOTIFIER and source != rule_arn:
                continue
            allowing.append(permission)
            if module.attribute(permission.body, "action") != "lambda:InvokeFunction":
                problems.append(f"{permission.address()}: action is not lambda:InvokeFunction")
            if source != rule_arn:
                problems.append(f"{permission.address()}: source_arn is {source}, not {where} ({rule_arn})")
        if len(allowing) != 1:
            problems.append(f"expected one permission for events.amazonaws.com to invoke {binary} from {where}, found {len(allowing)}")
    return problems


def executions_arn(name):
    return f"arn:aws:states:{REGION}:{ANALYTICS}:execution:{name}:*"


def grants(action_patterns, action):
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in action_patterns)


def history_problems(module):
    """Who may read execution history, on what: notify only, this state machine's
    executions only (empty: as it should be)."""
    problems = []
    machine = module.block("resource", "aws_sfn_state_machine", "this")
    expected = executions_arn(module.attribute(machine.body, "name"))
    lambdas = module.block("data", "aws_iam_policy_document", "lambda")
    for kind, file_name, policy in render_policies.render(module):
        binary = file_name.removeprefix(f"{module.name}.lambda.").removesuffix(".json")
        is_notifier = file_name.startswith(f"{module.name}.lambda.") and binary == NOTIFIER
        granting = [s for s in policy["Statement"] if s["Effect"] == "Allow" and grants(s.get("Action", []), HISTORY_ACTION)]
        if not is_notifier:
            for s in granting:
                problems.append(f"{file_name} allows {HISTORY_ACTION} ({s.get('Sid', 'no Sid')}): only {NOTIFIER} may")
            continue
        if [s.get("Action") for s in granting] != [[HISTORY_ACTION]]:
            problems.append(f"{file_name}: expected one statement allowing exactly {HISTORY_ACTION}, found {[s.get('Action') for s in granting]}")
        for s in granting:
            if s.get("Resource") != [expected]:
                problems.append(f"{file_name}: {HISTORY_ACTION} on {s.get('Resource')}, not this state machine's executions [{expected}]")
    if not any(k == NOTIFIER for k, _ in module.instances(lambdas)):
        problems.append(f"no policy document of {NOTIFIER}")
    return problems


def broken_copy(directory, edit):
    """A copy of the analytics module with failure-events.tf edited (edit: text → text)."""
    target = Path(directory) / "analytics-account"
    shutil.copytree(MODULE_DIR, target)
    events = target / "failure-events.tf"
    text = events.read_text()
    changed = edit(text)
    assert changed != text, "the edit changed nothing"
    events.write_text(changed)
    return Module(target)


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
        # Every placeholder of the deployed definition needs a variable (templatefile
        # fails otherwise); the variables of functions a variant leaves out (CopyObjects
        # with share-key delivery...) are unused, but every one is some variant's.
        self.assertLessEqual(in_definition, in_module, f"placeholders without a templatefile variable: {sorted(in_definition - in_module)}")
        in_variants = set().union(*(placeholders(text) for text in variant_definitions().values()))
        # A function only a rule invokes (export-events) is in no definition.
        in_variants |= {f["placeholder"] for f in self.table.values() if not f["states"]}
        self.assertEqual(
            in_module,
            in_variants,
            "templatefile variables and the placeholders of the rendered variants differ:\n"
            f"  only in the module: {sorted(in_module - in_variants)}\n"
            f"  only in the variants: {sorted(in_variants - in_module)}",
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
        in_variants = {state for text in variant_definitions().values() for state in task_states(json.loads(text))}
        missing = sorted(set(by_state) - in_variants)
        self.assertEqual(missing, [], "states of functions.json that are not Task states of any rendered variant")

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
        # export_events on: the callback functions assume the prod role only then.
        cls.permissions = Module(MODULE_DIR, variables={"export_events": True}).local("function_permissions")

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


class FailureNotification(unittest.TestCase):
    """Failed executions reach notify through a status-change rule; notify alone reads history."""

    @classmethod
    def setUpClass(cls):
        cls.module = Module(MODULE_DIR)

    def test_the_status_change_rule_invokes_notify_for_this_state_machine(self):
        problems = failure_notification_problems(self.module)
        if problems:
            self.fail("infra/modules/analytics-account:\n  " + "\n  ".join(problems))

    def test_the_notifier_is_a_function_of_the_table(self):
        self.assertIn(NOTIFIER, function_table())

    def test_only_notify_reads_history_of_this_state_machine_only(self):
        problems = history_problems(self.module)
        if problems:
            self.fail("infra/modules/analytics-account:\n  " + "\n  ".join(problems))
        flags = {name: p["read_history"] for name, p in self.module.local("function_permissions").items()}
        self.assertEqual([name for name, on in flags.items() if on], [NOTIFIER])

    def test_the_history_permission_follows_the_state_machine_name(self):
        # Built from var.name (no dependency on the state machine); under another name it
        # must still name exactly the state machine's executions.
        module = Module(MODULE_DIR, variables={"name": "other-pipeline"})
        machine = module.block("resource", "aws_sfn_state_machine", "this")
        self.assertEqual(module.attribute(machine.body, "name"), "other-pipeline")
        self.assertEqual(module.local("executions_arn"), executions_arn("other-pipeline"))
        self.assertEqual(history_problems(module), [])

    def test_a_broken_wiring_is_reported(self):
        cases = {
            "the target is another function": (
                lambda t: t.replace('arn       = aws_lambda_function.this["notify"].arn', 'arn       = aws_lambda_function.this["normalize"].arn'),
                "not a function the table triggers on status-change",
            ),
            "the permission names the snapshot rule": (
                lambda t: t.replace("source_arn    = aws_cloudwatch_event_rule.execution_failed.arn", "source_arn    = aws_cloudwatch_event_rule.this.arn"),
                "source_arn is arn:aws:events:us-east-1:222222222222:rule/snapshot-export-this",
            ),
            "ABORTED is left out": (
                lambda t: t.replace('status          = ["FAILED", "TIMED_OUT", "ABORTED"]', 'status          = ["FAILED", "TIMED_OUT"]'),
                "statuses ['FAILED', 'TIMED_OUT']",
            ),
            "the rule is on the pipeline's bus": (
                lambda t: t.replace("  name        = \"${var.name}-execution-failed\"\n", "  name        = \"${var.name}-execution-failed\"\n  event_bus_name = aws_cloudwatch_event_bus.this.name\n"),
                "is not on the default bus",
            ),
            "the pattern names another state machine": (
                lambda t: t.replace("stateMachineArn = [aws_sfn_state_machine.this.arn]", 'stateMachineArn = ["arn:aws:states:us-east-1:222222222222:stateMachine:other"]'),
                "not this state machine's",
            ),
        }
        for case, (edit, expected) in cases.items():
            with self.subTest(case), tempfile.TemporaryDirectory() as tmp:
                problems = failure_notification_problems(broken_copy(tmp, edit))
                self.assertTrue(any(expected in p for p in problems), f"{case}: {problems}")

    def test_history_for_another_function_or_state_machine_is_reported(self):
        permissions = copy.deepcopy(self.module.local("function_permissions"))
        permissions["check-export"]["read_history"] = True
        problems = history_problems(Module(MODULE_DIR, local_values={"function_permissions": permissions}))
        self.assertEqual(problems, [f"analytics-account.lambda.check-export.json allows {HISTORY_ACTION} (ReadExecutionHistory): only notify may"])
        wide = Module(MODULE_DIR, local_values={"executions_arn": f"arn:aws:states:{REGION}:{ANALYTICS}:execution:*"})
        self.assertRegex("\n".join(history_problems(wide)), r"notify\.json: states:GetExecutionHistory on \['arn:aws:states:[^]]*:execution:\*'\], not this state machine's")


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


class CopyDelivery(unittest.TestCase):
    """delivery = "copy": the export lands in a prod staging bucket and the prod copier role
    (assumed by copy-objects only) copies it into the analytics bucket under an analytics
    key, so no analytics principal can use the prod key; the copier is the only writer
    under the export prefix, and nothing deletes."""

    PROD_DIR = MODULES / "prod-account"
    COPIER = f"arn:aws:iam::{PROD}:role/{NAME}-copier"
    STAGING = f"{NAME}-export-staging-{PROD}"
    COPY_CALLER = f"arn:aws:iam::{ANALYTICS}:role/{NAME}-copy-objects"
    COPY_DEFINITION = SNAPSHOTS / "copy-delivery.snap"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        # The copy variant's definition, as an operator renders it for definition_path.
        cls.definition = Path(cls.tmp.name) / "copy.asl.json"
        cls.definition.write_text(variant_definitions()["copy-delivery"])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def analytics(self, delivery="copy", **variables):
        copy = {"staging_bucket_name": self.STAGING, "prod_copier_role_arn": self.COPIER, "definition_path": str(self.definition)} if delivery == "copy" else {}
        return Module(MODULE_DIR, variables={"delivery": delivery, **copy, **variables})

    def prod(self, delivery="copy"):
        extra = {"analytics_copier_caller_role_arns": [self.COPY_CALLER]} if delivery == "copy" else {}
        return Module(self.PROD_DIR, variables={"delivery": delivery, **extra})

    @staticmethod
    def policies(module):
        return {name.removeprefix(f"{module.name}.").removesuffix(".json"): policy for _kind, name, policy in render_policies.render(module)}

    @staticmethod
    def analytics_principals(statement):
        """The analytics-account principals a statement names or matches."""
        found = []
        for ids in (statement.get("Principal") or {}).values() if isinstance(statement.get("Principal"), dict) else []:
            found += [i for i in ids if f":{ANALYTICS}:" in i]
        for test in (statement.get("Condition") or {}).values():
            for variable, values in test.items():
                if variable.lower() == "aws:principalarn":
                    found += [v for v in ([values] if isinstance(values, str) else values) if f":{ANALYTICS}:" in v]
        return found

    def test_a_copy_set_up_with_the_wrong_definition_or_ownership_fails_the_plan(self):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = str(write_packages(tmp, function_table(), "x86_64"))
            machine = ("resource", "aws_sfn_state_machine", "this")
            ok = self.analytics(lambda_manifest_path=manifest)
            self.assertEqual(ok.precondition_failures(ok.block(*machine)), [])
            wrong = self.analytics(lambda_manifest_path=manifest, definition_path=str(DEFINITION))
            failures = wrong.precondition_failures(wrong.block(*machine))
            self.assertEqual(len(failures), 1, failures)
            self.assertIn("copy-delivery.toml", failures[0][1])
            share = self.analytics("share-key", lambda_manifest_path=manifest, definition_path=str(self.definition))
            self.assertEqual(len(share.precondition_failures(share.block(*machine))), 1)
        owner = self.analytics(object_ownership="ObjectWriter")
        failures = owner.precondition_failures(owner.block("resource", "aws_s3_bucket_ownership_controls", "this"))
        self.assertEqual(len(failures), 1, failures)
        self.assertIn("BucketOwnerEnforced", failures[0][1])


if __name__ == "__main__":
    unittest.main()
