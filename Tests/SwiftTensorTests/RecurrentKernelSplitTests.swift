import Testing

@testable import SwiftTensor

/// A time step's gate math split between two threads by rows gives the one-thread results,
/// bit for bit, for every cell, forward and backward (41 rows: a 20 + 21 split).
@Suite struct RecurrentKernelSplitTests: RecurrentFixtures {
  @Test(arguments: [RecurrentCellKind.rnn, .lstm, .gru])
  func splitStepsMatchOneThread(cell: RecurrentCellKind) {
    let (rows, hidden) = (41, 130)
    #expect(RecurrentKernels.splitsRows(rows, hidden: hidden, threads: 2))
    let width = cell.gateCount * hidden
    func buffer(_ columns: Int, _ seed: UInt64) -> Tensor<Float> {
      RecurrentSequenceCore.copy(values([rows, columns], seed, scale: 2))
    }
    let (preActivations, bias) = (buffer(width, 1), values([width], 2) as Tensor<Float>)
    let (previousCell, previousHidden) = (buffer(hidden, 3), buffer(hidden, 4))
    let (hiddenGates, outputGradient) = (buffer(width, 5), buffer(hidden, 6))
    func run(threads: Int) -> [Tensor<Float>] {
      let gates = RecurrentSequenceCore.copy(preActivations)
      let (cellState, output) = (buffer(hidden, 7), buffer(hidden, 8))
      let (cellGradient, hiddenGradient) = (buffer(hidden, 9), buffer(hidden, 10))
      let (gateGradients, hiddenGateGradients) = (buffer(width, 11), buffer(width, 12))
      let inputs = [preActivations, bias, previousCell, previousHidden, hiddenGates]
      withExtendedLifetime(inputs + [outputGradient]) {
        RecurrentKernels.forward(
          cell,
          _RecurrentForwardStep(
            rows: rows, hidden: hidden, gates: _Rows(gates.baseAddress, stride: width),
            bias: bias.baseAddress,
            hiddenGates: cell == .gru ? _Rows(hiddenGates.baseAddress, stride: width) : nil,
            previousHidden: _Rows(previousHidden.baseAddress, stride: hidden),
            previousCell: cell == .lstm ? _Rows(previousCell.baseAddress, stride: hidden) : nil,
            hiddenOutput: _Rows(output.baseAddress, stride: hidden),
            cellOutput: cell == .lstm ? _Rows(cellState.baseAddress, stride: hidden) : nil),
          threads: threads)
        RecurrentKernels.backward(
          cell,
          _RecurrentBackwardStep(
            rows: rows, hidden: hidden, gates: _Rows(gates.baseAddress, stride: width),
            hiddenGates: cell == .gru ? _Rows(hiddenGates.baseAddress, stride: width) : nil,
            previousHidden: _Rows(previousHidden.baseAddress, stride: hidden),
            previousCell: cell == .lstm ? _Rows(previousCell.baseAddress, stride: hidden) : nil,
            cell: cell == .lstm ? _Rows(cellState.baseAddress, stride: hidden) : nil,
            hiddenOutput: _Rows(output.baseAddress, stride: hidden),
            outputGradient: _Rows(outputGradient.baseAddress, stride: hidden),
            hiddenGradient: _Rows(hiddenGradient.baseAddress, stride: hidden),
            cellGradient: cell == .lstm ? _Rows(cellGradient.baseAddress, stride: hidden) : nil,
            gateGradients: _Rows(gateGradients.baseAddress, stride: width),
            hiddenGateGradients: cell == .gru
              ? _Rows(hiddenGateGradients.baseAddress, stride: width) : nil),
          threads: threads)
      }
      return [
        gates, cellState, output, cellGradient, hiddenGradient, gateGradients,
        hiddenGateGradients,
      ]
    }
    let (one, two) = (run(threads: 1), run(threads: 2))
    for (index, (a, b)) in zip(one, two).enumerated() {
      #expect(a == b, "\(cell) result \(index)")
    }
  }
}
