"""Whole models: token ids in, logits out.

A whole model is, with d = hidden_size and V = vocab_size,

    h      = embeddings[ids]                         [B, T, d]
    h      = layer_i(h)                              for every layer i
    logits = rms_norm(h) * (offset + norm_f) @ lm_head^T      [B, T, V]

with lm_head the embeddings where `tie_word_embeddings` says so. A layer
is its mixer with a pre-norm and a residual, and, in the families that
have one, an MLP sublayer the same way (builder.py): Mamba and Mamba-2's
layers are their mixers; Qwen3-Next's (qwen3_next.py) are Gated DeltaNet
or gated attention layers as `layer_types` says, each with a SwiGLU MLP or
a mixture of experts. The
description has two functions sharing one state layout (builder.py):
NAME, the prefill (token ids [B, T], the states in; the logits of the last
position [B, 1, V], or of every position with `all_logits`, and the
states out), and NAME_step, the same for one token per sequence. The
tensors are named as in the family's published checkpoints
(backbone.embeddings.weight, backbone.layers.N.norm.weight,
backbone.layers.N.mixer.*, backbone.norm_f.weight, lm_head.weight), but
that a mixture's experts are stacked into one argument per projection
(mlp.py; `checkpoint_weights` and `published_weights` convert).

Token ids outside [0, V) are clamped by the compiled embedding (the read
stays inside the table); `generate` refuses them before a call.
"""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Module
from . import (builder, fla_models, kimi_linear, mamba, mamba2, mlp,
               nemotron_h_model, qwen3_5, qwen3_next, recurrent_gemma_model,
               rwkv6_model)
from .config import Config, ConfigError, read_json

# The families with whole models, by model_type: each names its token
# embedding and final norm (EMBEDDING, FINAL_NORM, and FINAL_NORM_OFFSET
# where the norm multiplies by offset + weight) and its configuration
# class's default of `tie_word_embeddings` (TIED_BY_DEFAULT), and has
# `layers(config, count)` (its layers, builder.Layer) or is a block family
# whose layers are its blocks; lm_head.weight is the output projection
# where the embeddings are not tied. A family may scale the embeddings
# (`embedding_scale(config)`) and cap the logits (`logits_soft_cap(config)`:
# cap tanh(logits / cap)). Its norms may be LayerNorms (RWKV-6's): a
# FINAL_NORM_BIAS makes the final norm one (of FINAL_NORM_EPS where the
# layers' eps is not its), and EMBEDDING_NORM and EMBEDDING_NORM_BIAS name
# one applied to the embeddings; LM_HEAD renames lm_head.weight. A
# multimodal model's family reads its language model's fields through
# `text_config(config)` (Qwen3.5).
FAMILY_MODULES = {module.MODEL_TYPE: module
                  for module in (mamba, mamba2, nemotron_h_model, qwen3_next,
                                 recurrent_gemma_model, rwkv6_model,
                                 kimi_linear, qwen3_5, *fla_models.MODELS)}
LM_HEAD = "lm_head.weight"
# The checkpoint dtypes (a config's `torch_dtype`, or `dtype` in newer
# ones) and the weights' element type in the description.
WEIGHT_DTYPES = {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}


