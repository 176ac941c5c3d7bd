#!/usr/bin/env python3
"""PyTorch's side of the GPT step profile: the median step of nanoGPT's CPU configuration and
torch.autograd.profiler's table of where the time goes, to set beside Flint's GptStepProfile.

    (unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; /usr/bin/python3 benchmarks/gpt/profile_torch.py [threads])
"""
import os
import sys, torch, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nanogpt_torch import GPT
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)
m = GPT(73, 64, 4, 4, 128)
decay = [p for p in m.parameters() if p.dim() >= 2]; nod = [p for p in m.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": nod, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.99))
def step():
    x = torch.randint(0, 73, (12, 64)); y = torch.randint(0, 73, (12, 64))
    loss = m(x, y); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True); loss.item()
for _ in range(5): step()
ts=[]
for _ in range(15):
    t0=time.perf_counter(); step(); ts.append(time.perf_counter()-t0)
ts.sort(); print("median ms", ts[len(ts)//2]*1e3, "min", ts[0]*1e3)
with torch.autograd.profiler.profile() as prof:
    for _ in range(5): step()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
