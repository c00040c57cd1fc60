import SwiftTensorMPIShim

// Broadcast and allreduce of Float and Double buffers, arrays and tensors, in place.

extension Communicator {
  /// Replaces `buffer` on every rank with rank `root`'s values.
  ///
  /// Every rank passes a buffer of the same count.
  ///
  /// - Throws: `DistributedError.invalidRoot`, `.unsupportedScalar` or `.mpiFailure`.
  public func broadcast<Scalar: TensorScalar>(
    _ buffer: UnsafeMutableBufferPointer<Scalar>, from root: Int = 0
  ) throws(DistributedError) {
    guard root >= 0 && root < size else { throw .invalidRoot(root: root, size: size) }
    guard isDistributed, let base = buffer.baseAddress, buffer.count > 0 else { return }
    let type = try Self.mpiType(Scalar.self)
    try Self.check(
      swifttensor_mpi_broadcast(base, buffer.count, type, Int32(root)), "MPI_Bcast")
  }

  /// Replaces `buffer` on every rank with the element-wise sum over the ranks.
  ///
  /// Every rank passes a buffer of the same count. The sum is reproducible from run to run
  /// with the same number of processes and the same MPI library, but its rounding may differ
  /// from a sum in another order.
  ///
  /// - Throws: `DistributedError.unsupportedScalar` or `.mpiFailure`.
  public func allreduceSum<Scalar: TensorScalar>(
    _ buffer: UnsafeMutableBufferPointer<Scalar>
  ) throws(DistributedError) {
    guard isDistributed, let base = buffer.baseAddress, buffer.count > 0 else { return }
    let type = try Self.mpiType(Scalar.self)
    try Self.check(swifttensor_mpi_allreduce_sum(base, buffer.count, type), "MPI_Allreduce")
  }

  /// Replaces `buffer` on every rank with the element-wise mean over the ranks.
  ///
  /// - Throws: `DistributedError.unsupportedScalar` or `.mpiFailure`.
  public func allreduceAverage<Scalar: TensorScalar>(
    _ buffer: UnsafeMutableBufferPointer<Scalar>
  ) throws(DistributedError) {
    guard isDistributed else { return }
    try allreduceSum(buffer)
    let scale = 1 / Scalar(size)
    for index in buffer.indices { buffer[index] *= scale }
  }

  /// Replaces `values` on every rank with rank `root`'s; see the buffer form.
  ///
  /// - Throws: `DistributedError.invalidRoot`, `.unsupportedScalar` or `.mpiFailure`.
  public func broadcast<Scalar: TensorScalar>(
    _ values: inout [Scalar], from root: Int = 0
  ) throws(DistributedError) {
    try values.withUnsafeMutableBufferPointer { buffer throws(DistributedError) in
      try broadcast(buffer, from: root)
    }
  }

  /// Replaces `values` on every rank with the element-wise sum over the ranks.
  ///
  /// - Throws: `DistributedError.unsupportedScalar` or `.mpiFailure`.
  public func allreduceSum<Scalar: TensorScalar>(_ values: inout [Scalar]) throws(DistributedError)
  {
    try values.withUnsafeMutableBufferPointer { buffer throws(DistributedError) in
      try allreduceSum(buffer)
    }
  }

  /// Replaces `tensor` on every rank with rank `root`'s; every rank passes the same shape.
  ///
  /// - Throws: `DistributedError.invalidRoot`, `.unsupportedScalar` or `.mpiFailure`.
  public func broadcast<Scalar: TensorScalar>(
    _ tensor: inout Tensor<Scalar>, from root: Int = 0
  ) throws(DistributedError) {
    try Self.withBuffer(&tensor) { buffer throws(DistributedError) in
      try broadcast(buffer, from: root)
    }
  }

  /// Replaces `tensor` on every rank with the element-wise sum over the ranks; every rank
  /// passes the same shape.
  ///
  /// - Throws: `DistributedError.unsupportedScalar` or `.mpiFailure`.
  public func allreduceSum<Scalar: TensorScalar>(
    _ tensor: inout Tensor<Scalar>
  )
    throws(DistributedError)
  {
    try Self.withBuffer(&tensor) { buffer throws(DistributedError) in try allreduceSum(buffer) }
  }

  /// Replaces `tensor` on every rank with the element-wise mean over the ranks; every rank
  /// passes the same shape.
  ///
  /// - Throws: `DistributedError.unsupportedScalar` or `.mpiFailure`.
  public func allreduceAverage<Scalar: TensorScalar>(
    _ tensor: inout Tensor<Scalar>
  )
    throws(DistributedError)
  {
    try Self.withBuffer(&tensor) { buffer throws(DistributedError) in try allreduceAverage(buffer) }
  }

  /// Calls `body` with the tensor's scalars for writing, passing on its typed error (the
  /// tensor's own method rethrows untyped errors).
  private static func withBuffer<Scalar: TensorScalar>(
    _ tensor: inout Tensor<Scalar>,
    _ body: (UnsafeMutableBufferPointer<Scalar>) throws(DistributedError) -> Void
  ) throws(DistributedError) {
    var failure: DistributedError?
    tensor.withUnsafeMutableBufferPointer { buffer in
      do throws(DistributedError) { try body(buffer) } catch { failure = error }
    }
    if let failure { throw failure }
  }

  /// The shim's name for `Scalar`.
  static func mpiType<Scalar>(_: Scalar.Type) throws(DistributedError) -> swifttensor_mpi_type {
    if Scalar.self == Float.self { return swifttensor_mpi_float }
    if Scalar.self == Double.self { return swifttensor_mpi_double }
    throw .unsupportedScalar(type: "\(Scalar.self)")
  }
}
