"""A character-level GPT, written as in nanoGPT's model.py, trained on the docstrings of
Python's own standard library (text that every machine with Python has offline).

The model: token and position embeddings, ``n_layer`` pre-norm transformer blocks
(LayerNorm → causal multi-head self-attention → residual; LayerNorm → MLP with GELU →
residual), a final LayerNorm and a language-model head that shares its weight with
the token embedding. Training: AdamW with weight decay on the 2-D weights only, a
linear warm-up then a cosine learning-rate decay, gradient clipping at norm 1, a
progress bar. At the end: the loss curves (a picture) and a sample of generated text.

The defaults train in about a minute on 2 cores; ``--quick`` is a smoke run.
"""
import math
import time

import numpy as np
from tqdm import tqdm

import tinygrad_edu as torch          # the rest is written exactly as for PyTorch
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from _common import example_args, plt, save

STDLIB_MODULES = ("argparse collections functools itertools json textwrap string re "
                  "pathlib random statistics heapq bisect fractions decimal datetime "
                  "calendar shutil tempfile logging unittest typing dataclasses enum "
                  "inspect contextlib abc csv difflib pprint").split()


def stdlib_text() -> str:
    """The docstrings of a few standard-library modules and of their public members."""
    import importlib
    import inspect
    parts = []
    for name in STDLIB_MODULES:
        module = importlib.import_module(name)
        parts.append(inspect.getdoc(module) or "")
        for attr in sorted(vars(module)):
            obj = getattr(module, attr)
            if not attr.startswith("_") and getattr(obj, "__module__", None) == name:
                doc = inspect.getdoc(obj)
                if doc:
                    parts.append(doc)
    return "\n\n".join(parts)


# ----------------------------------------------------------------------- the model
class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)       # q, k, v for all heads at once
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.resid_dropout = nn.Dropout(dropout)
        self.n_head, self.n_embd, self.dropout = n_head, n_embd, dropout

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)   # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0)
        y = y.transpose(1, 2).reshape(B, T, C)             # the heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd: int, dropout: float) -> None:
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 4,
                 n_embd: int = 64, dropout: float = 0.0) -> None:
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            drop=nn.Dropout(dropout),
            h=nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight   # weight tying
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():               # GPT-2's scaled residual init
            if pn.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        pos = torch.arange(0, t, dtype=torch.int64)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def configure_optimizers(self, weight_decay: float, learning_rate: float,
                             betas: tuple) -> "torch.optim.AdamW":
        """AdamW; weight decay on the 2-D weights (matmuls, embeddings) only."""
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, rng: np.random.Generator,
                 temperature: float = 1.0):
        """Append ``max_new_tokens`` characters, each drawn from the predicted
        distribution of the next one (the context cropped to block_size)."""
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
            logits, _ = self(idx_cond)
            probs = F.softmax(logits[:, -1, :] / temperature, dim=-1).detach().numpy()
            nxt = [[rng.choice(probs.shape[-1], p=row / row.sum())] for row in probs]
            idx = torch.cat((idx, torch.tensor(nxt)), dim=1)
        return idx


# ----------------------------------------------------------------------- training
def get_lr(it: int, learning_rate: float, warmup: int, total: int, min_lr: float) -> float:
    """Linear warm-up for ``warmup`` steps, then a cosine decay down to ``min_lr``."""
    if it < warmup:
        return learning_rate * (it + 1) / (warmup + 1)
    ratio = (it - warmup) / max(1, total - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)


def add_arguments(parser) -> None:
    parser.add_argument("--steps", type=int, default=1500, help="training steps (default 1500)")
    parser.add_argument("--sample", type=int, default=300, help="characters to generate")


def main() -> None:
    args = example_args(__doc__.splitlines()[0], add_arguments)
    torch.manual_seed(1337)
    text = stdlib_text()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    n = int(0.9 * len(data))
    train_data, val_data = data[:n], data[n:]
    block_size, batch_size, steps = 32, 32, args.steps
    config = dict(n_layer=2, n_head=4, n_embd=64)
    if args.quick:
        steps, batch_size, config = min(steps, 40), 16, dict(n_layer=1, n_head=2, n_embd=32)
    print(f"text: {len(text):,} characters of standard-library docstrings, "
          f"vocabulary {len(chars)}")
    rng = np.random.default_rng(1337)

    def get_batch(split: str):
        source = train_data if split == "train" else val_data
        ix = rng.integers(0, len(source) - block_size, batch_size)
        x = np.stack([source[i:i + block_size] for i in ix])
        y = np.stack([source[i + 1:i + 1 + block_size] for i in ix])
        return torch.tensor(x), torch.tensor(y)

    @torch.no_grad()
    def estimate_loss(iters: int) -> dict:
        model.eval()
        out = {}
        for split in ("train", "val"):
            out[split] = float(np.mean([model(*get_batch(split))[1].item() for _ in range(iters)]))
        model.train()
        return out

    model = GPT(len(chars), block_size, **config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {config['n_layer']} layers, {config['n_head']} heads, width "
          f"{config['n_embd']}, block {block_size}: {n_params:,} parameters")
    learning_rate, min_lr, warmup = 3e-3, 3e-4, max(1, steps // 20)
    optimizer = model.configure_optimizers(0.1, learning_rate, (0.9, 0.99))
    eval_every, eval_iters = max(1, steps // 10), 2 if args.quick else 10
    history = {"step": [], "train": [], "val": []}
    losses = estimate_loss(eval_iters)
    print(f"step 0: train loss {losses['train']:.4f}, val loss {losses['val']:.4f} "
          f"(uniform guess: {math.log(len(chars)):.4f})")
    start = time.perf_counter()
    bar = tqdm(range(steps), desc="training", disable=None)
    for it in bar:
        lr = get_lr(it, learning_rate, warmup, steps, min_lr)
        for group in optimizer.param_groups:
            group["lr"] = lr
        xb, yb = get_batch("train")
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.1e}")
        if (it + 1) % eval_every == 0 or it == steps - 1:
            losses = estimate_loss(eval_iters)
            for key in ("train", "val"):
                history[key].append(losses[key])
            history["step"].append(it + 1)
    elapsed = time.perf_counter() - start
    print(f"step {steps}: train loss {history['train'][-1]:.4f}, val loss "
          f"{history['val'][-1]:.4f} ({elapsed / steps * 1000:.1f} ms per step)")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(history["step"], history["train"], "o-", label="train")
    ax.plot(history["step"], history["val"], "s-", label="validation")
    ax.axhline(math.log(len(chars)), color="gray", ls=":", label="uniform guess")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title("char-level GPT on standard-library docstrings")
    ax.legend()
    save(fig, args.out, "char_gpt_loss.png")

    model.eval()
    context = torch.tensor([[stoi["\n"]]])
    sample = model.generate(context, 60 if args.quick else args.sample, rng)[0].tolist()
    print("sample:")
    print("".join(chars[i] for i in sample))


if __name__ == "__main__":
    main()
