"""Tensors from data and from creation functions, as the 60-minute blitz shows them."""
import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data, x_data.dtype, x_data.shape, x_data.size())
x_np = torch.from_numpy(np.array(data, dtype=np.float64))
print(x_np, x_np.dtype)
x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_zeros = torch.zeros_like(x_data, dtype=torch.float)
print(f"Zeros Tensor: \n {x_zeros} \n")
shape = (2, 3,)
print(torch.ones(shape), torch.zeros(shape).dtype, torch.full(shape, 7).dtype)
print(torch.arange(0, 10, 3), torch.arange(1.0, 2.0, 0.25), torch.linspace(-1, 1, 5))
print(torch.logspace(0, 3, 4), torch.eye(3))
t = torch.arange(12).reshape(3, 4)
print(f"Shape of tensor: {t.shape}")
print(f"Datatype of tensor: {t.dtype}")
print(f"Device tensor is stored on: {t.device}")
print(t.numel(), t.dim(), t.nelement(), t.element_size(), t.size(1), t.is_floating_point())
f = t.float()
print(f.dtype, f.double().dtype, f.half().dtype, f.long().dtype, f.int().dtype, f.bool().dtype)
print(f.new_zeros(2), f.new_ones((1, 2)), f.new_full((2,), 3.5), f.new_tensor([1, 2]))
print(torch.finfo(torch.float32).eps, torch.iinfo(torch.int64).max)
print(f"{f.sum():.2f} {f.mean():+.3f} {f.std():.4f}")
for row in t[:2]:
    print(row.tolist(), row.sum().item(), int(row[0]), float(row[1]))
