"""A Hopfield network stores patterns and recalls them from corrupted copies.

No gradients here: the Tensor API is used as plain array code. Patterns are
vectors of ±1; Hebb's rule stores them in W = (1/n) Σ_p p pᵀ with a zero
diagonal, and recall repeats s ← sign(W s) until nothing changes. Each update
can only lower the energy E(s) = −½ sᵀ W s, so the state settles in a minimum,
ideally the stored pattern nearest to the start.
"""

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


def energy(w: te.Tensor, s: te.Tensor) -> float:
    return (-0.5 * (s @ w @ s)).item()


def recall(w: te.Tensor, s: te.Tensor, max_steps: int = 20) -> tuple[te.Tensor, list[float]]:
    """Synchronous updates s ← sign(W s) until a fixed point."""
    energies = [energy(w, s)]
    for _ in range(max_steps):
        new = te.where(w @ s >= 0, 1.0, -1.0)
        if bool((new == s).all()):
            break
        s = new
        energies.append(energy(w, s))
    return s, energies


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    te.manual_seed(0)
    names = list(LETTERS)
    patterns = te.stack([to_pattern(LETTERS[k]) for k in names])
    w = store(patterns)
    noise = 0.15 if args.quick else 0.25
    fig, axes = plt.subplots(3, len(names), figsize=(2 * len(names), 6))
    for i, name in enumerate(names):
        flip = te.rand(patterns.shape[1]) < noise          # flip ~noise of the pixels
        noisy = te.where(flip, -patterns[i], patterns[i])
        recalled, energies = recall(w, noisy)
        correct = (recalled == patterns[i]).float().mean().item()
        print(f"{name}: {int(flip.sum().item())} of {patterns.shape[1]} pixels flipped, "
              f"energy {energies[0]:.2f} -> {energies[-1]:.2f} after {len(energies) - 1} "
              f"update(s), recalled {correct:.0%} of the pixels")
        for row, img in enumerate((patterns[i], noisy, recalled)):
            axes[row, i].imshow(img.reshape(10, 10).numpy(), cmap="gray_r")
            axes[row, i].set_xticks([]); axes[row, i].set_yticks([])
        axes[0, i].set_title(name)
    for row, label in enumerate(("stored", "corrupted", "recalled")):
        axes[row, 0].set_ylabel(label)
    save(fig, args.out, "hopfield.png")


if __name__ == "__main__":
    main()
