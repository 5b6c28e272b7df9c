"""An exercise's spec, `exercise.toml`, read into the model: the prompt and hints, the
function to write, the hidden tests, the checks on the compiled code, the contract."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from asm_tutor.pack.model import (
    ANY_ARCH,
    ASM_DECLARATIONS,
    BRANCH_KINDS,
    CLOBBER_ABI_RE,
    OPERAND_KINDS,
    SOURCE_KINDS,
    CheckKind,
    ContractSpec,
    Difficulty,
    Display,
    ErrorHint,
    Exercise,
    InstructionCheck,
    Param,
    Property,
    Signature,
    TestCase,
    TestSpec,
)
from asm_tutor.pack.reading import MISSING, PackFiles, Source, Table, arch_problem, id_problem, not_utf8

EXERCISE_SPEC = "exercise.toml"
RUST_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DEFAULT_TIME_LIMIT = 5.0
MAX_TIME_LIMIT = 60.0
MAX_RANDOM_CASES = 10_000
# Calling conventions a `[function] abi` may name: "C" exists on every target, "sysv64" is x86_64's.
ABIS = ("C", "sysv64")


class ExerciseReader(PackFiles):
    def exercise(self, table: Table, exercise_id: str) -> Exercise | None:
        rel = table.get("dir", str, default=f"exercises/{exercise_id}")
        table.finish()
        if rel is None:
            return None
        folder = self.confined(rel, table, "dir")
        if folder is None:
            return None
        self.inputs.append(folder)
        if not folder.is_dir():
            table.problem("dir" if "dir" in table.data else "exercise", f"exercise folder `{rel}` does not exist")
            return None
        if not self.check_symlinks(folder):
            return None
        source = Source(self, folder / EXERCISE_SPEC)
        if not source.path.is_file():
            self.problem(source.rel, "", f"is missing: every exercise folder needs an {EXERCISE_SPEC}")
            return None
        data = source.parse()
        if data is None:
            return None
        before = len(self.problems)
        top = Table(source, data, "", None)
        title = top.get("title", str)
        lesson = top.get("lesson", str, default=None, check=id_problem)
        difficulty = top.get("difficulty", str, default=Difficulty.BEGINNER.value,
                             check=lambda v: None if v in Difficulty._value2member_map_
                             else f"must be one of {', '.join(d.value for d in Difficulty)}")
        arches = top.strings("arch", nonempty=True)
        for arch in arches or ():
            message = arch_problem(arch)
            if message:
                top.problem("arch", message)
        time_limit = top.get("time_limit", (int, float), default=DEFAULT_TIME_LIMIT,
                             check=lambda v: None if 0 < v <= MAX_TIME_LIMIT else f"must be between 0 and {MAX_TIME_LIMIT:g} seconds")
        if lesson is not None:
            self.lesson_refs.append((top, lesson))
        require_asm = top.get("require_asm", bool, default=True)
        starter_passes = top.get("starter_passes", bool, default=False)
        starter_error = top.get("starter_error", str, default=None,
                                check=lambda v: None if v.strip() else "must name the error (a code like E0133, or words of it)")
        if starter_passes and starter_error:
            top.problem("starter_error", "a starter cannot both pass (`starter_passes = true`) and fail to compile")
        prompt = top.get("prompt", str)
        hints = top.strings("hints", nonempty=True)
        function = self.signature(top.sub("function"))
        tests = self.tests(top.sub("tests"), function)
        checks = self.checks(source, top.get("checks", list, default=[]))
        error_hints = self.error_hints(source, top.get("error_hints", list, default=[]))
        contract = self.contract(top.sub("contract", required=False))
        top.finish()
        for kind in ("starter", "solution") if self.solutions else ("starter",):
            for arch in arches or ():
                candidate = folder / arch / f"{kind}.rs"
                path = candidate if candidate.is_file() else folder / f"{kind}.rs"
                if not path.is_file():
                    self.problem(self.rel(folder), kind, f"no {kind} for {arch}: add `{kind}.rs` or `{arch}/{kind}.rs`")
                    break
        if len(self.problems) != before:
            return None
        # No new problem means every required field above was present and well typed.
        assert function is not None and hints is not None and tests is not None and arches is not None
        return Exercise(
            id=exercise_id, title=title, dir=folder, spec_path=source.path, prompt=prompt,
            function=function, hints=hints, error_hints=error_hints, tests=tests, checks=checks,
            arch=arches, time_limit=float(time_limit), lesson=lesson,
            difficulty=Difficulty(difficulty), require_asm=require_asm, starter_passes=starter_passes,
            starter_error=starter_error, contract=contract,
        )

    def contract(self, table: Table | None) -> ContractSpec:
        if table is None:
            return ContractSpec()
        found = ContractSpec(**{name: table.get(name, bool, default=True) for name in ContractSpec.__dataclass_fields__})
        table.finish()
        return found

    def signature(self, table: Table | None) -> Signature | None:
        if table is None:
            return None
        name = table.get("name", str, check=lambda v: None if RUST_IDENT_RE.match(v) else f"`{v}` is not a Rust identifier")
        raw_params = table.strings("params", default=())
        returns = table.get("returns", str, default="()")
        abi = table.get("abi", str, default=None,
                        check=lambda v: None if v in ABIS else f"`{v}` is not one of {', '.join(ABIS)}")
        table.finish()
        params: list[Param] = []
        for raw in raw_params or ():
            pname, sep, ptype = raw.partition(":")
            if not sep or not RUST_IDENT_RE.match(pname.strip()) or not ptype.strip():
                table.problem("params", f"`{raw}` must look like `name: type`")
                continue
            params.append(Param(pname.strip(), ptype.strip()))
        if name is None:
            return None
        return Signature(name=name, params=tuple(params), returns=returns, abi=abi)

    def tests(self, table: Table | None, function: Signature | None) -> TestSpec | None:
        if table is None:
            return None
        reference_raw = table.get("reference", (str, dict), default={})
        reference: dict[str, str] = {}
        if isinstance(reference_raw, str):
            reference[ANY_ARCH] = reference_raw
        elif isinstance(reference_raw, dict):
            for arch, expr in reference_raw.items():
                if arch != ANY_ARCH and arch_problem(arch):
                    table.problem("reference", f"{arch_problem(arch)} in the reference table")
                elif not isinstance(expr, str):
                    table.problem("reference", f"the reference for `{arch}` must be a string holding a Rust expression")
                else:
                    reference[arch] = expr
        edge = table.get("edge", bool, default=True)
        random = table.get("random", int, default=0,
                           check=lambda v: None if 0 <= v <= MAX_RANDOM_CASES else f"must be between 0 and {MAX_RANDOM_CASES}")
        seed = table.get("seed", int, default=None)
        display = table.get("display", str, default=Display.DECIMAL.value,
                            check=lambda v: None if v in {d.value for d in Display} else
                            f"`{v}` is not one of {', '.join(d.value for d in Display)}")
        helpers, helpers_path = self.helpers(table)
        cases_raw = table.get("cases", list, default=[])
        properties = self.properties(table, table.get("properties", list, default=[]))
        table.finish()
        cases: list[TestCase] = []
        for index, raw in enumerate(cases_raw or []):
            case = Table(table.source, raw if isinstance(raw, dict) else {}, f"{table.name}.cases[{index}]",
                          table.table, anchor="cases")
            if not isinstance(raw, dict):
                case.problem(None, "each case must be a table like `{ args = [\"6\"], expected = \"54\" }`")
                continue
            args = case.strings("args", default=())
            expected = case.get("expected", str, default=None)
            case.finish()
            if args is None:
                continue
            if function is not None and len(args) != len(function.params):
                case.problem("args", f"has {len(args)} argument(s) but `{function.name}` takes {len(function.params)}")
                continue
            if expected is None and not reference:
                case.problem("expected", "is needed when the tests have no `reference` expression")
                continue
            cases.append(TestCase(args=args, expected=expected))
        if (edge or random) and not reference:
            table.problem("reference", "edge and random cases need a `reference` expression to compare against")
        if not cases and not reference and not properties:
            table.problem("cases", "the exercise has no test cases")
        if function is not None:
            self.generated_values(table, function, random=bool(random), edge=bool(edge) and "edge" in table.data)
        return TestSpec(cases=tuple(cases), reference=reference, edge=bool(edge), random=random or 0,
                        seed=seed, properties=properties, helpers=helpers,
                        helpers_path=helpers_path, display=Display(display or Display.DECIMAL))

    def helpers(self, table: Table) -> tuple[str, Path | None]:
        """The Rust file `helpers` names (a path inside the pack): its text and path; ("", None)
        without one."""
        rel = table.get("helpers", str, default=None)
        path = None if rel is None else self.confined(rel, table, "helpers")
        if path is None:
            return "", None
        self.inputs.append(path)
        try:
            return path.read_text(encoding="utf-8"), path
        except UnicodeDecodeError as err:
            message, line = not_utf8(path, err)
            self.problem(self.rel(path), "", message, line)
        except OSError:
            table.problem("helpers", f"`{rel}` does not exist (a path from the pack folder, e.g. `shared/helpers.rs`)")
        return "", None

    @staticmethod
    def generated_values(table: Table, function: Signature, *, random: bool, edge: bool) -> None:
        """Random cases (and edge cases asked for by name) need values the tests can make up for
        every parameter; say so rather than silently adding none."""
        from asm_tutor.pack.param_types import GENERATED, ParamType

        kinds = [(p, ParamType.parse(p.type)) for p in function.params]
        for key, wanted, blocked in (
            ("random", random, [p for p, kind in kinds if kind.random_expr() is None]),
            ("edge", edge, [p for p, kind in kinds if kind.edge_values() is None]),
        ):
            if wanted and blocked:
                names = ", ".join(f"`{p.name}: {p.type}`" for p in blocked)
                table.problem(key, f"{key} values cannot be made up for {names} (they can for {GENERATED}); "
                                   f"write its cases in `cases`, or set `{key} = {'0' if key == 'random' else 'false'}`")

    def properties(self, tests: Table, raw: list[Any] | None) -> tuple[Property, ...]:
        found: list[Property] = []
        for index, entry in enumerate(raw or []):
            table = Table(tests.source, entry if isinstance(entry, dict) else {},
                           f"{tests.name}.properties[{index}]", f"{tests.table}.properties", index)
            if not isinstance(entry, dict):
                table.problem(None, "each property must be a `[[tests.properties]]` table")
                continue
            name = table.get("name", str)
            expr = table.get("expr", str)
            arch = table.get("arch", str, default=None, check=arch_problem)
            label = table.get("label", str, default=None,
                              check=lambda v: None if v.strip() else "must not be blank (leave it out to show `expr`)")
            table.finish()
            if name and expr:
                found.append(Property(name=name, expr=expr, arch=arch, label=label))
        return tuple(found)

    def checks(self, source: Source, raw: list[Any] | None) -> tuple[InstructionCheck, ...]:
        checks: list[InstructionCheck] = []
        for index, entry in enumerate(raw or []):
            table = Table(source, entry if isinstance(entry, dict) else {}, f"checks[{index}]", "checks", index)
            if not isinstance(entry, dict):
                table.problem(None, "each check must be a `[[checks]]` table")
                continue
            name = table.get("name", str)
            kind = table.get("kind", str, check=lambda v: None if v in CheckKind._value2member_map_
                             else f"`{v}` is not a check kind (known: {', '.join(k.value for k in CheckKind)})")
            result = kind == CheckKind.ASM_RESULT  # its patterns (what Rust may do on the way) may be none
            patterns = table.strings("patterns", default=() if result else MISSING, nonempty=not result)
            message = table.get("message", str)
            arch = table.get("arch", str, default=None, check=arch_problem)
            operand, branch = self.qualifiers(table, kind)
            table.finish()
            if kind in SOURCE_KINDS and patterns is not None:
                unknown = [p for p in patterns if p not in ASM_DECLARATIONS and not CLOBBER_ABI_RE.fullmatch(p)]
                if unknown:
                    table.problem("patterns", f"`{unknown[0]}` is not something an asm! block declares; "
                                              f"{kind} looks for an option, an operand kind or clobber_abi: "
                                              f"{', '.join(ASM_DECLARATIONS)}, or clobber_abi(\"C\")")
                    continue
            if name is None or kind is None or patterns is None or message is None:
                continue
            checks.append(InstructionCheck(name=name, kind=CheckKind(kind), patterns=patterns, message=message,
                                           arch=arch, operand=operand, branch=branch))
        return tuple(checks)

    @staticmethod
    def qualifiers(table: Table, kind: str | None) -> tuple[str | None, str | None]:
        """A check's `operand` and `branch`: what a matching instruction must also be."""
        operand = table.get("operand", str, default=None, check=lambda v: None if v in OPERAND_KINDS
                            else f"`{v}` is not an operand kind (known: {', '.join(OPERAND_KINDS)})")
        branch = table.get("branch", str, default=None, check=lambda v: None if v in BRANCH_KINDS
                           else f"`{v}` is not a branch direction (known: {', '.join(BRANCH_KINDS)})")
        plain = (CheckKind.FORBID_CALL, CheckKind.ASM_RESULT, *SOURCE_KINDS)
        for key, value in (("operand", operand), ("branch", branch)):
            if value is not None and kind in plain:
                table.problem(key, f"`{key}` qualifies an instruction check; `{kind}` matches no instruction")
        if operand == "const" and kind not in (CheckKind.ASM_USES, CheckKind.ASM_FORBIDS, None):
            table.problem("operand", "a `const` operand exists only in an asm! block: use it with asm_uses or asm_forbids")
        return operand, branch

    def error_hints(self, source: Source, raw: list[Any] | None) -> tuple[ErrorHint, ...]:
        hints: list[ErrorHint] = []
        for index, entry in enumerate(raw or []):
            table = Table(source, entry if isinstance(entry, dict) else {}, f"error_hints[{index}]", "error_hints", index)
            if not isinstance(entry, dict):
                table.problem(None, "each error hint must be an `[[error_hints]]` table")
                continue
            match = table.get("match", str)
            hint = table.get("hint", str)
            table.finish()
            if match and hint:
                hints.append(ErrorHint(match=match, hint=hint))
        return tuple(hints)

