#!/usr/bin/env python3
"""Reads SwiftTensor's TensorBoard event files with TensorBoard's own EventAccumulator.

Prints every scalar series (first and last values, and all of them with --all), and the
histogram and text tags, so that a run logged by SummaryWriter / TensorBoardCallback can be
checked with the reader `tensorboard --logdir` uses:

    python3 -m venv /tmp/tbvenv && /tmp/tbvenv/bin/pip install tensorboard
    swift run -c release Digits --epochs 3 --tensorboard /tmp/digits-tb
    /tmp/tbvenv/bin/python scripts/read_tensorboard.py /tmp/digits-tb

Exits with status 1 when the directory holds no event file or no scalar.
"""

import argparse
import glob
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="the directory given to SummaryWriter")
    parser.add_argument("--all", action="store_true", help="print every value of every series")
    arguments = parser.parse_args()
    files = sorted(glob.glob(os.path.join(arguments.directory, "events.out.tfevents.*")))
    if not files:
        sys.exit(f"no event file in {arguments.directory}")
    for path in files:
        # size_guidance 0 keeps every event (the default samples large series).
        accumulator = EventAccumulator(path, size_guidance={"scalars": 0, "histograms": 0})
        accumulator.Reload()
        tags = accumulator.Tags()
        print(f"{os.path.basename(path)}: file_version {accumulator.file_version}")
        if not tags["scalars"]:
            sys.exit("no scalar in the file")
        for tag in sorted(tags["scalars"]):
            events = accumulator.Scalars(tag)
            first, last = events[0], events[-1]
            print(
                f"  {tag}: {len(events)} values, step {first.step} = {first.value:.6g}"
                f" ... step {last.step} = {last.value:.6g}")
            if arguments.all:
                for event in events:
                    print(f"    step {event.step}: {event.value:.6g} (wall {event.wall_time:.3f})")
        for tag in sorted(tags["histograms"]):
            histograms = accumulator.Histograms(tag)
            last = histograms[-1].histogram_value
            print(
                f"  histogram {tag}: {len(histograms)} steps, last over {last.num:.0f} values"
                f" in [{last.min:.4g}, {last.max:.4g}]")
        for tag in sorted(tags["tensors"]):
            print(f"  tensor {tag}: {len(accumulator.Tensors(tag))} events")


if __name__ == "__main__":
    main()
