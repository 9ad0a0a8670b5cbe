"""The Kimi Delta Attention (KDA) mixer of Kimi Linear (its linear-attention
layers), from the fields of Moonshot AI's KimiLinearConfig
(configuration_kimi.py of moonshotai/Kimi-Linear-48B-A3B-Instruct, whose
block is KimiDeltaAttention in that checkpoint's modeling_kimi.py).

The block's sizes are in the config's `linear_attn_config` object: with
d = hidden_size, H = num_heads, K = head_dim (queries, keys and values
alike), P = H K and W = short_conv_kernel_size, per token:

    q, k, v = silu(conv1d(q_proj(x))), ... (k_proj, v_proj)
                                  three depthwise convs, each with its state
    q, k    = l2_normalize per head (eps 1e-6)
    g       = -exp(A_log_h) softplus(f_b_proj(f_a_proj(x)) + dt_bias)
                                  [H, K]: one log-decay per key channel
    beta    = sigmoid(b_proj(x))  [H]
    S       = diag(exp(g)) S;  S += beta k (v - S^T k)^T;  o = S^T q / sqrt(K)
    y       = rms_norm(o) * o_norm.weight * sigmoid(g_b_proj(g_a_proj(x)))
                                  per head (K)
    out     = o_proj(y)

The recurrence is recur.linear_attention with a key gate and the delta rule
(decay first, then the delta update, as in KDA). The states are the three
conv states [B, W - 1, P] (the last W - 1 inputs of q_proj, k_proj and
v_proj: the checkpoint code's conv caches [B, P, W] transposed, less their
oldest column, which the next step does not read) and the recurrent state
[B, H, K, K] (the checkpoint code's layout). builder.py writes the block's
function. `reference` is the block in float64 NumPy, written from the
family's modeling code (a token loop).
"""

from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np

from .. import expr, pieces, reference as ref
from ..model import Function
from . import builder, limits
from .config import Config, ConfigError, shown
from .mlp import MoEConfig

FAMILY = "kda"
# The model_type of its configs.
MODEL_TYPE = "kimi_linear"

# Every field of Kimi Linear's KimiLinearConfig (and the PretrainedConfig
# fields its config.json carries): the block reads hidden_size, rms_norm_eps
# and linear_attn_config, the rest of the model (MLA, MoE) the others.
KNOWN = (
    "architectures", "auto_map", "bos_token_id", "dtype", "eos_token_id",
    "first_k_dense_replace", "head_dim", "hidden_act", "hidden_size",
    "initializer_range", "intermediate_size", "kv_lora_rank",
    "linear_attn_config", "mla_use_nope", "model_max_length", "model_type",
    "moe_intermediate_size", "moe_layer_freq", "moe_renormalize",
    "moe_router_activation_func", "num_attention_heads", "num_expert_group",
    "num_experts", "num_experts_per_token", "num_hidden_layers",
    "num_key_value_heads", "num_nextn_predict_layers", "num_shared_experts",
    "pad_token_id", "q_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim",
    "rms_norm_eps", "rope_scaling", "rope_theta", "routed_scaling_factor",
    "tie_word_embeddings", "topk_group", "torch_dtype",
    "transformers_version", "use_cache", "use_grouped_topk", "v_head_dim",
    "vocab_size",
)

# The object of the KDA layers' fields, and every field it has (layer
# numbers in kda_layers and full_attn_layers count from 1).
LINEAR = "linear_attn_config"
LINEAR_KNOWN = ("full_attn_layers", "head_dim", "kda_layers", "num_heads",
                "short_conv_kernel_size")

# The query and key normalization of the KDA kernels.
L2_EPS = 1e-6


@dataclass
class KdaConfig:
    hidden_size: int
    num_heads: int
    head_dim: int
    conv_kernel: int = 4
    rms_norm_eps: float = 1e-6

    @property
    def norm_eps(self) -> float:
        return self.rms_norm_eps

    @property
    def projection(self) -> int:
        return self.num_heads * self.head_dim


def _linear_attn_config(config: Config) -> Config:
    """The fields of `linear_attn_config`, named `linear_attn_config.NAME`
    in messages."""
    if config.fields.get(LINEAR, {}) is None:
        raise config.fail(LINEAR, "null (a model without KDA layers) is not "
                          "supported")
    return config.section(LINEAR, LINEAR_KNOWN)


