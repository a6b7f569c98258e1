"""Defined parameters (lavaan ``:=``) and their delta-method standard errors.

A defined parameter is a function ``h(theta)`` of labelled parameters, e.g. the
indirect effect ``ab := a*b`` (Sobel, 1982).  Its variance is the delta-method
``J V J'`` with ``J = dh/dtheta`` (lavaan computes ``J`` numerically; here it is
computed by complex-step differentiation, exact to rounding, Squire & Trapp 1998).
"""

from __future__ import annotations

import ast
import cmath
from collections.abc import Callable

import numpy as np

from .errors import SEMInputError

__all__ = ["DefinedParameters"]

_FUNCS: dict[str, Callable] = {
    "exp": cmath.exp,
    "log": cmath.log,
    "sqrt": cmath.sqrt,
    "abs": lambda z: z if z.real >= 0 else -z,
}
_ALLOWED = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load, ast.Call,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
)


class DefinedParameters:
    """Compiled ``name := expression`` definitions over labelled parameters."""

    def __init__(self, definitions: list[tuple[str, str]], label_pid: dict[str, int],
                 label_fixed: dict[str, float] | None = None):
        self.names: list[str] = []
        self.exprs: list[str] = []
        self._code = []
        self.label_pid = dict(label_pid)
        self.label_fixed = dict(label_fixed or {})
        known = set(label_pid) | set(self.label_fixed)
        for name, expr in definitions:
            tree = ast.parse(expr.replace("^", "**"), mode="eval")
            for node in ast.walk(tree):
                if not isinstance(node, _ALLOWED):
                    raise SEMInputError(f"'{name} := {expr}': unsupported expression element "
                                        f"{type(node).__name__}")
                if isinstance(node, ast.Call) and (
                    not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS
                ):
                    raise SEMInputError(f"'{name} := {expr}': only {sorted(_FUNCS)} may be called")
                if (isinstance(node, ast.Name) and node.id not in known and node.id not in _FUNCS
                        and node.id not in self.names):
                    raise SEMInputError(f"'{name} := {expr}': unknown label {node.id!r}")
            self._code.append(compile(tree, f"<{name}>", "eval"))
            self.names.append(name)
            self.exprs.append(expr)
            known.add(name)

    def __len__(self) -> int:
        return len(self.names)

    def _eval(self, theta: np.ndarray, fixed: dict[str, float] | None = None) -> list:
        env: dict = dict(_FUNCS)
        env.update(self.label_fixed if fixed is None else fixed)
        for lab, k in self.label_pid.items():
            env[lab] = theta[k]
        out = []
        for name, code in zip(self.names, self._code, strict=False):
            val = eval(code, {"__builtins__": {}}, env)  # noqa: S307 - vetted AST above
            env[name] = val
            out.append(val)
        return out

    def values(self, theta: np.ndarray) -> np.ndarray:
        return np.array([complex(v).real for v in self._eval(np.asarray(theta, dtype=complex))])

    def values_from(self, label_values: dict[str, float]) -> np.ndarray:
        """Evaluate with labels taking the given values (used for standardized solutions)."""
        env: dict = dict(_FUNCS)
        env.update(label_values)
        out = []
        for name, code in zip(self.names, self._code, strict=False):
            val = eval(code, {"__builtins__": {}}, env)  # noqa: S307
            env[name] = val
            out.append(complex(val).real)
        return np.array(out)

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        k = theta.size
        J = np.zeros((len(self.names), k))
        h = 1e-30
        for j in range(k):
            t = theta.astype(complex)
            t[j] += 1j * h
            J[:, j] = [complex(v).imag / h for v in self._eval(t)]
        return J
