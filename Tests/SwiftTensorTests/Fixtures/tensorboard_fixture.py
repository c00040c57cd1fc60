"""Writes tensorboard_fixture.tfevents with tensorboardX, for SummaryWriterTests.

Run from this directory with tensorboardX installed (2.6.5 made the committed file):

    python3 -m venv /tmp/tbvenv && /tmp/tbvenv/bin/pip install tensorboardX tensorboard
    /tmp/tbvenv/bin/python tensorboard_fixture.py

The wall time is fixed (time.time is replaced) so that the bytes do not depend on when the
script ran; the file is renamed because tensorboardX puts the host name in it. The Swift test
writes the same events with SummaryWriter and the same clock and compares the bytes.
"""

import glob
import os
import shutil
import tempfile
import time

WALL_TIME = 1700000000.25
time.time = lambda: WALL_TIME

from tensorboardX import SummaryWriter  # noqa: E402  (after the clock is fixed)

directory = tempfile.mkdtemp()
writer = SummaryWriter(directory)
for step, (loss, accuracy) in enumerate([(2.5, 0.125), (1.25, 0.5), (0.625, 0.75)]):
    writer.add_scalar("loss", loss, step * 10, walltime=WALL_TIME + step)
    writer.add_scalar("accuracy", accuracy, step * 10, walltime=WALL_TIME + step)
writer.add_scalar("negative", -3.5, 7, walltime=WALL_TIME + 5)
# simple_value is in a oneof, so a zero is written (unlike the step 0 beside it).
writer.add_scalar("zero", 0.0, 0, walltime=WALL_TIME + 5.5)
# The histogram SummaryWriter computes for the values [1, 2, 2, 4] with 3 buckets.
writer.add_histogram_raw(
    "weights", min=1.0, max=4.0, num=4, sum=9.0, sum_squares=25.0,
    bucket_limits=[2.0, 3.0, 4.0], bucket_counts=[1.0, 2.0, 1.0], global_step=3,
    walltime=WALL_TIME + 6)
writer.add_text("notes", "lr **0.01**", 4, walltime=WALL_TIME + 7)
writer.close()
(path,) = glob.glob(os.path.join(directory, "events.out.tfevents.*"))
target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensorboard_fixture.tfevents")
shutil.copyfile(path, target)
shutil.rmtree(directory)
print(f"wrote {target} ({os.path.getsize(target)} bytes)")
