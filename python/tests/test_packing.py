"""Tests of which weights the front end declares packed (recur.model's
Function.arg(packed=True)) and how calls pass them: a weight is packed
where every read of it is a `linear` weight, the prefill and the step of a
block agree, and a stack's or a whole model's arguments are packed exactly
where the layer functions they are passed to take them packed; the
lm_head is packed, and a tied one is the embedding table, which `embed`
reads in its panels.
"""

import json
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))

from recur.model import Module, packed_shape  # noqa: E402
from recur.models import FAMILIES, builder, load_config, whole  # noqa: E402
from recur.models.config import Config  # noqa: E402

CONFIGS = os.path.join(HERE, "..", "..", "examples", "configs")


def args_of(text, function):
    """name -> (type, packed) of `function`'s arguments in module text."""
    line = next(line for line in text.splitlines()
                if f"@{function}(" in line)
    found = {}
    for part in line.split(", %"):
        if "recur.name" not in part:
            continue
        name = part.split('recur.name = "')[1].split('"')[0]
        found[name] = (part.split(": ", 1)[1].split(" {")[0],
                       "recur.packed_rows" in part)
    return found


def test_linear_only_reads():
    f = Module().function("f")
    x = f.arg("x", (None, None, 8))
    only = f.arg("only", (4, 8))
    twice = f.arg("twice", (4, 8))
    other = f.arg("other", (4, 8))
    f.linear(x, only)
    f.linear(x, twice)
    f.linear(x, twice)
    f.linear(x, other)
    f.ret(f.map(lambda a: a * 2.0, other), "y")
    assert f.linear_only_args() == ["only", "twice"]


def test_call_passes_panels():
    m = Module()
    callee = m.function("callee", private=True)
    w = callee.arg("w", (20, 8), packed=True)
    x = callee.arg("x", (None, 8), dim_names=["B"])
    callee.ret(callee.linear(x, w), "y")
    assert callee.packed_args() == ["w"]
    caller = m.function("caller")
    weight = caller.arg("w", (20, 8), packed=True)
    xs = caller.arg("x", (None, 8), dim_names=["B"])
    (y,) = caller.call(callee, [weight, xs])
    assert y.shape == (None, 20)
    assert f"{weight.panels.name}, {xs.name}" in caller.body[-1]
    assert weight.panels.shape == packed_shape((20, 8))
    plain = m.function("plain")
    unpacked = plain.arg("w", (20, 8))
    with pytest.raises(ValueError):
        plain.call(callee, [unpacked, plain.arg("x", (None, 8),
                                                dim_names=["B"])])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_block_packs_linear_weights(family):
    c = load_config(family, os.path.join(CONFIGS, f"{family}-tiny.json"))
    module = FAMILIES[family]
    text = builder.build_block(module, c, "blk") \
        if not hasattr(module, "layers") else None
    if text is None:
        pytest.skip("a hybrid family writes stacks")
    prefill, step = args_of(text, "blk"), args_of(text, "blk_step")
    packed = {name for name, (_, p) in prefill.items() if p}
    assert packed, "every family has projections"
    assert packed == {name for name, (_, p) in step.items() if p}
    shapes = {builder.arg_name(w): s
              for w, s in module.weight_shapes(c).items()}
    for name in packed:
        assert prefill[name][0].startswith(
            "tensor<" + "x".join(map(str, packed_shape(shapes[name]))))


def test_stack_args_follow_layer_params():
    family = FAMILIES["mamba2"]
    c = load_config("mamba2", os.path.join(CONFIGS, "mamba2-tiny.json"))
    text = builder.build_stack(family, c, 2, "stack")
    layer = args_of(text, "stack_layer")
    public = args_of(text, "stack")
    layer_packed = {n for n, (_, p) in layer.items() if p}
    assert layer_packed == {"backbone_layers_0_mixer_in_proj_weight",
                            "backbone_layers_0_mixer_out_proj_weight"}
    assert {n for n, (_, p) in public.items() if p} == {
        name.replace("_0_", f"_{i}_") for name in layer_packed
        for i in range(2)}


@pytest.mark.parametrize("tied", [False, True])
def test_whole_model_lm_head(tied):
    with open(os.path.join(CONFIGS, "mamba2-tiny.json")) as f:
        fields = dict(json.load(f), tie_word_embeddings=tied)
    m = whole.parse(Config(fields, "mamba2", whole.FAMILY_MODULES[
        "mamba2"].KNOWN), "mamba2")
    text = whole.build(m, "model")
    public = args_of(text, "model")
    # The lm_head is packed; a tied one is the embedding table, which
    # `embed` then reads in its panels.
    assert public[builder.arg_name(m.embedding)][1] is tied
    assert (builder.arg_name(m.lm_head) in public) is not tied
    if not tied:
        assert public[builder.arg_name(m.lm_head)][1]
    table = f"%{builder.arg_name(m.embedding)}.panels["
    assert (table in text) is tied
