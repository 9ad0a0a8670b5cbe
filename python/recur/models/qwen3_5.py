"""The language model of Qwen3.5 (Hugging Face's Qwen3_5ForConditionalGeneration,
model_type "qwen3_5"), from the fields of its config's `text_config`
(Qwen3_5TextConfig); the vision encoder (`vision_config`) is not part of
it, and its tensors (model.visual.*) and the multi-token-prediction
layers' (mtp.*) are not read.

The layers are Qwen3-Next's (qwen3_next.py: Gated DeltaNet and gated
attention layers as `layer_types` / `full_attention_interval` lay them
out, norms multiplying by 1 + weight) with a SwiGLU MLP each
(intermediate_size), under model.language_model.layers, and three
differences of the checkpoint:

- the Gated DeltaNet's projections are separate and not grouped per key
  head: in_proj_qkv ([q of every key head | k | v of every value head]),
  in_proj_z, in_proj_b and in_proj_a (gated_deltanet.py,
  `separate_projections`);
- the rotary embedding is interleaved M-RoPE (rope_parameters'
  mrope_section, mrope_interleaved), whose temporal, height and width
  positions are the token's position for text: the same rotation as
  Qwen3-Next's partial RoPE;
- model.language_model.embed_tokens, model.language_model.norm, and the
  lm_head (lm_head.weight, or the embeddings where tie_word_embeddings).

The top-level `tie_word_embeddings`, `torch_dtype` and `dtype` apply
where `text_config` has none of its own. The mixture-of-experts variant
(qwen3_5_moe) is not supported.
"""

from dataclasses import replace
from typing import List

from . import builder, gated_deltanet, qwen3_next, qwen3_next_attention
from .config import Config, shown
from .mlp import GatedMLPConfig

FAMILY = "qwen3_5"
MODEL_TYPE = "qwen3_5"
TEXT_MODEL_TYPE = "qwen3_5_text"

# The fields of Qwen3_5Config (the top level).
KNOWN = (
    "architectures", "dtype", "image_token_id", "model_type", "text_config",
    "tie_word_embeddings", "torch_dtype", "transformers_version",
    "video_token_id", "vision_config", "vision_end_token_id",
    "vision_start_token_id",
)
# The fields of Qwen3_5TextConfig.
TEXT_KNOWN = gated_deltanet.KNOWN + (
    "attn_output_gate", "dtype", "mamba_ssm_dtype",
    "mtp_num_hidden_layers", "mtp_use_dedicated_embeddings",
    "pad_token_id", "rope_parameters",
)
# Top-level fields a text_config without them takes.
INHERITED = ("tie_word_embeddings", "torch_dtype", "dtype")

# For whole models (whole.py).
EMBEDDING = "model.language_model.embed_tokens.weight"
FINAL_NORM = "model.language_model.norm.weight"
FINAL_NORM_OFFSET = 1.0
TIED_BY_DEFAULT = False
LAYERS_DEFAULT = 32
LAYERS_PREFIX = "model.language_model.layers"

# The layer families, under the language model's prefix.
LINEAR_LAYERS = builder.Relocated(gated_deltanet, LAYERS_PREFIX)
ATTENTION_LAYERS = builder.Relocated(qwen3_next_attention, LAYERS_PREFIX)


def text_config(config: Config) -> Config:
    """The fields of `text_config` (with the INHERITED top-level ones),
    recording unsupported values where `config` does; the vision encoder
    is listed as ignored."""
    section = config.fields.get("text_config")
    if not isinstance(section, dict):
        raise config.fail("text_config", f"must be an object (the language "
                          f"model's fields), got {shown(section)}")
    text_type = section.get("model_type", TEXT_MODEL_TYPE)
    if text_type != TEXT_MODEL_TYPE:
        raise config.fail("text_config", f"has model_type {shown(text_type)}"
                          f", not {shown(TEXT_MODEL_TYPE)}")
    fields = {name: config.fields[name] for name in INHERITED
              if name in config.fields}
    fields.update(section)
    text = Config(fields, config.family, TEXT_KNOWN)
    text.refused = config.refused
    if config.fields.get("vision_config") is not None:
        config.ignored.append(("vision_config", "the vision encoder is not "
                               "part of the language model"))
    text.ignored = config.ignored + [(f"text_config.{name}", why)
                                     for name, why in text.ignored]
    return text


def layers(config: Config, count: int) -> List[builder.Layer]:
    """The model's `count` layers (num_hidden_layers)."""
    types = qwen3_next.layer_types(config, count)
    hidden = config.integer("hidden_size")
    if config.text("hidden_act", "silu") != "silu":
        config.unsupported("hidden_act", "is not supported (only \"silu\")")
    if not config.boolean("attn_output_gate", True):
        config.unsupported("attn_output_gate", "false is not supported")
    mlp = GatedMLPConfig(hidden_size=hidden,
                         intermediate_size=config.integer("intermediate_size",
                                                          12288))
    mixers = {}
    if qwen3_next.LINEAR in types:
        mixers[qwen3_next.LINEAR] = (LINEAR_LAYERS, replace(
            gated_deltanet.parse(config), separate_projections=True))
    if qwen3_next.FULL in types:
        mixers[qwen3_next.FULL] = (ATTENTION_LAYERS, qwen3_next_attention.parse(
            config, mrope=True))
    return [builder.Layer(*mixers[kind], mlp) for kind in types]


__all__ = ["FAMILY", "MODEL_TYPE", "KNOWN", "TEXT_KNOWN", "text_config",
           "layers"]
