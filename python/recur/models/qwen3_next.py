"""The layers of a whole Qwen3-Next model (Hugging Face's
Qwen3NextForCausalLM), from the fields of Qwen3NextConfig.

Layer i is a Gated DeltaNet layer (gated_deltanet.py, under
model.layers.i.linear_attn) or a gated attention layer
(qwen3_next_attention.py, under model.layers.i.self_attn), as
`layer_types[i]` says ("linear_attention" / "full_attention"; default:
every `full_attention_interval`-th layer is attention, the others linear),
each followed by its MLP sublayer under model.layers.i.mlp (mlp.py): the
mixture of experts with a shared expert where `num_experts` > 0, i is not
in `mlp_only_layers` and i + 1 is a multiple of `decoder_sparse_step`,
else a SwiGLU MLP of `intermediate_size`. Every norm multiplies by
1 + weight (Qwen3NextRMSNorm).
"""

from typing import List

from . import builder, gated_deltanet, qwen3_next_attention
from .config import Config
from .mlp import GatedMLPConfig, MoEConfig

FAMILY = "qwen3_next"
# The model_type of its configs.
MODEL_TYPE = "qwen3_next"
KNOWN = gated_deltanet.KNOWN

# For whole models (whole.py): the token embedding, the final norm (and
# its offset), the default of `tie_word_embeddings`.
EMBEDDING = "model.embed_tokens.weight"
FINAL_NORM = "model.norm.weight"
FINAL_NORM_OFFSET = 1.0
TIED_BY_DEFAULT = False
LAYERS_DEFAULT = 48

LINEAR, FULL = "linear_attention", "full_attention"


def layer_types(config: Config, count: int) -> List[str]:
    """`layer_types`, checked, or the configuration class's default from
    `full_attention_interval`."""
    if config.fields.get("layer_types") is None:
        interval = config.integer("full_attention_interval", 4)
        return [FULL if (i + 1) % interval == 0 else LINEAR
                for i in range(count)]
    types = config.fields["layer_types"]
    if not isinstance(types, list) or len(types) != count or \
            any(t not in (LINEAR, FULL) for t in types):
        raise config.fail("layer_types", f"must list {count} layers (the "
                          f"num_hidden_layers), each \"{LINEAR}\" or "
                          f"\"{FULL}\"")
    return types


def _mlp(config: Config, hidden: int, index: int):
    """The MLP sublayer of layer `index`."""
    experts = config.integer("num_experts", 512, minimum=0)
    step = config.integer("decoder_sparse_step", 1)
    only = config.fields.get("mlp_only_layers", [])
    if not isinstance(only, list) or any(
            isinstance(i, bool) or not isinstance(i, int) for i in only):
        raise config.fail("mlp_only_layers", "must be a list of layer "
                          "indices")
    if experts and index not in only and (index + 1) % step == 0:
        c = MoEConfig(
            hidden_size=hidden, num_experts=experts,
            experts_per_token=config.integer("num_experts_per_tok", 10),
            expert_size=config.integer("moe_intermediate_size", 512),
            shared_expert_size=config.integer(
                "shared_expert_intermediate_size", 512, minimum=0),
            norm_topk_prob=config.boolean("norm_topk_prob", True))
        if c.experts_per_token > experts:
            raise config.fail("num_experts_per_tok", f"({c.experts_per_token}"
                              f") must be at most num_experts ({experts})")
        return c
    return GatedMLPConfig(hidden_size=hidden, intermediate_size=config.integer(
        "intermediate_size", 5632))


def layers(config: Config, count: int) -> List[builder.Layer]:
    """The model's `count` layers (num_hidden_layers)."""
    types = layer_types(config, count)
    hidden = config.integer("hidden_size")
    if config.text("hidden_act", "silu") != "silu":
        config.unsupported("hidden_act", "is not supported (only \"silu\")")
    mixers = {}
    if LINEAR in types:
        mixers[LINEAR] = (gated_deltanet, gated_deltanet.parse(config))
    if FULL in types:
        mixers[FULL] = (qwen3_next_attention,
                        qwen3_next_attention.parse(config))
    return [builder.Layer(*mixers[kind], _mlp(config, hidden, i))
            for i, kind in enumerate(types)]


__all__ = ["FAMILY", "KNOWN", "layer_types", "layers"]
