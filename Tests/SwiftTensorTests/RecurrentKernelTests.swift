import SwiftTensorTesting
import Testing

@testable import SwiftTensor

/// The recurrent kernels: the prepacked per-step product, the two-core partitions and the C step
/// kernels against the portable Swift ones.
@Suite struct RecurrentKernelTests: RecurrentFixtures {
  /// The per-step product with a prepacked operand, on one and two threads, transposed or
  /// not, against `matmul`; shapes cover edge tiles, several depth blocks, and last panels of
  /// one or two rows (7 = 4 + 3, 8 = 4 + 4, 32 = 4 x 6 + 4 + 4 rows), with A's rows
  /// contiguous or spaced as a hidden state's are in a sequence.
  @Test func prepackedProducts() {
    for (m, k, n) in [(1, 3, 5), (7, 300, 33), (8, 20, 48), (32, 40, 70)] {
      for (transposed, padding) in [(false, 0), (true, 0), (false, 5)] {
        let stored: Tensor<Float> = values([m, k + padding], 1)
        let a = stored[0..., 0..<k]
        let b: Tensor<Float> = values(transposed ? [n, k] : [k, n], 2)
        let expected = a.matmul(b, transposingOther: transposed) + 1
        for threads in [1, 2] {
          let packed =
            RecurrentSequenceCore.uninitialized([GEMM.prepackedCount(Float.self, k: k, n: n)])
            as Tensor<Float>
          Float._prepack(
            transposed: transposed, b.baseAddress, ldb: b.shape[1], k: k, n: n,
            into: packed.baseAddress)
          let c = RecurrentSequenceCore.copy(Tensor<Float>.ones(shape: [m, n]))
          Float._gemmPrepacked(
            m: m, n: n, k: k, stored.baseAddress, lda: k + padding, packedB: packed.baseAddress,
            beta: 1, c.baseAddress, ldc: n, threads: threads)
          expectClose(
            c, expected, tolerance: 1e-4,
            "m \(m) k \(k) n \(n) threads \(threads) lda \(k + padding)")
        }
      }
    }
  }

  /// Splitting the batch between two threads (each runs every step for its samples), or each
  /// step's product by columns, gives the single-threaded results, for every cell; batches of
  /// 13 (a 12 + 1 split) and 5 (one part empty).
  @Test(arguments: [RecurrentCellKind.rnn, .lstm, .gru])
  func partitionedSequencesMatchOneThread(cell: RecurrentCellKind) {
    for batch in [13, 5] {
      let (time, features, hidden) = (4, 3, 7)
      let width = cell.gateCount * hidden
      let x: Tensor<Double> = values([batch, time, features], 1)
      let h0: Tensor<Double> = values([batch, hidden], 2)
      let c0: Tensor<Double>? = cell == .lstm ? values([batch, hidden], 3) : nil
      let wx: Tensor<Double> = values([features, width], 4)
      let wh: Tensor<Double> = values([hidden, width], 5)
      let b: Tensor<Double> = values([width], 6)
      let dOutputs: Tensor<Double> = values([batch, time, hidden], 7)
      let dHidden: Tensor<Double> = values([batch, hidden], 8)
      let dCell: Tensor<Double>? = cell == .lstm ? values([batch, hidden], 9) : nil
      func run(_ partition: (parts: Int, threads: Int)) -> [Tensor<Double>] {
        let forward = RecurrentSequenceCore.forward(
          cell, x: x, h0: h0, c0: c0, wx: wx, wh: wh, b: b, operation: "test",
          partition: partition)
        let gradients = RecurrentSequenceCore.backward(
          cell, x: x, h0: h0, c0: c0, wx: wx, wh: wh, outputs: forward.outputs,
          saved: forward.saved, outputGradient: dOutputs, hiddenGradient: dHidden,
          cellGradient: dCell, partition: partition)
        return [forward.outputs, forward.hidden] + (forward.cell.map { [$0] } ?? []) + gradients
      }
      let reference = run((1, 1))
      for partition in [(parts: 2, threads: 1), (parts: 1, threads: 2)] {
        let results = run(partition)
        #expect(results.count == reference.count)
        for (index, (result, expected)) in zip(results, reference).enumerated() {
          expectClose(
            result, expected, tolerance: 1e-12,
            "\(cell) batch \(batch) \(partition) result \(index)")
        }
      }
    }
  }

