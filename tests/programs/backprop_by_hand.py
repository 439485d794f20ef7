"""'Becoming a backprop ninja': a small MLP, its gradients written out by hand, checked
against autograd with allclose."""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(1)
n, d, h, c = 8, 5, 6, 3
X = torch.tensor(rng.standard_normal((n, d)), dtype=torch.float64)
Y = torch.tensor(rng.integers(0, c, n))
W1 = torch.tensor(rng.standard_normal((d, h)) * 0.5, dtype=torch.float64, requires_grad=True)
b1 = torch.tensor(rng.standard_normal(h) * 0.1, dtype=torch.float64, requires_grad=True)
W2 = torch.tensor(rng.standard_normal((h, c)) * 0.5, dtype=torch.float64, requires_grad=True)
b2 = torch.tensor(rng.standard_normal(c) * 0.1, dtype=torch.float64, requires_grad=True)

hpre = X @ W1 + b1
hact = torch.tanh(hpre)
logits = hact @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdim=True)
probs = counts / counts_sum
logprobs = probs.log()
loss = -logprobs[torch.arange(n), Y].mean()
for t in [hpre, hact, logits, probs, logprobs]:
    t.retain_grad()
loss.backward()
print(f"loss {loss.item():.6f}  {str(loss.grad_fn).split()[0].strip('<>')}")


def cmp(name, dt, t):
    approx = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f"{name:10s} | approximate: {str(approx):5s} | maxdiff small: {maxdiff < 1e-12}")


dlogits = F.softmax(logits.detach(), 1)
dlogits = dlogits - F.one_hot(Y, c).double()
dlogits = dlogits / n
dhact = dlogits @ W2.detach().T
dW2 = hact.detach().T @ dlogits
db2 = dlogits.sum(0)
dhpre = (1.0 - hact.detach() ** 2) * dhact
dW1 = X.T @ dhpre
db1 = dhpre.sum(0)
for name, dt, t in [("logits", dlogits, logits), ("hact", dhact, hact), ("W2", dW2, W2),
                    ("b2", db2, b2), ("hpre", dhpre, hpre), ("W1", dW1, W1), ("b1", db1, b1)]:
    cmp(name, dt, t)

names = []
node = loss.grad_fn
while node is not None and len(names) < 6:
    names.append(str(node).split()[0].strip("<>"))
    node = node.next_functions[0][0] if node.next_functions else None
print(" <- ".join(names))