@dataclass
class WholeModel:
    family: object        # the family's module (FAMILY_MODULES)
    stack: List[builder.Layer]
    vocab_size: int
    tied: bool
    all_logits: bool = False
    # The element type of the weights: the checkpoint's (WEIGHT_DTYPES).
    weight_dtype: str = "f32"
    # The config's ignored fields: (field, why) (config.py).
    ignored: List[tuple] = field(default_factory=list)
    # What the embeddings are multiplied by, and the logits' soft cap.
    embedding_scale: float = 1.0
    soft_cap: Optional[float] = None

    @property
    def embedding(self) -> str:
        return self.family.EMBEDDING

    @property
    def final_norm(self) -> str:
        return self.family.FINAL_NORM

    @property
    def final_norm_offset(self) -> float:
        return getattr(self.family, "FINAL_NORM_OFFSET", 0.0)

    @property
    def final_norm_bias(self) -> Optional[str]:
        return getattr(self.family, "FINAL_NORM_BIAS", None)

    @property
    def final_norm_eps(self) -> float:
        return getattr(self.family, "FINAL_NORM_EPS", self.norm_eps)

    @property
    def embedding_norm(self) -> Optional[tuple]:
        """(weight, bias) of the LayerNorm on the embeddings, or None."""
        if not hasattr(self.family, "EMBEDDING_NORM"):
            return None
        return self.family.EMBEDDING_NORM, self.family.EMBEDDING_NORM_BIAS

    @property
    def lm_head(self) -> str:
        return getattr(self.family, "LM_HEAD", LM_HEAD)

    @property
    def hidden_size(self) -> int:
        return self.stack[0].c.hidden_size

    @property
    def norm_eps(self) -> float:
        return self.stack[0].c.norm_eps


def parse(config: Config, family: str, all_logits: bool = False
          ) -> WholeModel:
    """The whole model of `family` (a key of FAMILY_MODULES) that
    `config` describes; a ConfigError names a bad field."""
    module = FAMILY_MODULES[family]
    config.collect()
    model_type = config.text("model_type", family)
    if model_type != family:
        raise config.fail("model_type", f"is {model_type!r}, not the "
                          f"family's {family!r}")
    # A multimodal model's language model has its own fields (Qwen3.5).
    if hasattr(module, "text_config"):
        config = module.text_config(config)
    # mamba_ssm's field names where Hugging Face's are absent (Mamba).
    layers_field = "num_hidden_layers" if "num_hidden_layers" in \
        config.fields or "n_layer" not in config.fields else "n_layer"
    count = config.integer(layers_field,
                           getattr(module, "LAYERS_DEFAULT", None))
    if hasattr(module, "layers"):
        stack = module.layers(config, count)
    else:
        stack = builder.as_layers(builder.stack_layers(
            module, module.parse(config), count))
    dtype_field = "dtype" if "dtype" in config.fields else "torch_dtype"
    dtype = config.text(dtype_field, "float32")
    if dtype not in WEIGHT_DTYPES:
        raise config.fail(dtype_field, f"is {dtype!r}; expected one of "
                          f"{', '.join(sorted(WEIGHT_DTYPES))}")
    scale = module.embedding_scale(config) \
        if hasattr(module, "embedding_scale") else 1.0
    cap = module.logits_soft_cap(config) \
        if hasattr(module, "logits_soft_cap") else None
    # Every unsupported value at once.
    config.check()
    return WholeModel(
        family=module, stack=stack, ignored=config.ignored,
        embedding_scale=scale, soft_cap=cap,
        vocab_size=config.integer("vocab_size"),
        tied=config.boolean("tie_word_embeddings", module.TIED_BY_DEFAULT),
        all_logits=all_logits, weight_dtype=WEIGHT_DTYPES[dtype])


def load(model_dir: str, all_logits: bool = False) -> WholeModel:
    """The whole model of the checkpoint directory `model_dir`, from its
    config.json, whose `model_type` names the family."""
    path = os.path.join(model_dir, "config.json")
    fields = read_json(path)
    family = fields.get("model_type") if isinstance(fields, dict) else None
    if family not in FAMILY_MODULES:
        raise ConfigError(
            f"{path}: model_type {family!r} has no whole model (expected "
            f"one of {', '.join(sorted(FAMILY_MODULES))})")
    module = FAMILY_MODULES[family]
    return parse(Config(fields, family, module.KNOWN), family, all_logits)


