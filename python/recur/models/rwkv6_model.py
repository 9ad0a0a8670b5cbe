"""The whole RWKV-6 ("Finch") model (the checkpoints' Rwkv6ForCausalLM,
modeling_rwkv6.py of RWKV/v6-Finch-*-HF), from the fields of its
Rwkv6Config:

    h      = layer_norm(embeddings[ids]) (blocks.0.pre_ln)
    h      = h + time_mix(layer_norm(h) ln1)           (rwkv6.py)
    h      = h + channel_mix(layer_norm(h) ln2)        (rwkv6_channel_mix.py)
                                                       for every block
    logits = layer_norm(h) (ln_out) @ head.weight^T

every LayerNorm with its bias and layer_norm_epsilon, but ln_out, torch's
default 1e-5. The names: rwkv.embeddings.weight, rwkv.blocks.N.*,
rwkv.ln_out.*, head.weight (tie_word_embeddings default false).

The checkpoint code, in inference, halves the hidden states after every
`rescale_every` blocks and divides the later blocks' attention.output and
feed_forward.value weights to match, against f16 overflow: the same
function but for the LayerNorms' eps, which it then weighs 4^k times more
after k halvings. The description computes the unscaled function (the
one trained); `rescale_every` is ignored (listed with --verbose).
"""

from typing import List

from . import builder, rwkv6
from .config import Config
from .rwkv6_channel_mix import ChannelMixConfig, default_width

FAMILY = "rwkv6_model"
MODEL_TYPE = rwkv6.MODEL_TYPE
KNOWN = rwkv6.KNOWN

EMBEDDING = "rwkv.embeddings.weight"
# The LayerNorm of the embeddings (the first block's pre_ln).
EMBEDDING_NORM = "rwkv.blocks.0.pre_ln.weight"
EMBEDDING_NORM_BIAS = "rwkv.blocks.0.pre_ln.bias"
FINAL_NORM = "rwkv.ln_out.weight"
FINAL_NORM_BIAS = "rwkv.ln_out.bias"
FINAL_NORM_EPS = 1e-5
LM_HEAD = "head.weight"
TIED_BY_DEFAULT = False
LAYERS_DEFAULT = 32


def layers(config: Config, count: int) -> List[builder.Layer]:
    """The model's `count` blocks (num_hidden_layers), each its time mix
    and channel mix."""
    c = rwkv6.parse(config)
    width = default_width(c.hidden_size)
    if config.fields.get("intermediate_size") is not None:
        width = config.integer("intermediate_size")
    if "rescale_every" in config.fields:
        config.ignored.append(("rescale_every", "rescales f16 inference "
                               "only (the same function)"))
    return [builder.Layer(rwkv6, c, ChannelMixConfig(c.hidden_size,
                                                     width))] * count


__all__ = ["FAMILY", "MODEL_TYPE", "KNOWN", "layers"]
