/// Named tensors and string metadata in the safetensors format, the checkpoint format that
/// PyTorch, JAX and numpy users can read.
///
/// A file is an 8-byte little-endian header length `N`, then `N` bytes of UTF-8 JSON, then the
/// raw little-endian data:
///
/// ```
/// {"__metadata__": {"epoch": "3"},
///  "affine_0/W": {"data_offsets": [0, 7680], "dtype": "F32", "shape": [64, 30]}, ...}
/// ```
///
/// Offsets are relative to the data section; tensors are contiguous, without gaps or overlap.
/// `F32` and `F64` tensors convert to `Float` and `Double` tensors; integer (`I64` ... `U8`,
/// `BOOL`) and half-precision (`F16`, `BF16`) tensors are parsed and kept as raw entries, so a
/// file written by another framework can still be read, and `I64` holds exact counters;
/// `convertedTensor(named:as:)` widens `F16` and `BF16` exactly, and `set(_:named:as:)` writes
/// them.
///
/// ```swift
/// var checkpoint = SafeTensors()
/// checkpoint.set(weight, named: "affine_0/W")
/// checkpoint.metadata["epoch"] = "3"
/// try checkpoint.write(to: url)
///
/// let loaded = try SafeTensors(contentsOf: url)
/// let w: Tensor<Float> = try loaded.tensor(named: "affine_0/W", as: Float.self)
/// ```
///
/// Entries keep their insertion order, and the writer's bytes are deterministic, so the same
/// tensors always give the same file.
public struct SafeTensors: Sendable, Equatable {
  /// The element type of a stored tensor.
  public enum DType: String, Sendable, CaseIterable {
    /// 32-bit IEEE 754 (`Float`).
    case f32 = "F32"
    /// 64-bit IEEE 754 (`Double`).
    case f64 = "F64"
    /// 16-bit IEEE 754 half precision; read with `convertedTensor(named:as:)`.
    case f16 = "F16"
    /// bfloat16 (the top half of an `F32`); read with `convertedTensor(named:as:)`.
    case bf16 = "BF16"
    /// Signed 64-bit integer; counters are stored with it (`set(_:shape:named:)`).
    case i64 = "I64"
    /// Signed 32-bit integer, kept as raw bytes.
    case i32 = "I32"
    /// Signed 16-bit integer, kept as raw bytes.
    case i16 = "I16"
    /// Signed 8-bit integer, kept as raw bytes.
    case i8 = "I8"
    /// Unsigned 64-bit integer, kept as raw bytes.
    case u64 = "U64"
    /// Unsigned 32-bit integer, kept as raw bytes.
    case u32 = "U32"
    /// Unsigned 16-bit integer, kept as raw bytes.
    case u16 = "U16"
    /// Unsigned 8-bit integer, kept as raw bytes.
    case u8 = "U8"
    /// Boolean, one byte per element, kept as raw bytes.
    case bool = "BOOL"

    /// Bytes per element: 1, 2, 4 or 8.
    public var byteSize: Int {
      switch self {
      case .f64, .i64, .u64: 8
      case .f32, .i32, .u32: 4
      case .f16, .bf16, .i16, .u16: 2
      case .i8, .u8, .bool: 1
      }
    }

    /// The dtype of `Scalar`; stops for a scalar type other than `Float` or `Double`.
    public init<Scalar: TensorScalar>(_: Scalar.Type) {
      if Scalar.self == Float.self {
        self = .f32
      } else if Scalar.self == Double.self {
        self = .f64
      } else {
        tensorFailure("SafeTensors: no safetensors dtype for \(Scalar.self)")
      }
    }
  }

  /// One stored tensor: its name, dtype, shape and raw little-endian bytes.
  public struct Entry: Sendable, Equatable {
    /// The tensor's name, such as `affine_0/W`.
    public let name: String
    /// The element type.
    public let dtype: DType
    /// The size of each dimension, outermost first.
    public let shape: [Int]
    /// The scalars in row-major order, little-endian; `bytes.count` is the product of `shape`
    /// times `dtype.byteSize`.
    public let bytes: [UInt8]
  }

  /// The header key reserved for metadata; no tensor may have this name.
  static let metadataKey = "__metadata__"

  /// The stored tensors in insertion order.
  public private(set) var entries: [Entry] = []
  private var indexByName: [String: Int] = [:]

  /// Free-form string metadata, written under `__metadata__` (keys sorted).
  public var metadata: [String: String] = [:]

  /// Creates an empty checkpoint.
  public init() {}

  /// The names of the stored tensors, in insertion order.
  public var names: [String] { entries.map(\.name) }

