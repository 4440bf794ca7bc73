"""A stand-in training script: prints its metrics as `name=value` lines, the way many scripts do.

katib-ts's StdOut collector reads these lines live (Katib's default filter) and stores them.
"""
import argparse
import math
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--momentum", type=float, required=True)
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()

for epoch in range(1, args.epochs + 1):
    # A smooth made-up loss surface with its optimum near lr=0.03, momentum=0.9.
    loss = (math.log10(args.lr) + 1.5) ** 2 + (args.momentum - 0.9) ** 2 + 1.0 / epoch
    accuracy = 1.0 / (1.0 + loss)
    print(f"epoch {epoch}: loss={loss:.6f} accuracy={accuracy:.6f}", flush=True)
    time.sleep(0.05)
