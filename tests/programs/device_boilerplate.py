"""The device lines every tutorial starts with, then a model moved to the device."""
import numpy as np
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
print(f"Using {device} device")
device = torch.device(device)
print(device, repr(device), device.type)

rng = np.random.default_rng(0)
model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1)).to(device)
for layer in (model[0], model[2]):          # NumPy-seeded weights: both frameworks agree
    layer.weight = nn.Parameter(torch.from_numpy(
        rng.standard_normal(tuple(layer.weight.shape)).astype(np.float32)))
    layer.bias = nn.Parameter(torch.zeros(layer.bias.shape[0]))
x = torch.tensor(rng.standard_normal((5, 4)), dtype=torch.float32).to(device)
print(x.device, x.cpu().device, x.to("cpu", torch.float64).dtype)
out = model(x)
print(next(model.parameters()).device, out.shape, out.sum().item())
print(model.cpu()(x.cpu()).detach().numpy().round(4).tolist())
