import Foundation
import Testing

@testable import SwiftTensor

/// The parts of distributed training that need no MPI: the single-process communicator, the
/// launcher's variables, the shares of a batch and the gradient buckets.
@Suite struct CommunicatorTests {
  @Test func singleProcessCollectivesLeaveValuesAlone() throws {
    let world = Communicator.singleProcess
    #expect(world.rank == 0 && world.size == 1 && !world.isDistributed)
    var tensor = Tensor<Float>(shape: [3], scalars: [1, 2, 3])
    try world.allreduceSum(&tensor)
    try world.allreduceAverage(&tensor)
    try world.broadcast(&tensor)
    try world.barrier()
    #expect(tensor.scalars == [1, 2, 3])
    var values: [Double] = [4, 5]
    try world.allreduceSum(&values)
    #expect(values == [4, 5])
    #expect(throws: DistributedError.invalidRoot(root: 1, size: 1)) {
      try world.broadcast(&values, from: 1)
    }
  }

  @Test func theLauncherSizeComesFromMPIOrSlurmVariables() throws {
    #expect(try Communicator.launcherSize(in: [:]) == nil)
    #expect(try Communicator.launcherSize(in: ["OMPI_COMM_WORLD_SIZE": "4"]) == 4)
    #expect(try Communicator.launcherSize(in: ["PMI_SIZE": "2"]) == 2)
    #expect(try Communicator.launcherSize(in: ["SLURM_NTASKS": "8"]) == nil)
    #expect(try Communicator.launcherSize(in: ["SLURM_NTASKS": "8", "SLURM_PROCID": "3"]) == 8)
    #expect(throws: DistributedError.invalidEnvironment(variable: "PMI_SIZE", value: "two")) {
      try Communicator.launcherSize(in: ["PMI_SIZE": "two"])
    }
  }

  @Test func errorsSayWhatToDo() {
    let missing = DistributedError.libraryNotFound(reason: "none of libmpi.so.40 ... opened")
    #expect(missing.description.contains("apt-get install openmpi-bin"))
    #expect(missing.description.contains("SWIFTTENSOR_MPI_LIBRARY"))
    let failure = DistributedError.mpiFailure(function: "MPI_Allreduce", code: 5, message: "x")
    #expect(failure.description == "MPI_Allreduce failed with MPI error 5: x")
  }

  @Test func sharesCoverTheBatchInOrderAndDifferByAtMostOne() {
    for count in 0...9 {
      for size in 1...4 {
        let ranges = (0..<size).map { shareRange(count: count, rank: $0, size: size) }
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        let lengths = ranges.map(\.count)
        #expect((lengths.max() ?? 0) - (lengths.min() ?? 0) <= 1)
      }
    }
  }

  @Test func bucketsSplitParametersAtTheirCapacity() {
    // 16 bytes hold 4 floats: parameters of 3, 6 and 2 scalars fill buckets of 4, 4 and 3.
    let state = DataParallelState<Float>(
      communicator: .singleProcess, parameterCounts: [3, 6, 2], bufferCounts: [5], bucketBytes: 16)
    #expect(state.plan.map { $0.map(\.count) } == [[3, 1], [4], [1, 2]])
    #expect(state.plan[1][0].parameter == 1 && state.plan[1][0].start == 1)
    // The count, the loss and the buffers' 5 scalars ride ahead of the first bucket.
    #expect(state.headCount == 7 && state.bucket.count == 11)
  }

  @Test func oneRankReductionKeepsTheMeanGradientAndLoss() throws {
    let parameters = [Variable(Tensor<Double>(shape: [3], scalars: [1, 2, 3]))]
    parameters[0].gradient = Tensor(shape: [3], scalars: [0.5, -1, 2])
    let state = DataParallelState<Double>(
      communicator: .singleProcess, parameterCounts: [3], bufferCounts: [], bucketBytes: 16)
    let loss = try state.reduce(parameters: parameters, buffers: [], loss: 0.25, count: 7)
    // Weighted by the count 7 and scaled by 1/7: equal up to the two roundings.
    #expect(abs(loss - 0.25) <= 1e-16)
    let gradient = try #require(parameters[0].gradient?.scalars)
    for (reduced, original) in zip(gradient, [0.5, -1, 2]) {
      #expect(abs(reduced - original) <= 4e-16 * abs(original))
    }
  }

  @Test func distributingOverOneProcessChangesNothing() throws {
    func train(distributed: Bool) throws -> [Float] {
      let (training, _) = try Digits.load(as: Float.self)
      let model = Graph<Float>("mlp", seed: 1) { Affine(64, 10) }
      let trainer = Trainer(
        model, loss: SoftmaxCrossEntropyLoss(), optimizer: SGD(learningRate: 0.1), seed: 2)
      trainer.reportsProgress = false
      if distributed { try trainer.distribute(over: .singleProcess) }
      _ = try trainer.fit(
        training.subset(Array(0..<100)), epochs: 1, batchSize: 16)
      return model.parameters.flatMap(\.variable.value.scalars)
    }
    #expect(try train(distributed: true) == train(distributed: false))
  }
}