def weight_shapes(m: WholeModel) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight."""
    shapes = {m.embedding: (m.vocab_size, m.hidden_size)}
    for name in m.embedding_norm or ():
        shapes[name] = (m.hidden_size,)
    shapes.update(builder.layers_weight_shapes(m.stack))
    shapes[m.final_norm] = (m.hidden_size,)
    if m.final_norm_bias:
        shapes[m.final_norm_bias] = (m.hidden_size,)
    if not m.tied:
        shapes[m.lm_head] = (m.vocab_size, m.hidden_size)
    return shapes


def weights_bytes(m: WholeModel) -> int:
    """The bytes of the model's weights in its weight dtype."""
    size = {"f32": 4, "bf16": 2, "f16": 2}[m.weight_dtype]
    return size * sum(int(np.prod(shape))
                      for shape in weight_shapes(m).values())


def checkpoint_weights(m: WholeModel, tensors) -> Dict[str, np.ndarray]:
    """The model's weights (weight_shapes' names) from a checkpoint's
    tensors by their published names (a mixture's experts stacked); a
    ConfigError names a missing tensor or a wrong shape."""
    def tensor(name, shape):
        if name not in tensors:
            raise ConfigError(f"weight {name!r} is in no file of the "
                              "checkpoint")
        if tuple(tensors[name].shape) != tuple(shape):
            raise ConfigError(f"weight {name!r} has shape "
                              f"{list(tensors[name].shape)}, expected "
                              f"{list(shape)}")
        return tensors[name]

    weights = {}
    for name, shape in weight_shapes(m).items():
        if mlp.STACKED in name:
            weights[name] = np.stack([
                tensor(name.replace(mlp.STACKED, str(e)), shape[1:])
                for e in range(shape[0])])
        else:
            weights[name] = tensor(name, shape)
    return weights


def published_weights(weights: Dict[str, np.ndarray]
                      ) -> Dict[str, np.ndarray]:
    """The weights (weight_shapes' names) by their names in a published
    checkpoint: each stacked weight as its experts' tensors."""
    return mlp.unstack_experts(weights)


def state_shapes(m: WholeModel) -> Dict[str, tuple]:
    """State argument -> shape less the batch."""
    return builder.layers_state_shapes(m.stack)


def build(m: WholeModel, name: str) -> str:
    """The model's description: NAME (prefill) and NAME_step, each
    calling its layer function (builder.layer_functions) once per
    layer."""
    module = Module()
    for function, time in ((name, None), (name + builder.STEP_SUFFIX, 1)):
        functions = builder.layer_functions(module, function, m.stack, time,
                                            m.weight_dtype)
        model_function(module.function(function), m, time, functions)
    return module.to_mlir()


def model_function(f, m: WholeModel, time: Optional[int], functions,
                   in_place: bool = False) -> None:
    """The model on ids [B, time] (time None: any T) as `f`, calling the
    layer functions `functions` (builder.layer_functions). With
    `in_place` (a private function that serving.py calls), the logits are
    written over a last argument `logits_into` and each next state over
    its state's argument, so that the function returns no buffer of its
    own."""
    ids = f.arg("input_ids", (None, time), "i32",
                dim_names=["B"] if time else ["B", "T"])
    packed = packed_weights(m, functions)
    w = {weight: f.arg(builder.arg_name(weight), shape, m.weight_dtype,
                       checkpoint_name=weight, packed=weight in packed)
         for weight, shape in weight_shapes(m).items()}
    states = {state: builder.state_arg(f, state, shape)
              for state, shape in state_shapes(m).items()}
    into = f.arg("logits_into", (None, time if m.all_logits else 1,
                                 m.vocab_size)) if in_place else None
    h = f.embed(w[m.embedding], ids)
    if m.embedding_scale != 1.0:
        h = f.map(lambda a: a * m.embedding_scale, h)
    if m.embedding_norm:
        norm, bias = (f.map(lambda a: a, w[name], dtype="f32")
                      for name in m.embedding_norm)
        h = pieces.layer_norm(f, h, norm, bias, m.norm_eps)
    h, next_states = builder.emit_layer_calls(f, m.stack, functions, h, w,
                                              states, in_place)
    if not m.all_logits:
        h = f.last_token(h)
    norm = w[m.final_norm]
    if m.final_norm_offset or norm.dtype != "f32":
        norm = f.map(lambda a: a + m.final_norm_offset, norm, dtype="f32")
    if m.final_norm_bias:
        normed = pieces.layer_norm(
            f, h, norm, f.map(lambda a: a, w[m.final_norm_bias],
                              dtype="f32"), m.final_norm_eps, dtype="f32")
    else:
        normed = pieces.rms_norm(f, h, norm, m.final_norm_eps, dtype="f32")
    head = w[m.embedding] if m.tied else w[m.lm_head]
    logits = f.linear(normed, head)
    if m.soft_cap is not None:
        cap = m.soft_cap
        logits = f.map(lambda a: expr.tanh(a / cap) * cap, logits)
    f.ret(f.copy_into(logits, into) if in_place else logits, "logits")
    outputs = builder.layers_state_outputs(m.stack)
    for state, value in zip(states, next_states):
        if in_place:
            value = f.copy_into(value, states[state])
        f.ret(value, outputs[state][0])


