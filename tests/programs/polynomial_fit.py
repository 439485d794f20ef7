"""'Learning PyTorch with Examples': fit y = sin(x) with a third-order polynomial, first
with tensors and autograd, then with nn and optim (a two-layer net)."""
import math

import numpy as np
import torch
from torch import nn

dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

rng = np.random.default_rng(0)
a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in rng.standard_normal(4))
learning_rate = 1e-6
for t in range(500):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():       # a step, then fresh leaves (no in-place update needed)
        a, b, c, d = (p - learning_rate * p.grad for p in (a, b, c, d))
    for p in (a, b, c, d):
        p.requires_grad_()
print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
model[0].weight = nn.Parameter(torch.from_numpy(rng.standard_normal((1, 3)).astype(np.float32)) * 0.1)
model[0].bias = nn.Parameter(torch.zeros(1))
loss_fn = nn.MSELoss(reduction="sum")
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(300):
    loss = loss_fn(model(xx), y)
    if t % 100 == 99:
        print(t, f"{loss:.3f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
w = model[0].weight
print(f"Result: y = {model[0].bias.item():.3f} + {w[:, 0].item():.3f} x + "
      f"{w[:, 1].item():.3f} x^2 + {w[:, 2].item():.3f} x^3")
