"""Evaluates the expressions of a Terraform module offline, for the infra checks.

`terraform plan` needs providers and credentials; these checks need neither. This reads a
module's .tf files with the HCL parser checkov already installs (bc-python-hcl2, whose
Lark parse tree is used: its dict output flattens expressions back into text) and
evaluates expressions as Terraform would, with sample inputs: variables from SAMPLE_VARS
(or the caller's) or their defaults, data sources and resource attributes as placeholder
values (two fake accounts, one Region). Only the constructs and functions the modules use
are implemented; anything else raises EvalError naming it, so a new construct is not
skipped unchecked.

This is the repository's one HCL evaluator: render_policies.py renders the IAM policy
documents with it, test_infra_contract.py checks the analytics module against
functions.json and the state machine definition with it.
"""

import base64
import hashlib
import json
import os
import re
from pathlib import Path

from hcl2.parser import Hcl2
from lark import Token, Tree

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / "infra" / "modules"
# The function table, generated from contract/src/functions.rs.
FUNCTIONS_JSON = MODULES / "analytics-account" / "functions.json"

PROD = "111111111111"
ANALYTICS = "222222222222"
REGION = "us-east-1"
NAME = "snapshot-export"
BUCKET = "example-exports"

# The account each module is applied in.
MODULE_ACCOUNT = {"prod-account": PROD, "analytics-account": ANALYTICS}


class EvalError(Exception):
    pass


def function_table(path=FUNCTIONS_JSON):
    """The `functions` map of functions.json: binary → description, placeholder, env..."""
    return json.loads(Path(path).read_text())["functions"]


def prod_callers(table):
    """The functions that assume the prod role: those whose handler reads PROD_ROLE_ARN."""
    return [name for name, f in table.items() if "PROD_ROLE_ARN" in f["required_env"] + f["optional_env"]]


def role(account, suffix):
    return f"arn:aws:iam::{account}:role/{NAME}-{suffix}"


# Sample inputs for the variables without a usable default (and the optional lists, set
# non-empty so the statements and variables they enable are evaluated too).
SAMPLE_VARS = {
    "name": NAME,
    "analytics_account_id": ANALYTICS,
    "prod_account_id": PROD,
    "analytics_bucket_name": BUCKET,
    "bucket_name": BUCKET,
    "analytics_event_bus_arn": f"arn:aws:events:{REGION}:{ANALYTICS}:event-bus/{NAME}",
    "analytics_lambda_role_arns": [role(ANALYTICS, f) for f in prod_callers(function_table())],
    "analytics_reader_role_arns": [role(ANALYTICS, "crawler"), f"arn:aws:iam::{ANALYTICS}:role/analyst"],
    "external_id": "example-external-id",
    "prod_role_external_id": "example-external-id",
    "source_kms_key_arns": [f"arn:aws:kms:{REGION}:{PROD}:key/22222222-2222-2222-2222-222222222222"],
    "prod_kms_key_arn": f"arn:aws:kms:{REGION}:{PROD}:key/11111111-1111-1111-1111-111111111111",
    "prod_export_role_arn": role(PROD, "export"),
    "prod_cross_account_role_arn": role(PROD, "cross-account"),
    "lambda_manifest_path": str(REPO / "target" / "lambda" / "manifest.json"),
    "db_identifiers": ["orders"],
    "snapshot_types": ["automated"],
}