  /// Stores `tensor` under `name`, replacing (in place) a tensor already stored under it.
  ///
  /// - Parameters:
  ///   - tensor: any shape; stored as `F32` for `Float` and `F64` for `Double`.
  ///   - name: any string except `__metadata__`, which the format reserves.
  /// - Complexity: O(n) in the number of scalars (one copy).
  public mutating func set<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, named name: String) {
    let dtype = DType(Scalar.self)
    var bytes = tensor.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    Self.swapToLittleEndian(&bytes, elementSize: dtype.byteSize)
    insert(Entry(name: name, dtype: dtype, shape: tensor.shape, bytes: bytes))
  }

  /// Adds `entry`, or replaces the one with its name in place.
  mutating func insert(_ entry: Entry) {
    tensorPrecondition(
      entry.name != Self.metadataKey,
      "SafeTensors.set: the name '\(Self.metadataKey)' is reserved for metadata")
    if let index = indexByName[entry.name] {
      entries[index] = entry
    } else {
      indexByName[entry.name] = entries.count
      entries.append(entry)
    }
  }

  /// The entry stored under `name`, if any.
  public subscript(name: String) -> Entry? {
    indexByName[name].map { entries[$0] }
  }

  /// The tensor stored under `name`, exactly as stored.
  ///
  /// - Parameters:
  ///   - name: the tensor's name.
  ///   - type: `Float.self` or `Double.self`; must match the stored dtype.
  /// - Returns: a tensor of the stored shape.
  /// - Throws: `CheckpointError.missingTensor` when no tensor has this name, and
  ///   `CheckpointError.dtypeMismatch` when it is stored with another dtype: values are never
  ///   converted silently.
  public func tensor<Scalar: TensorScalar>(
    named name: String, as type: Scalar.Type = Scalar.self
  ) throws(CheckpointError) -> Tensor<Scalar> {
    guard let entry = self[name] else {
      throw .missingTensor(name: name, available: names)
    }
    let dtype = DType(Scalar.self)
    guard entry.dtype == dtype else {
      throw .dtypeMismatch(name: name, stored: entry.dtype.rawValue, expected: dtype.rawValue)
    }
    var bytes = entry.bytes
    Self.swapToLittleEndian(&bytes, elementSize: dtype.byteSize)
    return Tensor(shape: entry.shape, operation: "SafeTensors.tensor") { base in
      bytes.withUnsafeBytes { raw in
        UnsafeMutableRawPointer(base).copyMemory(
          from: raw.baseAddress ?? UnsafeRawPointer(base), byteCount: raw.count)
      }
    }
  }

  /// The tensor stored under `name`, checked against the shape the caller expects.
  ///
  /// - Parameters:
  ///   - name: the tensor's name.
  ///   - type: `Float.self` or `Double.self`; must match the stored dtype.
  ///   - shape: the expected shape, such as a parameter's.
  /// - Throws: `CheckpointError.missingTensor`, `.dtypeMismatch`, or `.shapeMismatch` when the
  ///   stored shape differs from `shape`.
  public func tensor<Scalar: TensorScalar>(
    named name: String, as type: Scalar.Type = Scalar.self, shape: [Int]
  ) throws(CheckpointError) -> Tensor<Scalar> {
    if let entry = self[name], entry.shape != shape {
      throw .shapeMismatch(name: name, stored: entry.shape, expected: shape)
    }
    return try tensor(named: name, as: type)
  }

  /// Checks that the checkpoint holds exactly the tensors in `expected`, so a model can refuse
  /// a checkpoint of another model before changing any parameter.
  ///
  /// - Throws: `CheckpointError.missingTensor` for the first expected name that is absent,
  ///   then `CheckpointError.unexpectedTensors` listing every stored name not in `expected`.
  public func checkNames(_ expected: [String]) throws(CheckpointError) {
    for name in expected where self[name] == nil {
      throw .missingTensor(name: name, available: names)
    }
    let expectedSet = Set(expected)
    let extra = names.filter { !expectedSet.contains($0) }
    guard extra.isEmpty else { throw .unexpectedTensors(names: extra) }
  }

  /// Converts native-order elements to little-endian (or back): a no-op on little-endian
  /// machines, a byte reversal per element on big-endian ones.
  static func swapToLittleEndian(_ bytes: inout [UInt8], elementSize: Int) {
    #if _endian(big)
      var start = 0
      while start < bytes.count {
        bytes[start..<start + elementSize].reverse()
        start += elementSize
      }
    #endif
  }

  /// Two checkpoints are equal when they hold the same entries in the same order and the same
  /// metadata.
  public static func == (lhs: SafeTensors, rhs: SafeTensors) -> Bool {
    lhs.entries == rhs.entries && lhs.metadata == rhs.metadata
  }
}
