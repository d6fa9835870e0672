"""What this project's blocks need before they start, done once, in the forkserver, before it forks
any worker: importing torch, matplotlib and scikit-learn (whose digits two chapters load), and
the first use of torch's optimiser and of matplotlib's text, SVG and PNG output, each of which
takes a while (torch.optim's first step imports and sets up torch._dynamo, 2 s; the first figure
loads its fonts). A worker forked from here starts with all of that done. It runs on one thread
(hooks.py sets the thread counts before any import of torch), so forking after it is safe, and it
draws nothing anyone sees. A site whose blocks need other things changes this file.
"""

import io

import sklearn.datasets  # noqa: F401  (imported for the workers, which use it)
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

torch.set_num_threads(1)
_w = torch.zeros(2, requires_grad=True)
_opt = torch.optim.SGD([_w], lr=0.1, momentum=0.9)
(_w.sum() ** 2).backward()
_opt.step()
_fig = Figure(figsize=(1, 1))
FigureCanvasAgg(_fig)
_ax = _fig.add_subplot()
_ax.plot([0, 1], label="x")
_ax.set_xlabel("x  −1.5")
_ax.legend()
for _fmt in ("svg", "png"):
    _fig.savefig(io.BytesIO(), format=_fmt)
Image.new("RGB", (2, 2)).quantize(colors=2).save(io.BytesIO(), format="GIF")
del _w, _opt, _fig, _ax
