"""State pools in model descriptions: states kept per slot, and the rows
of a call picked by slot.

A pool is an argument [slots, ...] that the call reads and writes in place
(`Function.update`: a non-const buffer in the C interface). A call on B
sequences takes `state_indices` [B] (i32): the slot of each row, or -1 for
a row whose state is neither read nor written (a padded batch row).
`slot_indices` declares that argument; the compiled entry refuses an entry
outside [-1, slots) or a slot given twice (a status with the position and
the value) before any work, on the CPU. `gather_rows` reads the rows'
states into a [B, ...] tensor, `scatter_rows` writes [B, ...] states back
into their slots; a row of -1, or a slot outside the pool, reads the
nearest slot and writes nothing, so no target reads or writes outside the
pool whatever the indices.

Packed variable-length calls take `cu_seqlens` [B + 1] (i32): sequence b is
tokens [cu_seqlens[b], cu_seqlens[b + 1]) of the packed tokens.
`sequence_offsets` declares that argument; the entry refuses offsets that
do not start at 0, decrease, or do not end at the number of tokens.
"""

from .model import Function, Value

SLOT_DIM = "slots"


def pool_arg(f: Function, name: str, shape) -> Value:
    """The pool argument [slots, ...shape] of state `name` (shape static,
    less the batch)."""
    if any(not isinstance(d, int) for d in shape):
        raise ValueError(f"pool '{name}': a pooled state has a static shape "
                         f"less the batch, got {shape}")
    return f.arg(name, (None,) + tuple(shape), dim_names=[SLOT_DIM])


def slot_indices(f: Function, name: str = "state_indices",
                 batch: str = "B") -> Value:
    """The argument [B] (i32) of the rows' slots (-1: no slot)."""
    return f.arg(name, (None,), "i32", dim_names=[batch],
                 extra_attrs=[f'recur.slot_indices = "{SLOT_DIM}"'])


def sequence_offsets(f: Function, tokens: str, sequences: str = "B",
                     name: str = "cu_seqlens") -> Value:
    """The argument [B + 1] (i32, its size the dimension B1) of the offsets
    of `sequences` (a dimension name) packed sequences in tokens whose
    count is the dimension `tokens`."""
    return f.arg(name, (None,), "i32", dim_names=[sequences + "1"],
                 extra_attrs=[f'recur.sequence_offsets = ["{tokens}", '
                              f'"{sequences}"]'])


def _slot(f: Function, indices: Value, row: str, slots: str) -> tuple:
    """Lines reading the slot of row `row` (an index) as an index, and
    whether it is inside [0, slots): (lines, slot, inside)."""
    zero = f._constant("0", "index")
    raw, slot = f._fresh("id"), f._fresh("slot")
    low, high, inside = f._fresh("low"), f._fresh("high"), f._fresh("in")
    lines = [f"{raw} = tensor.extract {indices.name}[{row}] : {indices.type}",
             f"{slot} = arith.index_cast {raw} : i32 to index",
             f"{low} = arith.cmpi sge, {slot}, {zero} : index",
             f"{high} = arith.cmpi slt, {slot}, {slots} : index",
             f"{inside} = arith.andi {low}, {high} : i1"]
    return lines, slot, inside


def gather_rows(f: Function, pool: Value, indices: Value) -> Value:
    """pool[indices[b]] for each row b: [B, ...]. The slot is clamped into
    the pool (a row of -1 reads slot 0; its state is never written back);
    a pool of no slots with rows to read fails the entry's bounds check of
    the read."""
    rank = len(pool.shape)
    init = f._destination((None,) + pool.shape[1:], pool.dtype,
                          [(indices, 0)] + [(pool, i)
                                            for i in range(1, rank)],
                          zero=False)
    zero = f._constant("0", "index")
    last = f._size(pool, 0, True)
    lines = ["%i = arith.index_cast %id : i32 to index",
             f"%low = arith.maxsi %i, {zero} : index",
             f"%row = arith.minsi %low, {last} : index"]
    lines += [f"%e{d} = linalg.index {d} : index" for d in range(1, rank)]
    where = ", ".join(["%row"] + [f"%e{d}" for d in range(1, rank)])
    lines.append(f"%value = tensor.extract {pool.name}[{where}] : "
                 f"{pool.type}")
    return f._generic_text(f._fresh("gather"), [indices], ["%id"],
                           [f._affine(rank, (0,)),
                            f._affine(rank, range(rank))],
                           ["parallel"] * rank, init, lines, "%value")


def scatter_rows(f: Function, rows: Value, pool: Value,
                 indices: Value) -> Value:
    """`pool` with rows[b] written into slot indices[b] for each row b
    whose slot is inside the pool (a row of -1 writes nothing): a loop of
    slice insertions, in place in the pool's buffer."""
    if rows.shape[1:] != pool.shape[1:] or rows.dtype != pool.dtype:
        raise ValueError(f"scatter of {rows.type} into {pool.type}")
    rank = len(pool.shape)
    if rank < 2:
        raise ValueError(f"scatter into {pool.type}: a pool is [slots, ...]")
    zero, one = f._constant("0", "index"), f._constant("1", "index")
    count, slots = f._size(rows, 0, False), f._size(pool, 0, False)
    row, current = f._fresh("b"), f._fresh("pool")
    result, written = f._fresh("scattered"), f._fresh("next")
    lines, slot, inside = _slot(f, indices, row, slots)
    sizes = ", ".join(["1"] + [str(d) for d in pool.shape[1:]])
    ones = ", ".join(["1"] * rank)
    zeros = ", ".join(["0"] * (rank - 1))
    one_row = Value("", (1,) + pool.shape[1:], pool.dtype)
    piece, inserted = f._fresh("piece"), f._fresh("into")
    f.body.append(f"{result} = scf.for {row} = {zero} to {count} step {one} "
                  f"iter_args({current} = {pool.name}) -> ({pool.type}) {{")
    f.body += [f"  {line}" for line in lines]
    f.body += [
        f"  {written} = scf.if {inside} -> ({pool.type}) {{",
        f"    {piece} = tensor.extract_slice {rows.name}[{row}, {zeros}] "
        f"[{sizes}] [{ones}] : {rows.type} to {one_row.type}",
        f"    {inserted} = tensor.insert_slice {piece} into "
        f"{current}[{slot}, {zeros}] [{sizes}] [{ones}] : {one_row.type} "
        f"into {pool.type}",
        f"    scf.yield {inserted} : {pool.type}",
        "  } else {",
        f"    scf.yield {current} : {pool.type}",
        "  }",
        f"  scf.yield {written} : {pool.type}",
        "}"]
    return Value(result, pool.shape, pool.dtype)
