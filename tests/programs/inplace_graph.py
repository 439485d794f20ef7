# In-place writes inside a recorded graph: the history continues, views share storage,
# and a tensor needed for the backward that was overwritten is reported.
import torch

a = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
b = torch.tensor(5.0, requires_grad=True)
x = a * 2
x[0] = b
y = x * 3
x.mul_(2)
x[1:3].add_(a[1:3])
(x.sum() + y.sum()).backward()
print("x", x.tolist(), type(x.grad_fn).__name__)
print("a.grad", a.grad.tolist(), "b.grad", b.grad.item())

m = torch.arange(6.0).reshape(2, 3)
row = m[1]
row[0] = -1
m.t()[2, 0] = 100
print("m", m.tolist(), "row", row.tolist(), "versions", m._version, row._version)

w = torch.ones(3, requires_grad=True)
h = w.exp()
h.add_(1)
try:
    h.sum().backward()
except RuntimeError as e:
    print("error:", str(e).split(". Hint")[0].replace("tinygrad_edu", "torch"))

try:
    w.add_(1)
except RuntimeError as e:
    print("error:", e)
with torch.no_grad():
    w.add_(1)
print("w", w.tolist(), w.is_leaf, w._version)
print("numpy:", w.detach().numpy().tolist())
try:
    w.numpy()
except RuntimeError as e:
    print("error:", e)
