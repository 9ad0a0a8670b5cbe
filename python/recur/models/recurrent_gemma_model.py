"""The layers of a whole RecurrentGemma model (Hugging Face's
RecurrentGemmaForCausalLM), from the fields of RecurrentGemmaConfig.

Layer i is a recurrent (RG-LRU) or a local attention layer as
`block_types` says (recurrent_gemma_hybrid.py), each followed by its MLP
block under model.layers.i.mlp_block after the channel_pre_norm: a GeGLU
(gelu_pytorch_tanh) of intermediate_size / 2 with biases (mlp.py). Every
norm multiplies by 1 + weight. Around the layers (whole.py) the model
scales the token embeddings by sqrt(hidden_size), rounded to bf16 as the
modeling code's normalizer buffer is, and caps the logits:
30 tanh(logits / 30) with logits_soft_cap 30. The lm_head is the
embedding (tie_word_embeddings, default true).
"""

from typing import List

import numpy as np

from .. import reference as ref
from . import builder, recurrent_gemma, recurrent_gemma_hybrid
from .config import Config
from .mlp import GatedMLPConfig

FAMILY = "recurrent_gemma_model"
MODEL_TYPE = "recurrent_gemma"
KNOWN = recurrent_gemma.KNOWN

# For whole models (whole.py).
EMBEDDING = "model.embed_tokens.weight"
FINAL_NORM = "model.final_norm.weight"
FINAL_NORM_OFFSET = 1.0
TIED_BY_DEFAULT = True
LAYERS_DEFAULT = 26


def layers(config: Config, count: int) -> List[builder.Layer]:
    """The model's `count` layers (num_hidden_layers)."""
    c = recurrent_gemma_hybrid.parse(config)
    intermediate = config.integer("intermediate_size", 15360)
    if intermediate % 2:
        raise config.fail("intermediate_size", f"({intermediate}) must be "
                          "even (the MLP blocks are half as wide)")
    mlp = GatedMLPConfig(hidden_size=c.hidden_size,
                         intermediate_size=intermediate // 2,
                         activation="gelu_pytorch_tanh", bias=True)
    return [builder.Layer(family, layer_c, mlp)
            for family, layer_c in recurrent_gemma_hybrid.layers(c, count)]


def embedding_scale(config: Config) -> float:
    """sqrt(hidden_size) in bf16 (the modeling code's normalizer)."""
    if not config.boolean("embeddings_scale_by_sqrt_dim", True):
        config.unsupported("embeddings_scale_by_sqrt_dim", "false is not "
                           "supported (the modeling code always scales)")
    hidden = config.integer("hidden_size")
    return float(ref.round_to_dtype(np.array(hidden ** 0.5), "bf16"))


def logits_soft_cap(config: Config) -> float:
    return config.number("logits_soft_cap", 30.0)


__all__ = ["FAMILY", "MODEL_TYPE", "KNOWN", "layers", "embedding_scale",
           "logits_soft_cap"]
