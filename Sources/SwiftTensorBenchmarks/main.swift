// Benchmarks of the kernels and of training, through the public API, in release mode:
//
//   swift run -c release SwiftTensorBenchmarks [--json] [gemm] [skinny] [unary] [adam] [tape] [mlp] [lstm] [conv] [gelu] [attention] [gpt]
//
// With no section names everything runs. GEMM uses the threads SWIFTTENSOR_NUM_THREADS allows
// (default: all cores); SWIFTTENSOR_PORTABLE_KERNELS=1 measures the portable Swift kernels
// that arm64 runs. `python3 Sources/SwiftTensorBenchmarks/compare_with_numpy.py` runs
// this with one and two threads next to numpy and prints the ratios.
//
//   swift run -c release SwiftTensorBenchmarks --accuracy-check DIR [--epochs N]
//
// trains the wide MLP on the digits after writing its initial weights, data and batch order
// into DIR, and prints its test accuracy as JSON (see AccuracyCheck.swift);
// `python3 Sources/SwiftTensorBenchmarks/compare_accuracy.py` compares it with JAX and PyTorch.
import Foundation
@_spi(Benchmarks) import SwiftTensor

// The worker of scripts/kill-during-save.sh, not a benchmark (see CheckpointStress.swift).
if ["--checkpoint-stress", "--checkpoint-check"].contains(CommandLine.arguments.dropFirst().first) {
  exit(runCheckpointStress(CommandLine.arguments))
}

if CommandLine.arguments.dropFirst().first == "--accuracy-check" {
  do {
    print(jsonObject(try accuracyCheck(CommandLine.arguments)))
    exit(0)
  } catch {
    FileHandle.standardError.write(Data("accuracy check failed: \(error)\n".utf8))
    exit(1)
  }
}

let arguments = Set(CommandLine.arguments.dropFirst().map { $0.lowercased() })
let json = arguments.contains("--json")
let sections: Set<String> = [
  "gemm", "skinny", "gradients", "unary", "adam", "tape", "mlp", "lstm", "conv", "gelu",
  "attention", "gpt",
]
let selected = arguments.intersection(sections)
/// Whether a section runs: the selected ones, or all when none was named.
@MainActor func runs(_ section: String) -> Bool { selected.isEmpty || selected.contains(section) }

/// Every figure measured, by name, for the JSON output.
var results: [(String, Double)] = []
@MainActor func record(_ name: String, _ value: Double) { results.append((name, value)) }

if runs("gemm") {
  for n in [128, 256, 512, 1024] {
    record("gemm_f32_\(n)_gflops", gemmGFLOPS(Float.self, m: n, n: n, k: n))
    record("gemm_f64_\(n)_gflops", gemmGFLOPS(Double.self, m: n, n: n, k: n))
  }
}
if runs("skinny") {
  // The products of small-batch training: [batch, in] x [in, out], and matrix-vector.
  for (m, k, n) in [(1, 64, 30), (1, 1024, 1024), (32, 256, 1024), (64, 1024, 1024)] {
    record("gemm_f32_\(m)x\(k)x\(n)_gflops", gemmGFLOPS(Float.self, m: m, n: n, k: k))
  }
}
if runs("gradients") {
  // Weight gradients `xᵀ·dz` with the batch (times time steps) as depth: the GPT benchmark's
  // (2,048 tokens; in x out of its projections) and the LSTM's recurrent one.
  for (m, n, k) in [(128, 384, 2048), (128, 512, 2048), (512, 128, 2048), (256, 1024, 2048)] {
    record(
      "gemm_f32_weight_gradient_\(m)x\(n)_k\(k)_gflops",
      gemmGFLOPS(Float.self, m: m, n: n, k: k, transposeA: true))
  }
}
if runs("unary") {
  for (name, operation) in [
    ("exp", _BenchmarkKernels.Function.exp), ("tanh", .tanh), ("sigmoid", .sigmoid),
    ("relu", .relu),
  ] {
    record("\(name)_f32_1m_gelems", unaryThroughput(operation))
  }
}
if runs("adam") {
  record("adam_f32_1m_gparams", optimizerThroughput(Adam<Float>(learningRate: 1e-3)))
  record(
    "sgd_momentum_f32_1m_gparams",
    optimizerThroughput(SGD<Float>(learningRate: 0.01, momentum: 0.9)))
}
if runs("tape") {
  let (forward, total, inference, tensors) = tapeOverhead()
  record("tape_forward_ns_per_op", forward)
  record("tape_forward_backward_ns_per_op", total)
  record("no_tape_ns_per_op", inference)
  record("bare_tensor_ns_per_op", tensors)
}
if runs("mlp") {
  record("digits_mlp_batch1_s_per_epoch", try benchmarkMLPEpoch(batchSize: 1))
  record("digits_mlp_batch64_s_per_epoch", try benchmarkMLPEpoch(batchSize: 64))
  record("wide_mlp_samples_per_s", try wideMLPSamplesPerSecond())
}
if runs("lstm") {
  record("char_lstm_training_tokens_per_s", try benchmarkLSTMTokensPerSecond())
}

if runs("conv") {
  record("conv3x3_64_f32_ms", convolutionMilliseconds())
  record("resnet_block_f32_ms", resnetBlockMilliseconds())
  record("digits_cnn_samples_per_s", try digitsCNNSamplesPerSecond())
}

if runs("gelu") {
  let (fused, separate) = affineGELUMilliseconds()
  record("affine_gelu_fused_2048x128x512_ms", fused)
  record("affine_then_gelu_2048x128x512_ms", separate)
}
if runs("attention") {
  record("attention_causal_f32_fused_fwd_bwd_ms", attentionMilliseconds(fused: true))
  record("attention_causal_f32_composed_fwd_bwd_ms", attentionMilliseconds(fused: false))
  record("attention_causal_f32_fused_fwd_ms", attentionForwardMilliseconds())
  record("multihead_attention_layer_f32_fwd_bwd_ms", multiHeadAttentionMilliseconds())
  let generation = cachedGenerationMilliseconds()
  record("multihead_attention_cached_step_batch1_ms", generation.step)
  record("multihead_attention_full_window_batch1_ms", generation.window)
}
if runs("gpt") {
  record("gpt_training_tokens_per_s", try gptTrainingTokensPerSecond())
}

if json {
  print(jsonObject(results))
} else {
  print("kernels: \(_BenchmarkKernels.kernelSet)\n")
  print("| benchmark (release, median) | value |")
  print("| --- | --- |")
  for (name, value) in results { print("| \(name) | \(formatted(value)) |") }
}

/// The figures as a JSON object, one per line.
func jsonObject(_ figures: [(String, Double)]) -> String {
  let body = figures.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n")
  return "{\n\(body)\n}"
}

/// Three significant decimals, or more for small values.
func formatted(_ value: Double) -> String {
  value >= 100 ? String(format: "%.1f", value) : String(format: "%.4g", value)
}
