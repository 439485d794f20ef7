"""A character-level LSTM on the standard library's docstrings (the task of
char_gpt.py, with a recurrent network instead of attention), and its unrolled graph.

An ``nn.LSTM`` reads the characters one step at a time; backward() is then
backpropagation through time over the recorded, unrolled graph. At the end: the
loss curve, a sample of generated text, and the graph of three steps of the same
LSTM written with ``nn.LSTMCell``, where the gradients of BPTT can be read off.
"""
import math
import time

import numpy as np
from tqdm import tqdm

import tinygrad_edu as torch          # the rest is written exactly as for PyTorch
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from _common import example_args, import_example, plt, save


class CharLSTM(nn.Module):
    def __init__(self, vocab_size: int, n_embd: int = 32, hidden: int = 128,
                 num_layers: int = 1) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, n_embd)
        self.lstm = nn.LSTM(n_embd, hidden, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state


def add_arguments(parser) -> None:
    parser.add_argument("--steps", type=int, default=600, help="training steps (default 600)")


def main() -> None:
    args = example_args(__doc__.splitlines()[0], add_arguments)
    torch.manual_seed(1337)
    text = import_example("char_gpt").stdlib_text()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    V, block, batch, steps = len(chars), 32, 32, args.steps
    hidden = 128
    if args.quick:
        steps, batch, hidden = min(steps, 40), 16, 64
    print(f"text: {len(text):,} characters, vocabulary {V}")
    rng = np.random.default_rng(1337)
    model = CharLSTM(V, hidden=hidden)
    print(f"model: LSTM(32, {hidden}): {sum(p.numel() for p in model.parameters()):,} parameters")
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    start = time.perf_counter()
    for it in tqdm(range(steps), desc="training", disable=None):
        ix = rng.integers(0, len(data) - block - 1, batch)
        xb = torch.tensor(np.stack([data[i:i + block] for i in ix]))
        yb = torch.tensor(np.stack([data[i + 1:i + 1 + block] for i in ix]))
        logits, _ = model(xb)
        loss = F.cross_entropy(logits.reshape(-1, V), yb.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    elapsed = time.perf_counter() - start
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    print(f"loss: first steps {first:.4f}, last steps {last:.4f} (uniform guess "
          f"{math.log(V):.4f}; {elapsed / steps * 1000:.1f} ms per step)")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(losses, lw=1)
    ax.axhline(math.log(V), color="gray", ls=":", label="uniform guess")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title("char-level LSTM on standard-library docstrings")
    ax.legend()
    save(fig, args.out, "char_rnn_loss.png")

    # a sample: feed the state forward one character at a time
    with torch.no_grad():
        idx, state, out = torch.tensor([[stoi["\n"]]]), None, []
        for _ in range(60 if args.quick else 300):
            logits, state = model(idx, state)
            probs = F.softmax(logits[0, -1], dim=-1).detach().numpy()
            nxt = int(rng.choice(V, p=probs / probs.sum()))
            out.append(chars[nxt])
            idx = torch.tensor([[nxt]])
    print("sample:")
    print("".join(out))

    # the unrolled graph of three steps, with the trained weights in an LSTMCell: the
    # gradient of the last output flows back through c and h of every earlier step
    cell = nn.LSTMCell(32, hidden)
    cell.load_state_dict({name[:-3]: p for name, p in model.lstm.state_dict().items()})
    x = model.embed(torch.tensor([stoi[c] for c in "def"])).detach()
    h, c = torch.zeros(1, hidden), torch.zeros(1, hidden)
    for t in range(3):
        h, c = cell(x[t:t + 1], (h, c))
    try:
        path = torch.viz.render(h.sum(), args.out / "char_rnn_bptt", format="png",
                                rankdir="TB", show_values=False)
        print(f"saved {path}")
    except torch.viz.GraphvizNotFound as exc:
        print(f"(no graph: {exc})")


if __name__ == "__main__":
    main()
