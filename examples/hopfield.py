"""A Hopfield network stores patterns and recalls them from corrupted copies (seed 004).

No gradients here. Patterns are vectors of ±1; Hebb's rule stores them in
W = (1/n) Σ_p p pᵀ with a zero diagonal (symmetric, as the text says). Recall uses
the text's method, asynchronous updates: one neuron at a time, in random order,
s_i ← sign(Σ_j W_ij s_j) (unchanged when the sum is 0). Each such update can only
lower the energy E(s) = −½ sᵀ W s or leave it equal, so the state settles in a
minimum — ideally the stored pattern nearest to the start, but Hebbian networks
also have spurious minima (the inverted patterns, mixtures of three patterns) and
metastable states. ``--sync`` updates all neurons at once, s ← sign(W s), which can
end in a 2-cycle instead of a fixed point; ``recall`` warns when it does.
"""
from __future__ import annotations

import warnings

import numpy as np

import tinygrad_edu as te
from _common import example_args, plt, save

LETTERS = {
    "T": ["##########", "##########", "....##....", "....##....", "....##....",
          "....##....", "....##....", "....##....", "....##....", "....##...."],
    "L": ["##........", "##........", "##........", "##........", "##........",
          "##........", "##........", "##........", "##########", "##########"],
    "X": ["##......##", ".##....##.", "..##..##..", "...####...", "....##....",
          "...####...", "..##..##..", ".##....##.", "##......##", "#........#"],
    "O": ["..######..", ".##....##.", "##......##", "##......##", "##......##",
          "##......##", "##......##", "##......##", ".##....##.", "..######.."],
}


def to_pattern(rows: list[str]) -> te.Tensor:
    return te.tensor([[1.0 if c == "#" else -1.0 for c in row] for row in rows]).flatten()


def store(patterns: te.Tensor) -> te.Tensor:
    """Hebb's rule: W = (1/n) Pᵀ P with the self-connections removed."""
    n = patterns.shape[1]
    w = patterns.T @ patterns / n
    return w * (1 - te.eye(n))


def energy(w: np.ndarray, s: np.ndarray) -> float:
    """E(s) = −½ sᵀ W s."""
    return float(-0.5 * s @ w @ s)


def recall(w: te.Tensor, s: te.Tensor, synchronous: bool = False, max_sweeps: int = 30,
           seed: int = 0) -> tuple[te.Tensor, list[float]]:
    """Update until nothing changes; returns the final state and the energy before
    the first sweep and after each sweep. Asynchronous: one neuron at a time in a
    random order per sweep. Synchronous: s ← sign(W s); warns on a 2-cycle."""
    w_, s_ = w.detach().numpy().astype(np.float64), s.detach().numpy().astype(np.float64)
    gen = np.random.default_rng(seed)
    energies, previous = [energy(w_, s_)], None
    for _ in range(max_sweeps):
        old = s_.copy()
        if synchronous:
            h = w_ @ s_
            s_ = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s_))
        else:
            for i in gen.permutation(len(s_)):      # one neuron at a time: plain NumPy
                h = w_[i] @ s_
                if h != 0:
                    s_[i] = 1.0 if h > 0 else -1.0
        if np.array_equal(s_, old):
            break
        energies.append(energy(w_, s_))
        if synchronous and previous is not None and np.array_equal(s_, previous):
            warnings.warn("Hopfield recall: synchronous updates ended in a 2-cycle "
                          "(the state flips between two patterns); use asynchronous "
                          "updates to reach a fixed point", UserWarning, stacklevel=2)
            break
        previous = old
    return te.tensor(s_.astype(np.float32)), energies


def main() -> None:
    args = example_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--sync", action="store_true", help="synchronous updates instead of the text's "
                                            "asynchronous ones"))
    te.manual_seed(0)
    names = list(LETTERS)
    patterns = te.stack([to_pattern(LETTERS[k]) for k in names])
    w = store(patterns)
    noise = 0.15 if args.quick else 0.25
    mode = "synchronous" if args.sync else "asynchronous"
    print(f"{len(names)} patterns of {patterns.shape[1]} pixels, {mode} updates")
    fig, axes = plt.subplots(3, len(names) + 2, figsize=(2 * (len(names) + 2), 6.4))
    for i, name in enumerate(names):
        flip = te.rand(patterns.shape[1]) < noise          # flip ~noise of the pixels
        noisy = te.where(flip, -patterns[i], patterns[i])
        recalled, energies = recall(w, noisy, synchronous=args.sync, seed=i)
        correct = (recalled == patterns[i]).float().mean().item()
        print(f"{name}: {int(flip.sum().item())} of {patterns.shape[1]} pixels flipped, "
              f"energy {energies[0]:.2f} -> {energies[-1]:.2f} after {len(energies) - 1} "
              f"sweep(s), recalled {correct:.0%} of the pixels")
        print("   energy per sweep: " + ", ".join(f"{e:.2f}" for e in energies))
        for row, img in enumerate((patterns[i], noisy, recalled)):
            axes[row, i].imshow(img.reshape(10, 10).detach().numpy(), cmap="gray_r")
        axes[0, i].set_title(name)

    mixture = te.where(patterns[0] + patterns[1] + patterns[2] >= 0, 1.0, -1.0)
    stuck, energies = recall(w, mixture)
    overlap = (patterns @ stuck / patterns.shape[1]).tolist()
    print(f"spurious state: the majority vote of T, L and X (energy {energies[0]:.2f}) "
          f"{'is already stable' if len(energies) == 1 else 'settles'}: a metastable "
          f"minimum at energy {energies[-1]:.2f}, above the letters', matching none (overlaps "
          f"{', '.join(f'{n} {o:+.2f}' for n, o in zip(names, overlap))})")
    inverted, energies = recall(w, -patterns[0])
    same = bool((inverted == -patterns[0]).all())
    print(f"spurious state: the inverted T is {'stable' if same else 'not stable'} too "
          f"(E(−p) = E(p) = {energies[0]:.2f})")
    for row, (title, img) in enumerate((("mixture T+L+X", mixture), ("its minimum", stuck),
                                        ("inverted T", inverted))):
        axes[row, len(names)].imshow(img.reshape(10, 10).detach().numpy(), cmap="gray_r")
        axes[row, len(names)].set_title(title, fontsize=9)

    start = to_pattern(["#." * 5, ".#" * 5] * 5)             # a checkerboard
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cycled, energies = recall(w, start, synchronous=True)
    for c in caught:
        print(f"synchronous recall from a checkerboard: energy "
              f"{', '.join(f'{e:.2f}' for e in energies)}; warning: {c.message}")
    settled, a_energies = recall(w, start)
    print(f"asynchronous recall from the same state: fixed point after "
          f"{len(a_energies) - 1} sweep(s), energy {a_energies[-1]:.2f}")
    for row, (title, img) in enumerate((("checkerboard", start), ("sync: 2-cycle", cycled),
                                        ("async: fixed point", settled))):
        axes[row, len(names) + 1].imshow(img.reshape(10, 10).detach().numpy(), cmap="gray_r")
        axes[row, len(names) + 1].set_title(title, fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([]); ax.set_yticks([])
    for row, label in enumerate(("stored", "corrupted", "recalled")):
        axes[row, 0].set_ylabel(label)
    save(fig, args.out, "hopfield.png")


if __name__ == "__main__":
    main()
