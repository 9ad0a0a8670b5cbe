"""The layers of a whole Kimi Linear model (the checkpoint's
KimiLinearForCausalLM, modeling_kimi.py), from the fields of
KimiLinearConfig.

Layer i (numbered i + 1 in `linear_attn_config`) is a Kimi Delta Attention
layer (kda.py) where `kda_layers` names it, else a multi-head latent
attention layer (kimi_mla.py), both under model.layers.i.self_attn after
input_layernorm; then, after post_attention_layernorm, its MLP sublayer
(mlp.py):

- a mixture of experts under model.layers.i.block_sparse_moe where
  `num_experts` is set, i >= first_k_dense_replace and i is a multiple of
  moe_layer_freq: num_experts gated SiLU experts (w1, w3, w2: gate, up,
  down) of width moe_intermediate_size, num_experts_per_token per token,
  routed as DeepSeek-V3 (sigmoid scores, gate.e_score_correction_bias to
  choose, renormalized when moe_renormalize and more than one expert a
  token, times routed_scaling_factor), plus shared_experts, a gated MLP of
  width moe_intermediate_size x num_shared_experts;
- else a SwiGLU MLP of intermediate_size under model.layers.i.mlp.

The routing weights are the chosen experts' sigmoid scores without the
correction bias, as DeepSeek-V3 and vLLM's Kimi Linear compute them; the
published modeling code adds the bias to the scores in place before it
gathers them, so its weights include the bias (a known aliasing bug).
Grouped top-k (use_grouped_topk) keeps every expert where topk_group is
num_expert_group (1 in the published configs); fewer groups are refused.
"""

from typing import List

from . import builder, kda, kimi_mla
from .config import Config
from .mlp import GatedMLPConfig, MoEConfig

FAMILY = "kimi_linear"
MODEL_TYPE = kda.MODEL_TYPE
KNOWN = kda.KNOWN

# For whole models (whole.py).
EMBEDDING = "model.embed_tokens.weight"
FINAL_NORM = "model.norm.weight"
TIED_BY_DEFAULT = False
LAYERS_DEFAULT = 27


def _mlp(config: Config, index: int, hidden: int):
    """The MLP sublayer's config of layer `index`."""
    experts = config.fields.get("num_experts")
    first_dense = config.integer("first_k_dense_replace", 0, minimum=0)
    frequency = config.integer("moe_layer_freq", 1)
    if experts is None or index < first_dense or index % frequency:
        return GatedMLPConfig(hidden_size=hidden,
                              intermediate_size=config.integer(
                                  "intermediate_size"))
    experts = config.integer("num_experts")
    width = config.integer("moe_intermediate_size")
    per_token = config.integer("num_experts_per_token")
    if per_token > experts:
        raise config.fail("num_experts_per_token", f"({per_token}) must be "
                          f"at most num_experts ({experts})")
    if config.text("moe_router_activation_func", "sigmoid") != "sigmoid":
        config.unsupported("moe_router_activation_func", "is not supported "
                           "(only \"sigmoid\")")
    if config.boolean("use_grouped_topk", True):
        groups = config.integer("num_expert_group", 1)
        if config.integer("topk_group", 1) < groups:
            config.unsupported("topk_group", f"less than num_expert_group "
                               f"({groups}) is not supported (grouped "
                               "top-k)")
    return MoEConfig(
        hidden_size=hidden, num_experts=experts, experts_per_token=per_token,
        expert_size=width,
        shared_expert_size=width * config.integer("num_shared_experts", 1,
                                                  minimum=0),
        norm_topk_prob=config.boolean("moe_renormalize", True) and
        per_token > 1,
        router="sigmoid",
        routed_scale=config.number("routed_scaling_factor", 1.0),
        expert_names=("w1", "w3", "w2"), shared_prefix="shared_experts.")


def layers(config: Config, count: int) -> List[builder.Layer]:
    """The model's `count` layers (num_hidden_layers)."""
    linear = kda.parse(config)
    numbers = config.fields[kda.LINEAR]["kda_layers"]
    mla = None
    if any(i + 1 not in numbers for i in range(count)):
        mla = kimi_mla.parse(config)
    if config.text("hidden_act", "silu") != "silu":
        config.unsupported("hidden_act", "is not supported (only \"silu\")")
    if config.fields.get("rope_scaling") is not None:
        config.unsupported("rope_scaling", "is not supported (only null; "
                           "the MLA layers have no rotary embedding)")
    hidden = linear.hidden_size
    return [builder.Layer(kda, linear, _mlp(config, i, hidden))
            if i + 1 in numbers else
            builder.Layer(kimi_mla, mla, _mlp(config, i, hidden))
            for i in range(count)]


__all__ = ["FAMILY", "MODEL_TYPE", "KNOWN", "layers"]