def resource_attr(account, rtype, rname, key, attribute):
    """Placeholder value of a resource attribute (key: the for_each key, if any)."""
    a, r, p = account, REGION, NAME
    suffix = key or rname
    table = {
        ("aws_kms_key", "arn"): f"arn:aws:kms:{r}:{a}:key/00000000-0000-0000-0000-000000000000",
        ("aws_iam_role", "arn"): f"arn:aws:iam::{a}:role/{p}-{suffix}",
        ("aws_s3_bucket", "arn"): f"arn:aws:s3:::{BUCKET}",
        ("aws_s3_bucket", "id"): BUCKET,
        ("aws_glue_crawler", "arn"): f"arn:aws:glue:{r}:{a}:crawler/{p}-exports",
        ("aws_glue_catalog_database", "arn"): f"arn:aws:glue:{r}:{a}:database/snapshot_export",
        ("aws_glue_catalog_database", "name"): "snapshot_export",
        ("aws_cloudwatch_log_group", "arn"): f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{p}-{suffix}",
        ("aws_cloudwatch_event_bus", "arn"): f"arn:aws:events:{r}:{a}:event-bus/{p}",
        ("aws_cloudwatch_event_bus", "name"): p,
        # Named after the block's label, so that two rules have different placeholders.
        ("aws_cloudwatch_event_rule", "arn"): f"arn:aws:events:{r}:{a}:rule/{p}-{suffix}",
        ("aws_cloudwatch_event_rule", "name"): f"{p}-{suffix}",
        ("aws_sfn_state_machine", "arn"): f"arn:aws:states:{r}:{a}:stateMachine:{p}",
        ("aws_lambda_function", "arn"): f"arn:aws:lambda:{r}:{a}:function:{p}-{suffix}",
        ("aws_lambda_function", "function_name"): f"{p}-{suffix}",
    }
    if (rtype, attribute) not in table:
        raise EvalError(f"no placeholder for {rtype}.{rname}.{attribute}: add one to module_eval.resource_attr")
    return table[(rtype, attribute)]


def data_attr(account, dtype, attribute):
    """Placeholder value of a data source attribute."""
    table = {
        ("aws_caller_identity", "account_id"): account,
        ("aws_partition", "partition"): "aws",
        ("aws_region", "name"): REGION,
    }
    if (dtype, attribute) not in table:
        raise EvalError(f"no placeholder for data.{dtype}.{attribute}: add one to module_eval.data_attr")
    return table[(dtype, attribute)]


# --- parsing ------------------------------------------------------------------------------


def parse_hcl(text, origin):
    try:
        return Hcl2.lark_parser.parse(text + "\n")
    except Exception as e:  # Lark raises several exception types
        raise EvalError(f"{origin} is not valid HCL: {e}") from e


_EXPRESSIONS = {}


def parse_expression(src):
    """The parse tree of one expression (the inside of an interpolation)."""
    if src not in _EXPRESSIONS:
        tree = parse_hcl(f"__expression__ = {src}", f"expression {src!r}")
        attribute = tree.children[0].children[0]
        _EXPRESSIONS[src] = attribute.children[1]
    return _EXPRESSIONS[src]


def ident(node):
    return str(node.children[0])


class Body:
    """The attributes (name → expression) and blocks of a body, in source order."""

    def __init__(self, tree, file):
        self.file = file
        self.attributes = {}
        self.blocks = []
        for child in tree.children:
            if child.data == "attribute":
                self.attributes[ident(child.children[0])] = child.children[1]
            elif child.data == "block":
                labels = [str(c)[1:-1] if isinstance(c, Token) else ident(c) for c in child.children[1:-1]]
                self.blocks.append(Block(ident(child.children[0]), labels, Body(child.children[-1], file), file))


class Block:
    def __init__(self, type_, labels, body, file):
        self.type = type_
        self.labels = labels
        self.body = body
        self.file = file

    def address(self, key=None):
        prefix = "data." if self.type == "data" else ""
        return f"{prefix}{'.'.join(self.labels)}" + (f"[{json.dumps(key)}]" if key is not None else "")


# --- references ---------------------------------------------------------------------------


class Ref:
    """A value known by name: attributes, indexes and iteration resolve on demand."""

    what = "this value"

    def attr(self, name):
        raise EvalError(f"{self.what} has no attribute {name}")

    def index(self, key):
        raise EvalError(f"{self.what} cannot be indexed")

    def items(self):
        raise EvalError(f"{self.what} cannot be iterated")