def _layer_numbers(linear: Config, name: str) -> List[int]:
    """A list of layer numbers (from 1 to limits.MAX_LAYERS) in
    `linear_attn_config`."""
    field = f"{LINEAR}.{name}"
    if field not in linear.fields:
        raise ConfigError(f"{linear.family} config: missing field "
                          f"'{field}'")
    value = linear.fields[field]
    if not isinstance(value, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and
            1 <= n <= limits.MAX_LAYERS for n in value):
        raise linear.fail(field, f"must be a list of layer numbers (from 1 "
                          f"to {limits.MAX_LAYERS}), got {shown(value)}")
    return value


def parse(config: Config) -> KdaConfig:
    """The block's fields, checked; a ConfigError names the bad one."""
    linear = _linear_attn_config(config)
    c = KdaConfig(
        hidden_size=config.integer("hidden_size"),
        num_heads=linear.integer(f"{LINEAR}.num_heads"),
        head_dim=linear.integer(f"{LINEAR}.head_dim"),
        conv_kernel=linear.integer(f"{LINEAR}.short_conv_kernel_size",
                                   minimum=2),
        rms_norm_eps=config.number("rms_norm_eps", 1e-6))
    kda = _layer_numbers(linear, "kda_layers")
    full = _layer_numbers(linear, "full_attn_layers")
    if not kda:
        raise linear.fail(f"{LINEAR}.kda_layers", "is empty (a model without "
                          "KDA layers is not supported)")
    both = sorted(set(kda) & set(full))
    if both:
        raise linear.fail(f"{LINEAR}.kda_layers", f"and full_attn_layers "
                          f"both name layer {both[0]}")
    layers = config.integer("num_hidden_layers", max(kda + full))
    if max(kda + full) > layers:
        raise linear.fail(f"{LINEAR}.kda_layers", f"or full_attn_layers "
                          f"name layer {max(kda + full)}, beyond "
                          f"num_hidden_layers ({layers})")
    return c


# For stacks (builder.py): where a layer's weights are in the checkpoint,
# and its pre-norm (which multiplies by PRE_NORM_OFFSET + weight); in a
# whole model (kimi_linear.py), the MLP sublayer's norm and place: the
# mixture of experts under block_sparse_moe., a dense MLP under mlp.
LAYERS_PREFIX = "model.layers"
MIXER_PREFIX = "self_attn."
PRE_NORM = "input_layernorm.weight"
PRE_NORM_OFFSET = 0.0
MLP_NORM = "post_attention_layernorm.weight"
MATRIX_WEIGHTS = tuple(f"{name}.weight" for name in (
    "q_proj", "k_proj", "v_proj", "f_a_proj", "f_b_proj", "b_proj",
    "g_a_proj", "g_b_proj", "o_proj"))


def mlp_prefix(mlp) -> str:
    return "block_sparse_moe." if isinstance(mlp, MoEConfig) else "mlp."


def weight_shapes(c: KdaConfig) -> Dict[str, tuple]:
    """Checkpoint name -> shape of every weight the block reads."""
    d, h, k, p = c.hidden_size, c.num_heads, c.head_dim, c.projection
    shapes = {}
    for name in "qkv":
        shapes[f"{name}_proj.weight"] = (p, d)
        shapes[f"{name}_conv1d.weight"] = (p, 1, c.conv_kernel)
    shapes.update({
        "A_log": (1, 1, h, 1),
        "f_a_proj.weight": (k, d),
        "f_b_proj.weight": (p, k),
        "dt_bias": (p,),
        "b_proj.weight": (h, d),
        "g_a_proj.weight": (k, d),
        "g_b_proj.weight": (p, k),
        "o_norm.weight": (k,),
        "o_proj.weight": (d, p),
    })
    return shapes


def state_shapes(c: KdaConfig) -> Dict[str, tuple]:
    """The recurrent states (argument names), each [B, ...] less B."""
    conv = (c.conv_kernel - 1, c.projection)
    return {"q_conv_state": conv, "k_conv_state": conv, "v_conv_state": conv,
            "recurrent_state": (c.num_heads, c.head_dim, c.head_dim)}


def random_weights(c, rand) -> Dict[str, np.ndarray]:
    """Weights in a trained checkpoint's ranges (decays exp(A_log) in
    [1, 8], softplus(dt_bias) small), for tests and examples."""
    return builder.random_decay_weights(weight_shapes(c), rand)


