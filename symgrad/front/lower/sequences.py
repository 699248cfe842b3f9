"""Lists and tuples: literals, comprehensions, `sum`, `len`, indexing, slices, `append`, and what a `for` iterates
over (`range`, `zip`, `enumerate`, a sequence).

Assumes it is mixed into the lowerer (`core`), which provides the builder `b`, the lists the code creates (`owned`),
expressions (`expr`, `scalar`, `emit`), control flow (`for_eqn`, `branch`, `merge`, `condition`), and
specialization (`static_list`, `static_length`, `append_static`). Guarantees: a tuple of constants stays a
constant; a tuple of values used as a sequence becomes a run-time list; only lists the function creates can be
appended to; an index or slice known at compile time is resolved, with Python's error if it is out of range. In
specialized code, a row of data read at a run-time index (`x = xs[i]`) has the length all rows of the argument
have, if they have one, so `zip(w, x)` over it unrolls; the code checks that length where it assumes it.
"""

from __future__ import annotations

import ast

from ... import resolve
from ...ir import Const, Var
from .frame import Frame
from .values import Elements, NotStatic, StaticList, describe, is_static


class Sequences:
    """Lists, tuples and iteration (a mixin of the lowerer)."""

    def list_display(self, frame: Frame, node: ast.List | ast.ListComp):
        """`[a, b]` or `[... for ...]`: a static list in specialized code, else a run-time list the function owns."""
        if self.static:
            made = self.static_list([])
        else:
            made = self.emit(frame, node, "list_new")
            self.owned.add(made)
        if isinstance(node, ast.List):
            for element in node.elts:
                self.append(frame, element, made, self.expr(frame, element))
        else:
            self._comprehension(
                frame, node, [], lambda frame: self.append(frame, node.elt, made, self.expr(frame, node.elt))
            )
        return made

    def iteration(self, frame: Frame, node):
        """What a `for` (or comprehension) iterates over: `((start, stop, step), element, hint)` where
        `element(frame, i)` is the value bound to the target at index `i` and hint names the index."""
        if isinstance(node, ast.Call) and all(kw.arg == "strict" for kw in node.keywords):
            callee = self.expr(frame, node.func)
            name = getattr(getattr(callee, "obj", None), "__name__", None)
            if isinstance(callee, resolve.Other) and callee.obj in (range, enumerate, zip):
                args = [self.expr(frame, a) for a in node.args]
                if node.keywords and name != "zip":
                    raise frame.error(node, f"{name}() takes no keyword arguments", f"write {name}(...) without them")
                if name == "range":
                    if not 1 <= len(args) <= 3:
                        raise frame.error(node, "range() takes 1 to 3 arguments", "write range(n) or range(a, b)")
                    ints = [self.scalar(frame, a, v, "a range() bound") for a, v in zip(node.args, args, strict=False)]
                    if len(ints) == 1:
                        ints = [Const(0), *ints]
                    if len(ints) == 2:
                        ints.append(Const(1))
                    if isinstance(ints[2], Const) and ints[2].value == 0:
                        raise frame.error(node.args[2], "range() step must not be zero", "use a nonzero step")
                    return tuple(ints), lambda frame, i: i, ""
                if name == "enumerate":
                    if not 1 <= len(args) <= 2:
                        raise frame.error(node, "enumerate() takes a sequence and an optional start",
                                          "write enumerate(xs) or enumerate(xs, 1)")  # fmt: skip
                    seq = self.sequence(frame, node.args[0], args[0])
                    start = args[1] if len(args) == 2 else Const(0)
                    n = self.length(frame, node, seq)

                    def pair(frame, i):
                        return (self.emit(frame, node, "add", i, start), self._element(frame, node, seq, i))

                    return (Const(0), n, Const(1)), pair, "i"
                if not args:
                    raise frame.error(node, "zip() of nothing is not supported", "zip two or more sequences")
                seqs = [self.sequence(frame, a, v) for a, v in zip(node.args, args, strict=False)]
                n = self.length(frame, node, seqs[0])
                if any(kw.arg == "strict" for kw in node.keywords):
                    strict = self.expr(frame, node.keywords[0].value)
                    if not isinstance(strict, Const):
                        raise frame.error(node.keywords[0].value, "zip()'s strict must be a constant",
                                          "write strict=True or strict=False")  # fmt: skip
                    if strict.value:
                        self._same_lengths(frame, node, n, seqs)
                        # the lengths are equal (or it raised): a length known now is the trip count, so the
                        # loop can unroll though another sequence's length is known only at run time
                        known = [m for m in (self.length(frame, node, seq) for seq in seqs) if isinstance(m, Const)]
                        n, seqs_for_min = (known[0], []) if known else (n, seqs[1:])
                    else:
                        seqs_for_min = seqs[1:]
                else:
                    seqs_for_min = seqs[1:]
                for seq in seqs_for_min:
                    n = self.emit(frame, node, "min", n, self.length(frame, node, seq))
                return (Const(0), n, Const(1)), (
                    lambda frame, i: tuple(self._element(frame, node, seq, i) for seq in seqs)), "i"  # fmt: skip
        seq = self.sequence(frame, node, self.expr(frame, node))
        return (Const(0), self.length(frame, node, seq), Const(1)), (
            lambda frame, i: self._element(frame, node, seq, i)), "i"  # fmt: skip

    def _same_lengths(self, frame: Frame, node, n, seqs) -> None:
        """zip(..., strict=True): the other sequences must have the first one's length, or ValueError."""
        for k, seq in enumerate(seqs[1:], start=2):
            m = self.length(frame, node, seq)
            if isinstance(n, Const) and isinstance(m, Const):
                if n.value != m.value:
                    raise NotStatic("zip(strict=True) of lists of other lengths: the general code raises")
                continue
            message = f"zip() argument {k} has another length than argument 1"
            if isinstance(m, Const):  # a list known now: the run-time one is checked against its length
                self.b.at(frame.loc(node)).effect("expect_len", seqs[0], m, Const(message))
            else:
                self.b.at(frame.loc(node)).effect("expect_len", seq, n, Const(message))

    def _comprehension(self, frame: Frame, node, acc_names: list[str], on_element) -> None:
        """Nested loops over the generators of `node`, running `on_element(frame)` for each element that passes
        the filters; the names in `acc_names` are carried through them."""
        generators = node.generators

        def level(frame, k):
            if k == len(generators):
                on_element(frame)
                return
            gen = generators[k]
            if gen.is_async:
                raise frame.error(node, "async comprehensions are not supported", "use a plain `for`")
            bounds, element, hint = self.iteration(frame, gen.iter)

            def body(frame, index):
                self.bind(frame, gen.target, element(frame, index))
                self._filtered(frame, gen.ifs, lambda frame: level(frame, k + 1))
                return (*tuple(frame.env[n] for n in acc_names), Const(False))

            self.for_eqn(frame, node, acc_names, bounds, hint, body)

        level(frame, 0)

    def _filtered(self, frame: Frame, conds, action) -> None:
        if not conds:
            action(frame)
            return
        cond = self.condition(frame, conds[0])
        if isinstance(cond, Const):
            if cond.value:
                self._filtered(frame, conds[1:], action)
            return
        env = frame.env
        then = self.branch(frame, env, lambda: self._filtered(frame, conds[1:], action) or ())
        orelse = self.branch(frame, env, lambda: ())
        self.merge(frame, conds[0], cond, env, then, orelse)

    def sum_call(self, frame: Frame, node: ast.Call):
        if not 1 <= len(node.args) + len(node.keywords) <= 2 or any(kw.arg != "start" for kw in node.keywords):
            raise frame.error(node, "sum() takes an iterable and an optional start", "write sum(xs) or sum(xs, 1.0)")
        start_node = node.args[1] if len(node.args) == 2 else (node.keywords[0].value if node.keywords else None)
        start = Const(0) if start_node is None else self.scalar(
            frame, start_node, self.expr(frame, start_node), "the start of sum()")  # fmt: skip
        iterable = node.args[0]
        # nested sums each need their own carried name; the part after '#' never reaches generated code
        acc = f"<acc#{sum(name.startswith('<acc') for name in frame.env)}>"
        frame.env[acc] = start

        def add(frame, element_node, value):
            element = self.scalar(frame, element_node, value, "an element of sum()")
            frame.env[acc] = self.emit(frame, element_node, "add", frame.env[acc], element)

        try:
            if isinstance(iterable, ast.GeneratorExp | ast.ListComp):
                self._comprehension(frame, iterable, [acc], lambda f: add(f, iterable.elt, self.expr(f, iterable.elt)))
            else:
                value = self.expr(frame, iterable)
                if is_static(value):
                    for item in value:
                        add(frame, iterable, item)
                else:
                    seq = self.sequence(frame, iterable, value)

                    def body(frame, index):
                        add(frame, iterable, self._element(frame, iterable, seq, index))
                        return (frame.env[acc], Const(False))

                    self.for_eqn(frame, node, [acc], (Const(0), self.length(frame, node, seq), Const(1)), "i", body)
            return frame.env[acc]
        finally:
            frame.env.pop(acc, None)

    def subscript(self, frame: Frame, node: ast.Subscript):
        base = self.expr(frame, node.value)
        if isinstance(node.slice, ast.Slice):
            return self._slice(frame, node, self.sequence(frame, node.value, base))
        if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            return self.keyed(frame, node, base, node.slice.value)
        if isinstance(node.slice, ast.Tuple):  # `W[j, i]`: an array argument, indexed like NumPy
            for part in node.slice.elts:
                index = self.scalar(frame, part, self.expr(frame, part), "an index")
                if not (is_static(base) and isinstance(index, Const)):
                    raise frame.error(node, "indexing with several indices works on array arguments, at indices "
                                      "known at compile time", "write W[j][i], or pass a NumPy array")  # fmt: skip
                base = self._static_item(frame, node, base, index)
            return base
        index = self.scalar(frame, node.slice, self.expr(frame, node.slice), "an index")
        if is_static(base) and isinstance(index, Const):
            return self._static_item(frame, node, base, index)
        return self._element(frame, node, self.sequence(frame, node.value, base), index)

    def keyed(self, frame: Frame, node: ast.Subscript, base, key: str):
        """`d["w"]`: a dict's value, looked up at compile time (a module-level dict is read as a constant)."""
        if isinstance(base, resolve.Other) and type(base.obj) is dict:
            if key not in base.obj:
                keys = ", ".join(map(repr, sorted(map(str, base.obj))))
                raise frame.error(node, f"KeyError: {ast.unparse(node.value)} has no key {key!r}",
                                  f"use one of its keys: {keys}")  # fmt: skip
            value = self._object(base.obj[key])
            if isinstance(value, resolve.Other):
                raise frame.error(node, f"{ast.unparse(node)} is {describe(value)}, not a number",
                                  "module-level dicts may hold numbers and lists or tuples of numbers")  # fmt: skip
            return value
        found = self.struct_key(frame, node, base, key)  # a dict argument (objects.py)
        if found is not None:
            return found
        if isinstance(base, Var) and base.kind == "item":
            name = ast.unparse(node.value)
            raise self.needs_structure(frame, node, f"{name}[{key!r}]: here {name} is a number or a list of "
                                       "numbers, not a dict")  # fmt: skip
        raise frame.error(node, f"indexing with the string {key!r} works on dicts only, and "
                          f"{ast.unparse(node.value)} is {describe(base)}",
                          "index lists and tuples by position; pass dicts with string keys as parameters")  # fmt: skip

    @staticmethod
    def _static_item(frame: Frame, node, seq, index: Const):
        try:
            return seq[index.value]
        except (IndexError, TypeError) as exc:
            raise frame.error(node, f"index {index.value!r}: {exc}", "use an index inside the sequence") from None

    def _slice(self, frame: Frame, node: ast.Subscript, seq):
        part = node.slice
        bounds = []
        for value in (part.lower, part.upper, part.step):
            atom = None if value is None else self.expr(frame, value)
            if atom is not None and not (isinstance(atom, Const) and type(atom.value) is int):
                raise frame.error(value, "slice bounds must be int constants here",
                                  "write xs[1:], xs[:-1] or xs[2:5]; loop over range(a, b) for bounds "
                                  "computed at run time")  # fmt: skip
            bounds.append(None if atom is None else atom.value)
        low, high, step = bounds
        if step not in (None, 1):
            raise frame.error(part.step, "slices with a step are not supported", "use a loop over range(a, b, step)")
        n = self.length(frame, node, seq)

        def clamp(bound, default):
            if bound is None:
                return default
            if isinstance(n, Const):
                return Const(slice(bound, bound + 1).indices(n.value)[0] if bound < n.value else n.value)
            if bound >= 0:
                return self.emit(frame, node, "min", Const(bound), n)
            return self.emit(frame, node, "max", self.emit(frame, node, "add", n, Const(bound)), Const(0))

        if is_static(seq):
            return self.static_list(seq[low:high])
        start, stop = clamp(low, Const(0)), clamp(high, n)
        made = self.emit(frame, node, "list_new")
        self.owned.add(made)

        def body(frame, index):
            self.append(frame, node, made, self._element(frame, node, seq, index))
            return (Const(False),)

        self.for_eqn(frame, node, [], (start, stop, Const(1)), "i", body)
        return made

    def append(self, frame: Frame, node, lst, value) -> None:
        if isinstance(lst, StaticList):
            self.append_static(frame, node, lst, value)
            return
        if lst not in self.owned:
            raise frame.error(node, "appending to a list the function did not create would change the caller's list",
                              "build a new list: `new = []`, then append to it")  # fmt: skip
        value = self.scalar(frame, node, value, "an appended element")
        self.b.at(frame.loc(node)).effect("append", lst, value)

    def sequence(self, frame: Frame, node, value):
        """`value` as something with a length and elements: a list variable, a constant tuple, or a tuple of
        values (made a list at run time, so it can be indexed by a variable)."""
        if isinstance(value, Var):
            if value.kind == "item":
                value.kind = "list"  # a parameter or an element used as a sequence: it is a list
            if value.kind != "list":
                raise frame.error(node, f"this is {describe(value)}, not a list", "index lists and tuples")
            return value
        if isinstance(value, Const) and isinstance(value.value, tuple):
            return value
        if self.static and is_static(value):
            return value
        if isinstance(value, tuple):
            if all(isinstance(v, Const) and not isinstance(v.value, tuple) for v in value):
                return Const(tuple(v.value for v in value))
            made = self.emit(frame, node, "list_new")
            for item in value:
                self.b.at(frame.loc(node)).effect("append", made, self.scalar(frame, node, item, "an element"))
            self.owned.add(made)
            return made
        raise frame.error(node, f"this is {describe(value)}, not a list or tuple",
                          "iterate over range(), lists, tuples, zip() or enumerate()")  # fmt: skip

    def length(self, frame, node, seq):
        if isinstance(seq, Const):
            return Const(len(seq.value))
        if is_static(seq):
            return self.static_length(seq)
        known = self._row_lengths().get(seq)
        if known is not None:  # checked where it is assumed: the module may be exported and called with others
            message = f"this code is specialized for rows of length {known}"
            self.b.at(frame.loc(node)).effect("expect_len", seq, Const(known), Const(message))
            return Const(known)
        return self.emit(frame, node, "len", seq)

    def _row_lengths(self) -> dict:
        """Run-time rows of data whose length the specialized code knows: `x = xs[i]` for `i` known only at run
        time, where every element of `xs` has the same length (as the call's key says)."""
        return vars(self).setdefault("row_lengths", {})

    def _element(self, frame, node, seq, index):
        if is_static(seq):
            if isinstance(index, Const):
                return self._static_item(frame, node, seq, index)
            if not isinstance(seq, Elements) or seq.differentiated:
                raise NotStatic("a list indexed by a run-time number")
            rows = {len(item) if isinstance(item, Elements) else None for item in seq}
            seq = seq.var  # data, read at run time
            if len(rows) == 1 and None not in rows:  # rows of one length: `zip(w, x)` over a row can unroll
                result = self.emit(frame, node, "getitem", seq, index)
                result.kind = "list"
                self._row_lengths()[result] = rows.pop()
                return result
        if isinstance(seq, Const) and isinstance(index, Const):
            try:
                item = seq.value[index.value]
            except (IndexError, TypeError) as exc:
                raise frame.error(node, f"index {index.value!r}: {exc}", "use an index inside the tuple") from None
            return Const(item)
        if isinstance(seq, Var) and seq in self.owned:
            changing = self.changing(seq)  # (stores.py)
            if not changing:
                self.pure_reads().add(seq)
            return self.emit(frame, node, "read_at" if changing else "getitem", seq, index)
        result = self.emit(frame, node, "getitem", seq, index)
        if isinstance(seq, Const) and all(type(v) is int for v in seq.value):
            result.kind = "int"
        return result