class _Namespace(Ref):
    def __init__(self, what, resolve):
        self.what = what
        self._resolve = resolve

    def attr(self, name):
        return self._resolve(name)


class _Resource(Ref):
    """One resource or data block: indexed by its for_each keys."""

    def __init__(self, module, block):
        self.module = module
        self.block = block
        self.what = block.address()

    def _keys(self):
        if "for_each" not in self.block.body.attributes:
            return None
        return [k for k, _ in self.module.instances(self.block)]

    def attr(self, name):
        if self._keys() is not None:
            raise EvalError(f"{self.what} has for_each: index it before .{name}")
        return self.module.instance_attr(self.block, None, name)

    def index(self, key):
        keys = self._keys()
        if keys is None:
            raise EvalError(f"{self.what} has no for_each")
        if key not in keys:
            raise EvalError(f"{self.what} has no instance {key!r} (keys: {', '.join(keys)})")
        return _Instance(self.module, self.block, key)

    def items(self):
        keys = self._keys()
        if keys is None:
            raise EvalError(f"{self.what} has no for_each to iterate")
        return [(k, _Instance(self.module, self.block, k)) for k in keys]


class _Instance(Ref):
    def __init__(self, module, block, key):
        self.module = module
        self.block = block
        self.key = key
        self.what = block.address(key)

    def attr(self, name):
        return self.module.instance_attr(self.block, self.key, name)


# --- values -------------------------------------------------------------------------------


def get_attr(value, name):
    if isinstance(value, Ref):
        return value.attr(name)
    if isinstance(value, dict):
        if name not in value:
            raise EvalError(f"object has no attribute {name!r} (has: {', '.join(sorted(value))})")
        return value[name]
    raise EvalError(f"cannot read .{name} of {type_name(value)}")


def get_index(value, key):
    if isinstance(value, Ref):
        return value.index(key)
    if isinstance(value, dict):
        if key not in value:
            raise EvalError(f"Invalid index: no key {key!r} (keys: {', '.join(sorted(value))})")
        return value[key]
    if isinstance(value, list):
        if not isinstance(key, int) or not 0 <= key < len(value):
            raise EvalError(f"Invalid index {key!r} into a list of {len(value)}")
        return value[key]
    raise EvalError(f"cannot index {type_name(value)}")


def iterate(value):
    """(key, value) pairs in Terraform's order: lists by index, maps and sets sorted."""
    if isinstance(value, Ref):
        return value.items()
    if isinstance(value, list):
        return list(enumerate(value))
    if isinstance(value, dict):
        return sorted(value.items())
    if isinstance(value, frozenset):
        return [(v, v) for v in sorted(value)]
    raise EvalError(f"cannot iterate over {type_name(value)}")


def type_name(value):
    return {str: "a string", bool: "a bool", int: "a number", float: "a number", list: "a list",
            dict: "an object", frozenset: "a set", type(None): "null"}.get(type(value), type(value).__name__)