def emit(f: Function, c: KdaConfig, x, w, q_conv_state, k_conv_state,
         v_conv_state, state):
    """The block's ops in `f`: (out, q, k and v conv states, recurrent
    state)."""
    heads = c.num_heads

    def short_conv(name, conv_state):
        """silu(conv1d(NAME_proj(x))) [B, T, H, K] and the next state."""
        weight = f.merge_dims(w[f"{name}_conv1d.weight"], 0)   # [P, W]
        y, conv_next = f.conv1d(f.linear(x, w[f"{name}_proj.weight"]),
                                weight, state=conv_state, activation="silu")
        return f.split_heads(y, heads), conv_next

    q, q_next = short_conv("q", q_conv_state)
    k, k_next = short_conv("k", k_conv_state)
    v, v_next = short_conv("v", v_conv_state)
    q = pieces.l2_normalize(f, q, L2_EPS)
    k = pieces.l2_normalize(f, k, L2_EPS)

    def low_rank(first, second):
        """second(first(x)) split into heads: [B, T, H, K]."""
        return f.split_heads(f.linear(f.linear(x, w[first]), w[second]),
                             heads)

    a_log = f.merge_dims(f.merge_dims(f.merge_dims(w["A_log"], 0), 0), 0)
    gate = f.map(lambda a, al, dt: -expr.exp(al) * expr.softplus(a + dt),
                 low_rank("f_a_proj.weight", "f_b_proj.weight"),
                 (a_log, (2,)), f.split_heads(w["dt_bias"], heads))
    beta = f.map(expr.sigmoid, f.linear(x, w["b_proj.weight"]))  # [B, T, H]
    o, state_next = f.linear_attention(q, k, v, g=gate, gate_kind="key",
                                       beta=beta, h0=state,
                                       scale=c.head_dim ** -0.5)
    y = pieces.sigmoid_gated_rms_norm(
        f, o, low_rank("g_a_proj.weight", "g_b_proj.weight"),
        w["o_norm.weight"], c.rms_norm_eps)
    out = f.linear(f.merge_heads(y), w["o_proj.weight"])
    return out, q_next, k_next, v_next, state_next


def reference(c: KdaConfig, weights: Dict[str, np.ndarray], x: np.ndarray,
              q_conv_state: Optional[np.ndarray] = None,
              k_conv_state: Optional[np.ndarray] = None,
              v_conv_state: Optional[np.ndarray] = None,
              state: Optional[np.ndarray] = None):
    """The block in float64 (weights by checkpoint name): (out, q, k and v
    conv states, recurrent state [B, H, K, K])."""
    w = {name: ref.to_float64(value) for name, value in weights.items()}
    x = ref.to_float64(x)
    batch, time, _ = x.shape
    h, dk = c.num_heads, c.head_dim
    heads = (batch, time, h, dk)
    mixed, conv_next = [], []
    for name, conv_state in (("q", q_conv_state), ("k", k_conv_state),
                             ("v", v_conv_state)):
        y, nxt = ref.conv1d(ref.linear(x, w[f"{name}_proj.weight"]),
                            w[f"{name}_conv1d.weight"][:, 0, :],
                            state=conv_state, activation="silu")
        mixed.append(y.reshape(heads))
        conv_next.append(nxt)
    q, k, v = mixed
    q = ref.l2_normalize(q, L2_EPS) * dk ** -0.5
    k = ref.l2_normalize(k, L2_EPS)
    f_in = ref.linear(ref.linear(x, w["f_a_proj.weight"]),
                      w["f_b_proj.weight"]) + w["dt_bias"]
    g = -np.exp(w["A_log"].reshape(h, 1)) * \
        ref.softplus(f_in.reshape(heads))                   # [B, T, H, K]
    beta = ref.sigmoid(ref.linear(x, w["b_proj.weight"]))  # [B, T, H]
    s = (np.zeros((batch, h, dk, dk)) if state is None
         else ref.to_float64(state).copy())
    o = np.zeros(heads)
    for t in range(time):
        s = s * np.exp(g[:, t])[..., None]          # row i of S by exp(g_i)
        memory = np.einsum("bhkv,bhk->bhv", s, k[:, t])
        delta = (v[:, t] - memory) * beta[:, t, :, None]
        s = s + k[:, t, :, :, None] * delta[:, :, None, :]
        o[:, t] = np.einsum("bhkv,bhk->bhv", s, q[:, t])
    gate = ref.linear(ref.linear(x, w["g_a_proj.weight"]),
                      w["g_b_proj.weight"]).reshape(heads)
    y = ref.sigmoid_gated_rms_norm(o, gate, w["o_norm.weight"],
                                   c.rms_norm_eps)
    out = ref.linear(y.reshape(batch, time, -1), w["o_proj.weight"])
    return (out, *conv_next, s)


__all__ = ["FAMILY", "KNOWN", "LINEAR_KNOWN", "KdaConfig", "parse",
           "weight_shapes", "state_shapes", "random_weights", "emit",
           "reference"]
