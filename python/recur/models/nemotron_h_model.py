"""The layers of a whole Nemotron-H model (Hugging Face's
NemotronHForCausalLM), from the fields of NemotronHConfig: the layers of
its pattern (nemotron_h.py: Mamba-2, attention, squared-ReLU MLP and
Nemotron-3's MoE layers, each one block with its pre-norm and residual),
between the token embedding and the final norm (whole.py).
"""

from typing import List

from . import builder, nemotron_h
from .config import Config

FAMILY = "nemotron_h_model"
MODEL_TYPE = "nemotron_h"
KNOWN = nemotron_h.KNOWN

# For whole models (whole.py).
EMBEDDING = "backbone.embeddings.weight"
FINAL_NORM = "backbone.norm_f.weight"
TIED_BY_DEFAULT = False
LAYERS_DEFAULT = 52


def layers(config: Config, count: int) -> List[builder.Layer]:
    """The model's `count` layers (num_hidden_layers, which must be the
    pattern's length)."""
    c = nemotron_h.parse(config)
    if count != len(c.pattern):
        raise config.fail("num_hidden_layers", f"({count}) must be the "
                          f"number of layers of the pattern "
                          f"({len(c.pattern)})")
    return builder.as_layers(nemotron_h.layers(c))


__all__ = ["FAMILY", "MODEL_TYPE", "KNOWN", "layers"]
