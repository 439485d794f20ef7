"""A character-level bigram language model (as in the makemore lectures): count table,
then a one-layer net trained by gradient descent, then sampling with multinomial."""
import numpy as np
import torch
import torch.nn.functional as F

words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper",
         "evelyn", "abigail", "emily", "ella", "elizabeth", "camila", "luna", "sofia"]
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)

xs, ys = [], []
for w in words:
    cs = ["."] + list(w) + ["."]
    for c1, c2 in zip(cs, cs[1:]):
        xs.append(stoi[c1])
        ys.append(stoi[c2])
xs, ys = torch.tensor(xs), torch.tensor(ys)
N = F.one_hot(xs, V).T.float() @ F.one_hot(ys, V).float()     # the bigram counts
P = (N + 1) / (N + 1).sum(1, keepdim=True)
print(N.shape, N.dtype, int(N.sum().item()), P[0].sum().item())
nll = -P[xs, ys].log().mean()
print(f"count model nll: {nll.item():.4f}")

rng = np.random.default_rng(0)
W = torch.tensor(rng.standard_normal((V, V)), dtype=torch.float32, requires_grad=True)
xenc = F.one_hot(xs, num_classes=V).float()
for k in range(50):
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdim=True)
    loss = -probs[torch.arange(len(ys)), ys].log().mean() + 0.01 * (W ** 2).mean()
    loss.backward()
    with torch.no_grad():
        W = W - 10 * W.grad
    W.requires_grad_()
    if k % 10 == 9:
        print(k, round(loss.item(), 4))
print("cross_entropy agrees:", torch.allclose(F.cross_entropy(xenc @ W, ys),
                                              -probs[torch.arange(len(ys)), ys].log().mean(),
                                              atol=1e-2))

g = torch.Generator().manual_seed(2147483647)
names = []
for _ in range(5):
    out, ix = [], 0
    while True:
        p = P[ix]
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        if ix == 0 or len(out) > 20:
            break
        out.append(itos[ix])
    names.append("".join(out))
print("sampled", len(names), "names, every letter known:", all(set(n) <= set(chars) for n in names))
