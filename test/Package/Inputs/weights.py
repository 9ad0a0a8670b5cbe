# test/Package/install.test: the consumer's weight file.
import sys

import numpy as np

from recur import safetensors

safetensors.save(sys.argv[1], {"layers.0.w": np.array([0.5, -1.0, 2.0, 3.0],
                                                      dtype=np.float32)})
