"""A typer group whose commands are imported only when invoked, so `customer360 --help` loads no pandas or Dagster.

Each command is declared by name as `"module:attribute"` plus its one-line help; the attribute is a typer-annotated
function (one command) or a `typer.Typer` (a group of sub-commands, e.g. `customer360 customer merge`). The help
listing shows the declared line; resolving the name (running it or its `--help`) imports the module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


@dataclass(frozen=True)
class LazyCommand:
    target: str  # "package.module:attribute"
    help: str  # one line for the listing


class _Placeholder(TyperCommand):
    """What the help listing sees: the name and its line, nothing imported."""


def load_command(name: str, spec: LazyCommand) -> Any:
    module_name, attribute = spec.target.split(":")
    obj = getattr(importlib.import_module(module_name), attribute)
    if isinstance(obj, typer.Typer):
        command = typer.main.get_group(obj)
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
        single.command(name, help=obj.__doc__ or spec.help)(obj)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """`lazy_commands` (name → LazyCommand) beside any commands registered on the app the usual way."""

    lazy_commands: dict[str, LazyCommand] = {}  # noqa: RUF012 - set by `lazy_group`

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy_commands if n not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        spec = self.lazy_commands.get(cmd_name)
        if spec is None or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        return _Placeholder(name=cmd_name, help=spec.help, short_help=spec.help)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Placeholder):
            command = load_command(name, self.lazy_commands[name])
        return name, command, rest


def lazy_group(commands: dict[str, LazyCommand]) -> type[LazyGroup]:
    return type("Customer360Commands", (LazyGroup,), {"lazy_commands": commands})


# --- help labels: `--date DATE`, `INPUT`, not typer 0.29's `<str>` / `<bool>` / `{input}` -------------------


_TYPE_LABELS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER"}


def _option_label(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag or self.count:
        return None
    if self.metavar is not None:
        return self.metavar
    label = TyperOption.display_type(self, ctx).strip("<>")  # typer's own: <str>, <path>, <a|b>, <int range>
    if "|" not in label:
        label = _TYPE_LABELS.get(label, label).upper()
    return label + ("..." if self.nargs != 1 else "")


def _argument_usage(self: TyperArgument) -> str:
    name = (self.metavar or self.name or "arg").upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def plain_help_labels() -> None:
    """Typer 0.29 prints python type names in angle brackets and required arguments in braces; print what
    click users know instead. Idempotent; tests/test_cli.py pins the result."""
    TyperOption.display_type_rich = _option_label  # type: ignore[method-assign]
    TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]
