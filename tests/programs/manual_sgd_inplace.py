# "Learning PyTorch with Examples" style: fit y = sin(x) with a cubic, updating the
# weights by hand in place, three ways (w -= under no_grad, w.data -=, w.data.add_).
import math

import torch

dtype = torch.float64
x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype)
y = torch.sin(x)

for style in ("no_grad", "data", "data_add_"):
    a = torch.zeros((), dtype=dtype, requires_grad=True)
    b = torch.zeros((), dtype=dtype, requires_grad=True)
    c = torch.zeros((), dtype=dtype, requires_grad=True)
    d = torch.zeros((), dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    for t in range(500):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(style, t, round(loss.item(), 4))
        loss.backward()
        if style == "no_grad":
            with torch.no_grad():
                for p in (a, b, c, d):
                    p -= learning_rate * p.grad
                    p.grad = None
        elif style == "data":
            for p in (a, b, c, d):
                p.data -= learning_rate * p.grad
                p.grad.zero_()
        else:
            for p in (a, b, c, d):
                p.data.add_(p.grad, alpha=-learning_rate)
                p.grad.zero_()
    print(style, "leaf:", a.is_leaf, a.requires_grad, "version:", a._version)
    print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