  /// The step kernels in C (where this CPU has AVX2+FMA) against the portable Swift ones, for
  /// every cell, on rows with a tail shorter than a vector and row strides wider than the rows,
  /// with and without an output gradient; padding included (nothing written past a row).
  @Test(arguments: [RecurrentCellKind.rnn, .lstm, .gru])
  func stepKernelsInCMatchSwift(cell: RecurrentCellKind) {
    func check<S: TensorScalar>(_: S.Type, hidden: Int, tolerance: S) {
      let rows = 3
      let width = cell.gateCount * hidden
      let gateStride = width + 5
      let stateStride = hidden + 3
      func buffer(_ columns: Int, _ seed: UInt64, scale: S = 1) -> Tensor<S> {
        RecurrentSequenceCore.copy(values([rows, columns], seed, scale: scale))
      }
      func rowsOf(_ tensor: Tensor<S>, _ stride: Int) -> _Rows<S> {
        _Rows(tensor.baseAddress, stride: stride)
      }
      let preActivations = buffer(gateStride, 1, scale: 3)
      let bias: Tensor<S> = values([width], 2)
      let previousCell = buffer(stateStride, 3, scale: 2)
      let previousHidden = buffer(stateStride, 10)
      let hiddenGates = buffer(gateStride, 12, scale: 2)
      let outputGradient = buffer(stateStride, 8)
      var results: [[Tensor<S>]] = []
      // The step structs hold raw row pointers, which do not keep a tensor alive: every input
      // read through them must outlive the kernel calls, not just its last use in this code.
      let inputs = [
        preActivations, bias, previousCell, previousHidden, hiddenGates, outputGradient,
      ]
      withExtendedLifetime(inputs) {
        for portable in [true, false] {
          let gates = RecurrentSequenceCore.copy(preActivations)
          let cellState = buffer(stateStride, 4)
          let output = buffer(stateStride, 5)
          RecurrentKernels.forward(
            cell,
            _RecurrentForwardStep(
              rows: rows, hidden: hidden, gates: rowsOf(gates, gateStride), bias: bias.baseAddress,
              hiddenGates: cell == .gru ? rowsOf(hiddenGates, gateStride) : nil,
              previousHidden: rowsOf(previousHidden, stateStride),
              previousCell: cell == .lstm ? rowsOf(previousCell, stateStride) : nil,
              hiddenOutput: rowsOf(output, stateStride),
              cellOutput: cell == .lstm ? rowsOf(cellState, stateStride) : nil),
            portable: portable)
          var stepResults = [gates, cellState, output]
          for withOutputGradient in [false, true] {
            let cellGradient = buffer(stateStride, 6)
            let gateGradients = buffer(gateStride, 7)
            let hiddenGateGradients = buffer(gateStride, 13)
            let hiddenGradient = buffer(stateStride, 9)
            RecurrentKernels.backward(
              cell,
              _RecurrentBackwardStep(
                rows: rows, hidden: hidden, gates: rowsOf(gates, gateStride),
                hiddenGates: cell == .gru ? rowsOf(hiddenGates, gateStride) : nil,
                previousHidden: rowsOf(previousHidden, stateStride),
                previousCell: cell == .lstm ? rowsOf(previousCell, stateStride) : nil,
                cell: cell == .lstm ? rowsOf(cellState, stateStride) : nil,
                hiddenOutput: rowsOf(output, stateStride),
                outputGradient: withOutputGradient ? rowsOf(outputGradient, stateStride) : nil,
                hiddenGradient: rowsOf(hiddenGradient, stateStride),
                cellGradient: cell == .lstm ? rowsOf(cellGradient, stateStride) : nil,
                gateGradients: rowsOf(gateGradients, gateStride),
                hiddenGateGradients: cell == .gru ? rowsOf(hiddenGateGradients, gateStride) : nil),
              portable: portable)
            stepResults += [cellGradient, gateGradients, hiddenGateGradients, hiddenGradient]
          }
          results.append(stepResults)
        }
      }
      let names = [
        "gates", "cell", "output", "dc", "dgates", "dgates (hidden side)", "dh",
        "dc with dy", "dgates with dy", "dgates (hidden side) with dy", "dh with dy",
      ]
      for (index, name) in names.enumerated() {
        expectClose(
          results[1][index], results[0][index], tolerance: tolerance,
          "\(cell) \(S.self) \(name)")
      }
    }
    check(Float.self, hidden: 13, tolerance: 1e-5)
    check(Double.self, hidden: 7, tolerance: 1e-13)
  }
}