def packed_weights(m: WholeModel, functions) -> List[str]:
    """The weights that the model function declares packed: those that the
    layer functions `functions` take packed, and the lm_head, which
    `linear` reads. A tied lm_head is the embedding table, which `embed`
    then reads in its panels (a row's entries 16 apart: a few rows per
    call, where the lm_head multiplies the whole table)."""
    head = m.embedding if m.tied else m.lm_head
    return builder.packed_weights(m.stack, functions) + [head]


def reference(m: WholeModel, weights: Dict[str, np.ndarray],
              ids: np.ndarray, states: Dict[str, np.ndarray]):
    """The model in float64: (logits, {state: its next value}, each KV
    cache with the new tokens' entries appended), the logits of the last
    position [B, 1, V] (of every position with all_logits)."""
    table = ref.to_float64(weights[m.embedding])
    if ids.size and (ids.min() < 0 or ids.max() >= m.vocab_size):
        raise ValueError("token ids outside the vocabulary")
    h = table[np.asarray(ids, dtype=np.int64)] * m.embedding_scale
    if m.embedding_norm:
        norm, bias = m.embedding_norm
        h = ref.layer_norm(h, ref.to_float64(weights[norm]),
                           ref.to_float64(weights[bias]), m.norm_eps)
    h, next_states = builder.layers_reference(m.stack, weights, h, states)
    if not m.all_logits:
        h = h[:, -1:]
    norm = m.final_norm_offset + ref.to_float64(weights[m.final_norm])
    if m.final_norm_bias:
        normed = ref.layer_norm(h, norm,
                                ref.to_float64(weights[m.final_norm_bias]),
                                m.final_norm_eps)
    else:
        normed = ref.rms_norm(h, norm, m.final_norm_eps)
    head = table if m.tied else ref.to_float64(weights[m.lm_head])
    logits = normed @ head.T
    if m.soft_cap is not None:
        logits = np.tanh(logits / m.soft_cap) * m.soft_cap
    outputs = builder.layers_state_outputs(m.stack)
    return logits, {
        state: builder.advance_state(appended, states[state],
                                     next_states[state])
        for state, (_, appended) in outputs.items()}