def to_string(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise EvalError(f"cannot put {type_name(value)} into a string")


def _as_list(value):
    if isinstance(value, frozenset):
        return sorted(value)
    if not isinstance(value, list):
        raise EvalError(f"expected a list, got {type_name(value)}")
    return value


def _keys(m):
    if not isinstance(m, dict):
        raise EvalError(f"keys() of {type_name(m)}")
    return sorted(m)


def _coalesce(*args):
    for a in args:
        if a is not None and a != "":
            return a
    raise EvalError("coalesce: no non-null, non-empty argument")


def _merge(*maps):
    out = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise EvalError(f"merge of {type_name(m)}")
        out.update(m)
    return out


def _lookup(m, key, default):
    if not isinstance(m, dict):
        raise EvalError(f"lookup in {type_name(m)}")
    return m.get(key, default)


def _flatten(value):
    out = []
    for item in _as_list(value):
        out.extend(_flatten(item) if isinstance(item, (list, frozenset)) else [item])
    return out


def _length(value):
    if not isinstance(value, (str, list, dict, frozenset)):
        raise EvalError(f"length() of {type_name(value)}")
    return len(value)


def _one(value):
    value = _as_list(value)
    if len(value) > 1:
        raise EvalError(f"one() of a list of {len(value)}")
    return value[0] if value else None


def _replace(s, sub, rep):
    if len(sub) > 1 and sub.startswith("/") and sub.endswith("/"):
        return re.sub(sub[1:-1], rep.replace("$", "\\"), s)
    return s.replace(sub, rep)


def _file(path):
    try:
        return Path(path).read_text()
    except OSError as e:
        raise EvalError(f"file({path!r}): {e.strerror}") from e


def _filebase64sha256(path):
    try:
        return base64.b64encode(hashlib.sha256(Path(path).read_bytes()).digest()).decode()
    except OSError as e:
        raise EvalError(f"filebase64sha256({path!r}): {e.strerror}") from e


def _jsondecode(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise EvalError(f"jsondecode: {e}") from e


# Terraform's functions, as far as the modules call them in evaluated expressions.
FUNCTIONS = {
    "alltrue": lambda xs: all(_as_list(xs)),
    "anytrue": lambda xs: any(_as_list(xs)),
    "coalesce": _coalesce,
    "concat": lambda *ls: [x for lst in ls for x in _as_list(lst)],
    "contains": lambda coll, v: v in _as_list(coll),
    "dirname": lambda p: os.path.dirname(p) or ".",
    "distinct": lambda xs: list(dict.fromkeys(_as_list(xs))),
    "file": _file,
    "filebase64sha256": _filebase64sha256,
    "flatten": _flatten,
    "join": lambda sep, xs: sep.join(to_string(x) for x in _as_list(xs)),
    "jsondecode": _jsondecode,
    "jsonencode": lambda v: json.dumps(v, separators=(",", ":"), sort_keys=True),
    "keys": _keys,
    "length": _length,
    "lookup": _lookup,
    "lower": lambda s: s.lower(),
    "merge": _merge,
    # substr(s, offset, length), offset >= 0 (the only use: the staging bucket name).
    "substr": lambda s, offset, length: s[int(offset) :] if int(length) < 0 else s[int(offset) : int(offset) + int(length)],
    "one": _one,
    "replace": _replace,
    "setsubtract": lambda a, b: frozenset(_as_list(a)) - frozenset(_as_list(b)),
    "sort": lambda xs: sorted(_as_list(xs)),
    "strcontains": lambda s, sub: sub in s,
    "toset": lambda xs: frozenset(_as_list(xs)),
    "tostring": lambda v: None if v is None else to_string(v),
    "tolist": _as_list,
    "upper": lambda s: s.upper(),
    "values": lambda m: [m[k] for k in _keys(m)],
}

# Binary operators by precedence (HCL's, highest last); the parser's grammar has none.
PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def _number(v, op):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise EvalError(f"operator {op} on {type_name(v)}")
    return v


def _binary(op, a, b):
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op in ("&&", "||"):
        if not isinstance(a, bool) or not isinstance(b, bool):
            raise EvalError(f"operator {op} on {type_name(a)} and {type_name(b)}")
        return (a and b) if op == "&&" else (a or b)
    a, b = _number(a, op), _number(b, op)
    return {
        "<": lambda: a < b, ">": lambda: a > b, "<=": lambda: a <= b, ">=": lambda: a >= b,
        "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b, "%": lambda: a % b,
    }[op]()


# --- templates ----------------------------------------------------------------------------


def _skip_string(text, i):
    """Index after the quoted string starting at text[i] (inside an interpolation)."""
    k = i + 1
    while k < len(text):
        if text[k] == "\\":
            k += 2
        elif text.startswith("${", k):
            k = _closing_brace(text, k + 2) + 1
        elif text[k] == '"':
            return k + 1
        else:
            k += 1
    raise EvalError(f"unterminated string in {text!r}")


def _closing_brace(text, start):
    depth, k = 1, start
    while k < len(text):
        c = text[k]
        if c == '"':
            k = _skip_string(text, k)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    raise EvalError(f"unclosed interpolation in {text!r}")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def split_template(text, escapes):
    """A template as ("literal", text) and ("expression", source) parts. escapes: the
    backslash sequences of a quoted string (a template file has none)."""
    parts, literal, i = [], [], 0
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            literal.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith("%{", i):
            raise EvalError(f"template directives (%{{...}}) are not supported: {text!r}")
        elif text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            if literal:
                parts.append(("literal", "".join(literal)))
                literal = []
            parts.append(("expression", text[i + 2 : end].strip()))
            i = end + 1
        elif escapes and text[i] == "\\":
            nxt = text[i + 1 : i + 2]
            if nxt in _ESCAPES:
                literal.append(_ESCAPES[nxt])
                i += 2
            elif nxt in ("u", "U"):
                width = 4 if nxt == "u" else 8
                literal.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                i += 2 + width
            else:
                raise EvalError(f"unknown escape \\{nxt} in {text!r}")
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append(("literal", "".join(literal)))
    return parts


def placeholders(text):
    """The names of the `${name}` placeholders of a template text (e.g. the definition)."""
    return {src for kind, src in split_template(text, escapes=False) if kind == "expression"}


# --- the module ---------------------------------------------------------------------------


class Module:
    """One module directory, parsed; evaluates its expressions with sample inputs.

    variables: values replacing SAMPLE_VARS; local_values: locals replaced by Python
    values (to try a broken configuration without editing the files)."""

    def __init__(self, directory, variables=None, local_values=None):
        self.dir = Path(directory).resolve()
        self.name = self.dir.name
        self.account = MODULE_ACCOUNT.get(self.name, ANALYTICS)
        self.variables = {**SAMPLE_VARS, **(variables or {})}
        self.local_values = dict(local_values or {})
        self.variable_blocks = {}
        self.local_nodes = {}
        self.blocks = {}  # ("resource" | "data", type, name) → Block, in source order
        files = sorted(self.dir.glob("*.tf"))
        if not files:
            raise EvalError(f"no .tf files in {self.dir}")
        for tf in files:
            body = Body(parse_hcl(tf.read_text(), tf.name).children[0], tf.name)
            for block in body.blocks:
                if block.type == "locals":
                    for name, node in block.body.attributes.items():
                        self.local_nodes[name] = (node, tf.name)
                elif block.type == "variable":
                    self.variable_blocks[block.labels[0]] = block
                elif block.type in ("resource", "data"):
                    self.blocks[(block.type, *block.labels)] = block
        self._local_cache = {}
        self._evaluating = []
        self._resource_types = {t for (kind, t, _n) in self.blocks if kind == "resource"}

    # --- named values -----------------------------------------------------------------

    def var(self, name):
        if name in self.variables:
            return self.variables[name]
        block = self.variable_blocks.get(name)
        if block is None:
            raise EvalError(f"unknown variable var.{name}")
        if "default" not in block.body.attributes:
            raise EvalError(f"var.{name} has no default: give it a sample value (module_eval.SAMPLE_VARS)")
        return self.evaluate(block.body.attributes["default"])

    def local(self, name):
        if name in self.local_values:
            return self.local_values[name]
        if name in self._local_cache:
            return self._local_cache[name]
        if name not in self.local_nodes:
            raise EvalError(f"unknown local.{name}")
        if name in self._evaluating:
            raise EvalError(f"local.{name} refers to itself: {' → '.join(self._evaluating)}")
        node, file = self.local_nodes[name]
        self._evaluating.append(name)
        try:
            value = self.evaluate(node)
        except EvalError as e:
            raise EvalError(f"{file}: local.{name}: {e}") from e
        finally:
            self._evaluating.pop()
        self._local_cache[name] = value
        return value

    def block(self, kind, type_, name):
        key = (kind, type_, name)
        if key not in self.blocks:
            raise EvalError(f"the module has no {kind} {type_}.{name}")
        return self.blocks[key]

    def instances(self, block):
        """[(key, each)] of a block: one (None, None) without for_each."""
        node = block.body.attributes.get("for_each")
        if node is None:
            if "count" in block.body.attributes:
                raise EvalError(f"{block.address()}: count is not supported")
            return [(None, None)]
        try:
            value = self.evaluate(node)
        except EvalError as e:
            raise EvalError(f"{block.file}: {block.address()}.for_each: {e}") from e
        if isinstance(value, frozenset):
            pairs = [(v, v) for v in sorted(value)]
        elif isinstance(value, dict):
            pairs = sorted(value.items())
        else:
            raise EvalError(f"{block.address()}: for_each must be a map or a set, got {type_name(value)}")
        return [(k, {"key": k, "value": v}) for k, v in pairs]

    def instance_attr(self, block, key, attribute):
        if block.type == "data":
            return data_attr(self.account, block.labels[0], attribute)
        return resource_attr(self.account, block.labels[0], block.labels[1], key, attribute)

    # --- blocks -------------------------------------------------------------------------

    def attribute(self, body, name, names=None):
        """The value of one attribute of a body (names: each, dynamic iterators...)."""
        if name not in body.attributes:
            raise EvalError(f"{body.file}: no attribute {name}")
        try:
            return self.evaluate(body.attributes[name], names)
        except EvalError as e:
            raise EvalError(f"{body.file}: {name}: {e}") from e

    def nested(self, body, type_, names=None):
        """[(body, names)] of the `type_` blocks of a body, `dynamic` ones expanded, in
        source order."""
        names = dict(names or {})
        out = []
        for block in body.blocks:
            if block.type == type_:
                out.append((block.body, names))
            elif block.type == "dynamic" and block.labels == [type_]:
                iterator = type_
                if "iterator" in block.body.attributes:
                    iterator = ident(block.body.attributes["iterator"].children[0])
                contents = [b for b in block.body.blocks if b.type == "content"]
                if len(contents) != 1:
                    raise EvalError(f"{body.file}: dynamic {type_!r} needs one content block")
                for key, value in iterate(self.attribute(block.body, "for_each", names)):
                    out.append((contents[0].body, {**names, iterator: {"key": key, "value": value}}))
        return out

    def precondition_failures(self, block):
        """[(address, error message)] of the block's lifecycle preconditions that are false."""
        failures = []
        for key, each in self.instances(block):
            names = {"each": each} if each else {}
            for lifecycle in block.body.blocks:
                if lifecycle.type != "lifecycle":
                    continue
                for body, _ in self.nested(lifecycle.body, "precondition"):
                    if self.attribute(body, "condition", names) is not True:
                        failures.append((block.address(key), self.attribute(body, "error_message", names)))
        return failures

    # --- expressions --------------------------------------------------------------------

    def evaluate(self, node, names=None):
        return self._ev(node, names or {})

    def _ev(self, node, names):
        if isinstance(node, Token):
            if node.type == "STRING_LIT":
                return self.template(str(node)[1:-1], names, escapes=True)
            raise EvalError(f"unexpected token {str(node)!r}")
        kind = node.data
        c = node.children
        if kind == "expr_term":
            if len(c) != 1:
                raise EvalError(f"unsupported expression {node}")
            return self._ev(c[0], names)
        if kind in ("binary_op", "conditional"):
            flat = []
            self._flatten(node, flat)
            tree, end = _parse_operators(flat, 0)
            if end != len(flat):
                raise EvalError("cannot parse the operators of an expression")
            return self._ev_operators(tree, names)
        if kind == "unary_op":
            op, value = str(c[0]), self._ev(c[1], names)
            if op == "!":
                if not isinstance(value, bool):
                    raise EvalError(f"! on {type_name(value)}")
                return not value
            return -_number(value, "-")
        if kind == "int_lit":
            return int("".join(str(t) for t in c))
        if kind == "float_lit":
            return float("".join(str(t) for t in c))
        if kind == "identifier":
            return self._name(ident(node), names)
        if kind == "tuple":
            return [self._ev(x, names) for x in c]
        if kind == "object":
            out = {}
            for elem in c:
                out[self._object_key(elem.children[0], names)] = self._ev(elem.children[-1], names)
            return out
        if kind == "function_call":
            args = c[1].children if len(c) > 1 else []
            return self._call(ident(c[0]), args, names)
        if kind == "get_attr_expr_term":
            return get_attr(self._ev(c[0], names), ident(c[1].children[0]))
        if kind == "index_expr_term":
            index = c[1].children
            key = int("".join(str(t) for t in index)) if isinstance(index[0], Token) else self._ev(index[0], names)
            return get_index(self._ev(c[0], names), key)
        if kind in ("for_tuple_expr", "for_object_expr"):
            return self._for(node, names)
        raise EvalError(f"unsupported construct {kind}: extend module_eval.py")

    def _name(self, name, names):
        if name in names:
            return names[name]
        if name in ("true", "false"):
            return name == "true"
        if name == "null":
            return None
        if name == "var":
            return _Namespace("var", self.var)
        if name == "local":
            return _Namespace("local", self.local)
        if name == "path":
            return {"module": str(self.dir), "root": str(self.dir), "cwd": os.getcwd()}
        if name == "data":
            return _Namespace("data", lambda t: _Namespace(f"data.{t}", lambda n: _Resource(self, self.block("data", t, n))))
        if name in self._resource_types:
            return _Namespace(name, lambda n: _Resource(self, self.block("resource", name, n)))
        raise EvalError(f"unknown name {name}")

    def _object_key(self, node, names):
        # A bare identifier is the key itself; a parenthesized expression is evaluated.
        if isinstance(node, Tree) and node.data == "identifier":
            return ident(node)
        if isinstance(node, Tree) and node.data == "expr_term" and isinstance(node.children[0], Tree) and node.children[0].data == "identifier":
            return ident(node.children[0])
        key = self._ev(node, names)
        if not isinstance(key, str):
            raise EvalError(f"object key {key!r} is not a string")
        return key

    def _call(self, name, arg_nodes, names):
        if name in ("try", "can"):
            for arg in arg_nodes:
                try:
                    value = self._ev(arg, names)
                    return True if name == "can" else value
                except EvalError:
                    continue
            if name == "can":
                return False
            raise EvalError("try: every argument failed")
        if name == "templatefile":
            path, variables = (self._ev(a, names) for a in arg_nodes)
            return self.templatefile(path, variables)
        if name not in FUNCTIONS:
            raise EvalError(f"function {name}() is not implemented: extend module_eval.FUNCTIONS")
        args = [self._ev(a, names) for a in arg_nodes]
        try:
            return FUNCTIONS[name](*args)
        except TypeError as e:
            raise EvalError(f"{name}(): {e}") from e

    def _for(self, node, names):
        c = node.children
        intro = c[1]
        iterators, collection, seen_in = [], None, False
        for part in intro.children:
            if isinstance(part, Token):
                seen_in = seen_in or str(part) == "in"
            elif part.data == "identifier" and not seen_in:
                iterators.append(ident(part))
            elif seen_in and collection is None:
                collection = part
        rest = [x for x in c[2:] if not (isinstance(x, Token) and str(x) in ("]", "}", "=>"))]
        cond = rest.pop() if rest and isinstance(rest[-1], Tree) and rest[-1].data == "for_cond" else None
        grouping = any(isinstance(x, Token) and str(x) == "..." for x in rest)
        rest = [x for x in rest if not isinstance(x, Token)]
        is_object = node.data == "for_object_expr"
        out = {} if is_object else []
        for key, value in iterate(self._ev(collection, names)):
            scope = dict(names)
            if len(iterators) == 2:
                scope[iterators[0]], scope[iterators[1]] = key, value
            else:
                scope[iterators[0]] = value
            if cond is not None:
                ok = self._ev(cond.children[-1], scope)
                if not isinstance(ok, bool):
                    raise EvalError(f"for condition is {type_name(ok)}, not a bool")
                if not ok:
                    continue
            if not is_object:
                out.append(self._ev(rest[0], scope))
                continue
            k, v = self._ev(rest[0], scope), self._ev(rest[1], scope)
            k = k if isinstance(k, str) else to_string(k)  # object keys are strings
            if grouping:
                out.setdefault(k, []).append(v)
            elif k in out:
                raise EvalError(f"for expression: duplicate key {k!r}")
            else:
                out[k] = v
        return out

    def _flatten(self, node, out):
        """binary_op and conditional nodes as one infix sequence: the grammar nests them
        to the right whatever the operators, so precedence is applied afterwards."""
        if isinstance(node, Tree) and node.data == "binary_op":
            self._flatten(node.children[0], out)
            term = node.children[1]
            out.append(("op", str(term.children[0].children[0])))
            self._flatten(term.children[1], out)
        elif isinstance(node, Tree) and node.data == "conditional":
            self._flatten(node.children[0], out)
            out.append(("op", "?"))
            self._flatten(node.children[1], out)
            out.append(("op", ":"))
            self._flatten(node.children[2], out)
        else:
            out.append(("operand", node))

    def _ev_operators(self, tree, names):
        if tree[0] == "operand":
            return self._ev(tree[1], names)
        if tree[0] == "conditional":
            cond = self._ev_operators(tree[1], names)
            if not isinstance(cond, bool):
                raise EvalError(f"condition is {type_name(cond)}, not a bool")
            return self._ev_operators(tree[2] if cond else tree[3], names)
        _, op, left, right = tree
        return _binary(op, self._ev_operators(left, names), self._ev_operators(right, names))

    def template(self, text, names, escapes):
        """A template: a single interpolation keeps its value's type, as in Terraform."""
        parts = split_template(text, escapes)
        if len(parts) == 1 and parts[0][0] == "expression":
            return self._ev(parse_expression(parts[0][1]), names)
        return "".join(src if kind == "literal" else to_string(self._ev(parse_expression(src), names)) for kind, src in parts)

    def templatefile(self, path, variables):
        """templatefile(): only the given variables are in scope, as in Terraform, so a
        placeholder without a variable is an error."""
        if not isinstance(variables, dict):
            raise EvalError(f"templatefile: variables must be an object, got {type_name(variables)}")
        text = _file(path)
        out = []
        for kind, src in split_template(text, escapes=False):
            if kind == "literal":
                out.append(src)
                continue
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", src):
                raise EvalError(f"templatefile {path}: only plain ${{name}} placeholders are supported, found ${{{src}}}")
            if src not in variables:
                raise EvalError(f"templatefile {path}: vars map does not contain key {src!r}")
            out.append(to_string(variables[src]))
        return "".join(out)


def _parse_operators(flat, pos):
    """Precedence climbing over _flatten's sequence: conditional lowest, then PRECEDENCE."""
    cond, pos = _parse_binary(flat, pos, 1)
    if pos < len(flat) and flat[pos] == ("op", "?"):
        then, pos = _parse_operators(flat, pos + 1)
        if pos >= len(flat) or flat[pos] != ("op", ":"):
            raise EvalError("conditional without ':'")
        other, pos = _parse_operators(flat, pos + 1)
        return ("conditional", cond, then, other), pos
    return cond, pos


def _parse_binary(flat, pos, min_precedence):
    if pos >= len(flat) or flat[pos][0] != "operand":
        raise EvalError("operator without an operand")
    left, pos = flat[pos], pos + 1
    while pos < len(flat) and flat[pos][1] in PRECEDENCE and PRECEDENCE[flat[pos][1]] >= min_precedence:
        op = flat[pos][1]
        right, pos = _parse_binary(flat, pos + 1, PRECEDENCE[op] + 1)
        left = ("binary", op, left, right)
    return left, pos
