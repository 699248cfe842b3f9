"""The layout of structured ops: the one reader of where an `if`, `for`, `for_rev` or `while` keeps its parts.

Assumes nothing beyond `Eqn` and `Block` having `op`, `args`, `outs`, `blocks`, `params`, `outs` (it imports
nothing, so every module, the IR package itself included, can use it). Guarantees one answer per question:
- `if(cond) -> outs`, blocks (then, else), each with no params and one output per result;
- `for(start, stop, step, *inits) -> outs` and `for_rev` (the same range, run backwards), one block whose params
  are `(index, *carried)` and whose outputs are `(*nexts, stop_flag)`;
- `while(*inits) -> outs`, blocks (cond, body): cond's params are the carried values and its output the test;
  body's params are the carried values and its outputs `(*nexts, stop_flag)`.
A loop's results, inits, carried params and nexts correspond by position.
"""

from __future__ import annotations

# op -> (number of blocks, leading args that are not carried values)
LAYOUT = {"if": (2, 1), "for": (1, 3), "for_rev": (1, 3), "while": (2, 0)}
STRUCTURED = frozenset(LAYOUT)
LOOPS = frozenset({"for", "for_rev", "while"})
RANGE_LOOPS = frozenset({"for", "for_rev"})


def is_structured(eqn) -> bool:
    return eqn.op in LAYOUT


def is_loop(eqn) -> bool:
    return eqn.op in LOOPS


def n_blocks(eqn) -> int:
    return LAYOUT[eqn.op][0]


def n_leading(eqn) -> int:
    """How many of the op's args come before its carried values (inits)."""
    return LAYOUT[eqn.op][1]


def leading(eqn) -> tuple:
    """`(cond,)` for an `if`, `(start, stop, step)` for a range loop, `()` for a `while`."""
    return tuple(eqn.args[: n_leading(eqn)])


def inits(eqn) -> tuple:
    """A loop's initial carried values (an `if` has none)."""
    return tuple(eqn.args[n_leading(eqn) :])


def with_inits(eqn, new_inits) -> tuple:
    """The op's args with the carried values replaced by `new_inits`."""
    return (*leading(eqn), *new_inits)


def condition(eqn):
    """An `if`'s test."""
    return eqn.args[0]


def body(eqn):
    """A loop's body block (the last block)."""
    return eqn.blocks[-1]


def cond_block(eqn):
    """A `while`'s condition block."""
    return eqn.blocks[0]


def is_cond_block(eqn, k: int) -> bool:
    """Whether `eqn.blocks[k]` is a `while`'s condition block (its outputs are the test only)."""
    return eqn.op == "while" and k == 0


def has_index(eqn) -> bool:
    """Whether the loop's blocks take the iteration index as their first param."""
    return eqn.op in RANGE_LOOPS


def index(block, eqn):
    """A range loop's index param (None for a `while`)."""
    return block.params[0] if has_index(eqn) else None


def carried(eqn, block) -> tuple:
    """A loop block's params that carry values from one iteration to the next (the index left out)."""
    return tuple(block.params[1:]) if has_index(eqn) else tuple(block.params)


def nexts(block) -> tuple:
    """A loop body's values for the next iteration."""
    return tuple(block.outs[:-1])


def stop_flag(block):
    """A loop body's last output: true to leave the loop (a `break`); the constant False when it cannot."""
    return block.outs[-1]


def block_shape(eqn, k: int) -> tuple[int, int]:
    """(params, outputs) that `eqn.blocks[k]` must have, from the op's args and results."""
    n_carried = len(eqn.args) - n_leading(eqn)
    if eqn.op == "if":
        return 0, len(eqn.outs)
    if is_cond_block(eqn, k):
        return n_carried, 1
    return n_carried + has_index(eqn), n_carried + 1
