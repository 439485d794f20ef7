"""'Learning PyTorch with Examples', defining new autograd functions: fit y = sin(x) by
a + b·P3(c + d·x) with a custom LegendrePolynomial3, then the older tutorial's MyReLU
in a two-layer network (clamp in forward, a masked multiply in backward)."""
import math

import numpy as np
import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 400 == 399:
        print(t, f"{loss.item():.3f}")
    loss.backward()
    with torch.no_grad():       # a step, then fresh leaves (no in-place update needed)
        a, b, c, d = (p - learning_rate * p.grad for p in (a, b, c, d))
    for p in (a, b, c, d):
        p.requires_grad_()
print(f"Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)")


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * (input >= 0)


rng = np.random.default_rng(0)
N, D_in, H, D_out = 64, 100, 50, 10
x = torch.from_numpy(rng.standard_normal((N, D_in)).astype(np.float32))
y = torch.from_numpy(rng.standard_normal((N, D_out)).astype(np.float32))
w1 = torch.from_numpy(rng.standard_normal((D_in, H)).astype(np.float32) * 0.1)
w2 = torch.from_numpy(rng.standard_normal((H, D_out)).astype(np.float32) * 0.1)
w1.requires_grad_()
w2.requires_grad_()
optimizer = torch.optim.SGD([w1, w2], lr=1e-4)
for t in range(100):
    relu = MyReLU.apply
    y_pred = relu(x.mm(w1)).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    if t % 25 == 24:
        print(t, f"{loss.item():.3f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(loss.requires_grad, w1.grad.shape)
