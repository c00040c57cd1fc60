"""Reads and writes the files of issue 21's accuracy check for jax_reference.py's and
pytorch_reference.py's `accuracy DIR` modes: what `SwiftTensorBenchmarks --accuracy-check DIR`
wrote (AccuracyCheck.swift describes them), and each framework's final parameters.

Needs numpy and safetensors; SwiftTensor itself never needs Python.
"""
import glob
import os

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


class Run:
    """The initial parameters (numpy, SwiftTensor's layout: weights [in, out]), their names in
    layer order, the data, the per-epoch orders and the hyperparameters of one check."""

    def __init__(self, directory):
        self.directory = directory
        path = os.path.join(directory, "initial_parameters.safetensors")
        with safe_open(path, "np") as file:
            self.names = file.metadata()["parameters"].split(",")
        self.initial = load_file(path)
        path = os.path.join(directory, "batch_order.safetensors")
        with safe_open(path, "np") as file:
            settings = file.metadata()
        self.order = load_file(path)["order"]
        self.batch_size = int(settings["batch_size"])
        self.learning_rate = float(settings["learning_rate"])
        self.betas = (float(settings["beta1"]), float(settings["beta2"]))
        self.epsilon = float(settings["epsilon"])
        data = load_file(os.path.join(directory, "data.safetensors"))
        self.train_inputs = data["train_inputs"]
        self.train_labels = data["train_labels"]
        self.test_inputs = data["test_inputs"]
        self.test_labels = data["test_labels"]

    def layers(self):
        """(weight, bias) pairs of the initial parameters, in layer order."""
        return [(self.initial[w], self.initial[b])
                for w, b in zip(self.names[0::2], self.names[1::2])]

    def batches(self):
        """The training rows of every step, epoch after epoch; an epoch's last batch is smaller
        when the batch size does not divide the training set, and is kept."""
        for permutation in self.order:
            for begin in range(0, len(permutation), self.batch_size):
                yield permutation[begin:begin + self.batch_size]

    def finish(self, framework, layers, predicted):
        """Saves `layers` (numpy (weight [in, out], bias) pairs) as DIR/final_<framework>, and
        returns the test accuracy of `predicted` (class per test image) and, per other
        framework whose final parameters are in DIR, the largest over the parameters of
        max|ours - theirs| / max|theirs|, with the per-parameter values against SwiftTensor.
        Final parameters older than SwiftTensor's are left out: they belong to an earlier run
        in the same directory."""
        ours = {name: np.ascontiguousarray(tensor, dtype=np.float32)
                for name, tensor in zip(self.names, (t for pair in layers for t in pair))}
        save_file(ours, os.path.join(self.directory, f"final_{framework}.safetensors"))
        correct = int((np.asarray(predicted) == self.test_labels).sum())
        result = {"test_accuracy": correct / len(self.test_labels), "test_correct": correct,
                  "test_count": len(self.test_labels)}
        for path in sorted(glob.glob(os.path.join(self.directory, "final_*.safetensors"))):
            other = os.path.basename(path)[len("final_"):-len(".safetensors")]
            reference = os.path.join(self.directory, "final_swifttensor.safetensors")
            if other == framework or os.path.getmtime(path) < os.path.getmtime(reference):
                continue
            theirs = load_file(path)
            differences = {name: float(np.abs(ours[name] - theirs[name]).max()
                                       / np.abs(theirs[name]).max()) for name in self.names}
            result[f"max_relative_parameter_difference_vs_{other}"] = max(differences.values())
            if other == "swifttensor":
                result["relative_parameter_differences_vs_swifttensor"] = differences
        return result
