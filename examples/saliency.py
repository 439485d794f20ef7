"""Which pixels matter? Gradient saliency and occlusion maps for the digits MLP.

Saliency: the gradient of the predicted class's score (its logit) with respect
to the input pixels, |∂score/∂x|, computed by one backward pass to the *input*.
Occlusion: cover a 2×2 patch with the average pixel (0 after standardising) and
measure how much the predicted class's score drops; each pixel gets the mean
drop of the patches covering it. Saliency is local (how the score moves for a
tiny change of one pixel), occlusion is not (what removing a patch does), so the
maps differ in detail; the gradient is checked against a finite difference.
"""
import numpy as np

import tinygrad_edu as te
from digits import digits_split, trained_mlp
from _common import example_args, plt, save


def saliency(model, image: te.Tensor, cls: int) -> np.ndarray:
    x = image.reshape(1, 64).detach().requires_grad_()
    model(x)[0, cls].backward()
    return np.abs(x.grad.detach().numpy()).reshape(8, 8)


def occlusion(model, image: te.Tensor, cls: int, patch: int = 2) -> np.ndarray:
    base = image.detach().numpy().reshape(8, 8)
    with te.no_grad():
        s0 = model(image.reshape(1, 64))[0, cls].item()
        drops, counts = np.zeros((8, 8)), np.zeros((8, 8))
        for r in range(8 - patch + 1):
            for c in range(8 - patch + 1):
                covered = base.copy()
                covered[r:r + patch, c:c + patch] = 0.0
                score = model(te.tensor(covered.reshape(1, 64)))[0, cls].item()
                drops[r:r + patch, c:c + patch] += s0 - score
                counts[r:r + patch, c:c + patch] += 1
    return drops / counts


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    model, (_, x_test, _, y_test) = trained_mlp(epochs=10 if args.quick else 20)
    with te.no_grad():
        print(f"MLP test accuracy {(model(x_test).argmax(dim=1) == y_test).float().mean().item():.2%}")
    raw_test = digits_split(standardized=False)[1]
    labels = y_test.detach().numpy()      # the first test image of some different digits
    shown = [int(np.flatnonzero(labels == d)[0]) for d in ((0, 3, 8) if args.quick
                                                           else (0, 2, 3, 5, 8, 9))]
    fig, axes = plt.subplots(len(shown), 3, figsize=(7, 2.4 * len(shown)), squeeze=False)
    for row, i in zip(axes, shown):
        image = x_test[i]
        with te.no_grad():
            probs = model(image.reshape(1, 64)).softmax(dim=1)[0]
        cls = int(probs.argmax().item())
        sal, occ = saliency(model, image, cls), occlusion(model, image, cls)
        r, c = np.unravel_index(sal.argmax(), sal.shape)
        # finite-difference check of the gradient at the most salient pixel
        h = 1e-2
        bumped = image.detach().numpy().copy().reshape(1, 64)
        with te.no_grad():
            bumped[0, r * 8 + c] += h
            up = model(te.tensor(bumped))[0, cls].item()
            bumped[0, r * 8 + c] -= 2 * h
            down = model(te.tensor(bumped))[0, cls].item()
        ro, co = np.unravel_index(occ.argmax(), occ.shape)
        corr = np.corrcoef(sal.ravel(), occ.ravel())[0, 1]
        print(f"digit {i}: label {y_test[i].item()}, predicted {cls} (p = {probs[cls].item():.3f}); "
              f"most salient pixel ({r}, {c}): |grad| {sal[r, c]:.3f}, finite difference "
              f"{abs(up - down) / (2 * h):.3f}; largest occlusion drop {occ[ro, co]:.3f} at "
              f"({ro}, {co}); correlation of the maps {corr:.2f}")
        for ax, img, title, cmap in zip(row, (raw_test[i].detach().numpy().reshape(8, 8), sal, occ),
                                        (f"digit, predicted {cls}", "saliency |∂score/∂x|",
                                         "occlusion: score drop"), ("gray_r", "hot", "hot")):
            ax.imshow(img, cmap=cmap); ax.set_title(title, fontsize=9); ax.axis("off")
    save(fig, args.out, "saliency.png")


if __name__ == "__main__":
    main()
