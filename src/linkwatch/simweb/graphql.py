"""A small GraphQL reader for the simulated GitHub API: enough of the language for the
queries clients send to GitHub (fields, aliases, arguments, variables, nested
selections), with parse errors reported the way GitHub reports them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


class GraphQLError(Exception):
    """A parse or validation error, reported as GitHub does (no data at all)."""

    def __init__(self, message: str, line: int, column: int, **extra: Any) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.extra = message, line, column, extra

    def as_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "locations": [{"line": self.line, "column": self.column}],
            **self.extra,
        }


@dataclass
class Field:
    name: str
    alias: str
    args: dict[str, Any]
    selections: list[Field]
    line: int
    column: int
    on_type: str | None = None  # set on selections that came from ``... on Type``


@dataclass
class _Token:
    kind: str  # name | string | number | punct | eof
    value: Any
    line: int
    column: int


_TOKEN = re.compile(
    r"(?P<ws>[\s,\ufeff]+|#[^\n]*)|(?P<spread>\.\.\.)|(?P<punct>[{}()\[\]:!$=@|&])"
    r'|(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)"
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise GraphQLError(f"Parse error on {text[pos]!r}", line, pos - line_start + 1)
        kind = m.lastgroup or ""
        raw = m.group()
        column = pos - line_start + 1
        if kind == "string":
            tokens.append(_Token("string", json.loads(raw), line, column))
        elif kind == "number":
            tokens.append(_Token("number", json.loads(raw), line, column))
        elif kind in ("name", "punct", "spread"):
            tokens.append(_Token("punct" if kind == "spread" else kind, raw, line, column))
        newlines = raw.count("\n")
        if newlines:
            line += newlines
            line_start = pos + raw.rindex("\n") + 1
        pos = m.end()
    tokens.append(_Token("eof", None, line, pos - line_start + 1))
    return tokens


class Parser:
    """Recursive descent over one operation: fields, aliases, arguments, inline fragments."""

    def __init__(self, text: str, variables: dict[str, Any]) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.variables = variables

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self, value: str | None = None, kind: str | None = None) -> _Token:
        token = self.peek()
        if (value is not None and token.value != value) or (kind and token.kind != kind):
            shown = "end of file" if token.kind == "eof" else repr(token.value)
            raise GraphQLError(
                f"Parse error on {shown} ({token.kind.upper()})", token.line, token.column
            )
        self.pos += 1
        return token

    def document(self) -> list[Field]:
        token = self.peek()
        if token.kind == "name" and token.value in ("query", "mutation"):
            if token.value == "mutation":
                raise GraphQLError("Mutations are not simulated", token.line, token.column)
            self.pos += 1
            if self.peek().kind == "name":
                self.pos += 1
            if self.peek().value == "(":
                self.skip_parenthesised()
        selections = self.selection_set()
        self.take(kind="eof")
        return selections

    def skip_parenthesised(self) -> None:
        depth = 0
        while True:
            token = self.take()
            depth += {"(": 1, ")": -1}.get(token.value, 0)
            if depth == 0:
                return

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields: list[Field] = []
        while self.peek().value != "}":
            if self.peek().value == "...":
                self.pos += 1
                self.take("on")
                type_name = self.take(kind="name").value
                for sub in self.selection_set():
                    sub.on_type = type_name
                    fields.append(sub)
                continue
            fields.append(self.field())
        self.take("}")
        return fields

    def field(self) -> Field:
        first = self.take(kind="name")
        alias = name = first.value
        if self.peek().value == ":":
            self.pos += 1
            name = self.take(kind="name").value
        args: dict[str, Any] = {}
        if self.peek().value == "(":
            self.pos += 1
            while self.peek().value != ")":
                key = self.take(kind="name").value
                self.take(":")
                args[key] = self.value()
            self.take(")")
        selections = self.selection_set() if self.peek().value == "{" else []
        return Field(name, alias, args, selections, first.line, first.column)

    def value(self) -> Any:
        token = self.take()
        if token.value == "$":
            return self.variables.get(self.take(kind="name").value)
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "name":
            return {"true": True, "false": False, "null": None}.get(token.value, token.value)
        if token.value == "[":
            items = []
            while self.peek().value != "]":
                items.append(self.value())
            self.take("]")
            return items
        raise GraphQLError(f"Parse error on {token.value!r}", token.line, token.column)