def random_weights(m: WholeModel, rand) -> Dict[str, np.ndarray]:
    """Random weights in a trained checkpoint's ranges, by checkpoint name:
    the layers' (builder.random_layers_weights), embeddings of small rows
    (0.1 a element after the family's scale: a tied lm_head would otherwise
    pick the input token again, its own row outweighing what the layers
    add), small biases, a final norm near 1."""
    w = builder.random_layers_weights(m.stack, rand)
    # Small biases, as trained ones are: the blocks' test weights have
    # biases of unit scale, which across layers push every token to one.
    # (Not the routers' score biases, which only choose experts.)
    w = {name: value * 0.05 if name.endswith("bias") and
         not name.endswith(mlp.SCORE_BIAS) else value
         for name, value in w.items()}
    w[m.embedding] = rand.normal((m.vocab_size, m.hidden_size),
                                 scale=0.1 / m.embedding_scale)
    w[m.final_norm] = rand.uniform((m.hidden_size,), 0.8, 1.2) - \
        m.final_norm_offset
    norms = [m.final_norm_bias] + list(m.embedding_norm or ())
    for name in filter(None, norms):
        w[name] = rand.normal((m.hidden_size,), scale=0.05) \
            if name.endswith("bias") else \
            rand.uniform((m.hidden_size,), 0.8, 1.2)
    if not m.tied:
        w[m.lm_head] = rand.normal((m.vocab_size, m.hidden_size),
                                   scale=m.hidden_size ** -0.5)
    assert set(w) == set(weight_shapes(m))
    # In the checkpoint's dtype: the values a bf16 checkpoint holds.
    return {name: ref.round_to_dtype(value, m.weight_dtype)
            for name, value in w.items()}


def zero_states(m: WholeModel, batch: int) -> Dict[str, np.ndarray]:
    """The states of `batch` fresh sequences (KV caches empty)."""
    return {state: np.zeros((batch,) + tuple(
        0 if isinstance(d, str) else d for d in shape))
        for state, shape in state_shapes(m).items()}


def call(compiled, m: WholeModel, weights: Dict[str, np.ndarray],
         function: str, ids: np.ndarray, states: Dict[str, np.ndarray]):
    """One call of `function` (build's NAME or NAME_step) of the compiled
    model on ids [B, T] from `states`, with `weights` by weight_shapes'
    names: (logits, the next states, each KV cache with the new tokens'
    entries appended)."""
    inputs = {builder.arg_name(name): value
              for name, value in weights.items()}
    inputs.update(states)
    inputs["input_ids"] = ids
    dims = {"B": ids.shape[0]}
    if not function.endswith(builder.STEP_SUFFIX):
        dims["T"] = ids.shape[1]
    shapes = state_shapes(m)
    for state, value in states.items():
        for dim, size in zip(shapes[state], value.shape[1:]):
            if isinstance(dim, str):
                dims[dim] = size
    out = compiled.run(function, inputs, dims)
    outputs = builder.layers_state_outputs(m.stack)
    return out["logits"], {
        state: builder.advance_state(appended, states[state], out[name])
        for state, (name, appended) in outputs.items()}


def generate(step, prefill, m: WholeModel, prompt: np.ndarray,
             tokens: int, states: Dict[str, np.ndarray]) -> np.ndarray:
    """Greedy generation of `tokens` tokens after `prompt` [B, T] (ids in
    [0, V)): `prefill(ids, states)` and `step(ids, states)` each return
    (logits [B, 1, V], next states). Returns the generated ids [B,
    tokens]. Ids outside the vocabulary are refused (ValueError)."""
    prompt = np.asarray(prompt)
    if prompt.ndim != 2 or prompt.shape[1] < 1:
        raise ValueError(f"prompt must be [B, T] with T >= 1, got "
                         f"{list(prompt.shape)}")
    if prompt.min() < 0 or prompt.max() >= m.vocab_size:
        raise ValueError(f"prompt ids must be in [0, {m.vocab_size})")
    logits, states = prefill(prompt, states)
    generated = []
    for index in range(tokens):
        next_ids = np.argmax(logits[:, -1], axis=-1).astype(np.int32)
        generated.append(next_ids)
        if index + 1 < tokens:
            logits, states = step(next_ids[:, None], states)
    return np.stack(generated, axis=1)


__all__ = ["WholeModel", "ConfigError", "parse", "load", "weight_shapes",
           "checkpoint_weights", "published_weights", "weights_bytes",
           "state_shapes",
           "build", "reference", "random_weights", "zero_states", "call",
           "generate", "FAMILY_MODULES"]
