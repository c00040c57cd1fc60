import Foundation
import SwiftTensor

/// A property that failed: the minimal counterexample found by shrinking, the original one,
/// and the seed that reproduces the run.
///
/// `forAll` throws it, so a failing property reads well in both test frameworks: Swift
/// Testing shows a thrown error's description (`@Test func f() throws { try forAll(...) }`),
/// and XCTest shows it for a throwing test method or in `XCTAssertNoThrow`.
public struct PropertyFailure: Error, CustomStringConvertible, @unchecked Sendable {
  // Unchecked: the counterexamples are values of any type, stored once and only read.

  /// The seed of the run; `SWIFTTENSOR_TEST_SEED=<seed>` reproduces it.
  public var seed: UInt64
  /// How many cases ran, including the failing one.
  public var casesRun: Int
  /// How many times shrinking found a simpler failing case.
  public var shrinkSteps: Int
  /// The simplest failing value found (cast it to the generator's type to inspect it).
  public var minimal: Any
  /// Why the minimal case failed.
  public var minimalError: String
  /// The failing value as first generated.
  public var original: Any
  /// Why the original case failed.
  public var originalError: String

  /// The full report: minimal and original counterexamples, shrink steps, and the seed.
  public var description: String {
    """
    property failed after \(casesRun) case\(casesRun == 1 ? "" : "s") and \(shrinkSteps) \
    shrink step\(shrinkSteps == 1 ? "" : "s")
    minimal counterexample: \(describeCounterexample(minimal))
      \(minimalError)
    original counterexample: \(describeCounterexample(original))
      \(originalError)
    reproduce with SWIFTTENSOR_TEST_SEED=\(seed)
    """
  }
}

/// The error a property throws to fail its case, with a message (see `require(_:_:)`).
public struct PropertyExpectationFailure: Error, CustomStringConvertible {
  /// What was expected.
  public var message: String
  /// Creates a failure with a message.
  public init(_ message: String) { self.message = message }
  /// The message.
  public var description: String { message }
}

/// Fails the current case of a property (by throwing) unless `condition` holds.
///
/// Use it inside a `forAll` property instead of `#expect`/`XCTAssert`, whose failures the
/// runner cannot see and so cannot shrink.
///
/// - Throws: `PropertyExpectationFailure` with `message` when `condition` is false.
public func require(
  _ condition: Bool, _ message: @autoclosure () -> String = "expectation failed"
)
  throws
{
  if !condition { throw PropertyExpectationFailure(message()) }
}

/// Runs `property` on `cases` values of `generator`; when one fails, shrinks it to a minimal
/// counterexample and throws a report of it.
///
/// A case fails when the property throws (for example `expectGradient(of:at:)` or
/// `require(_:_:)`) or returns a `Bool` that is `false`; other results are ignored. The run
/// is determined by a seed: `seed` if given, else the environment variable
/// `SWIFTTENSOR_TEST_SEED`, else a fresh random one, which the report prints so the failure
/// can be reproduced. A property that stops the process (a tensor precondition) cannot be
/// shrunk: generate only inputs the computation accepts.
///
/// ```swift
/// @Test func cubeGradient() throws {
///   try forAll(Gen.tensor(Double.self, shape: Gen.shape())) { x in
///     try expectGradient(of: Cube(), at: [x])
///   }
/// }
/// ```
///
/// - Parameters:
///   - generator: the values to try.
///   - cases: how many values to try.
///   - seed: fixes the run, overriding `SWIFTTENSOR_TEST_SEED`.
///   - maximumShrinks: how many simpler candidates shrinking may try in all.
///   - property: the property; return `false` or throw to fail.
/// - Throws: `PropertyFailure` with the minimal counterexample.
public func forAll<Value, Result>(
  _ generator: Gen<Value>, cases: Int = 100, seed: UInt64? = nil, maximumShrinks: Int = 2000,
  _ property: (Value) throws -> Result
) throws {
  let runSeed = seed ?? environmentSeed() ?? UInt64.random(in: 0...UInt64.max)
  var random = SeededGenerator(seed: runSeed)
  func failure(_ value: Value) -> String? {
    do {
      // Generic in its result, so one function takes both `Void` properties (which throw to
      // fail) and `Bool` ones, without the overload ambiguity of multi-statement closures.
      let result = try property(value)
      return result as? Bool == false ? "the property returned false" : nil
    } catch {
      return "\(error)"
    }
  }
  for index in 0..<cases {
    let tree = generator.generate(&random)
    guard let originalError = failure(tree.value) else { continue }
    var current = (tree: tree, error: originalError)
    var steps = 0
    var tries = 0
    shrinking: while tries < maximumShrinks {
      for child in current.tree.children {
        tries += 1
        if let error = failure(child.value) {
          current = (child, error)
          steps += 1
          continue shrinking
        }
        if tries >= maximumShrinks { break }
      }
      break
    }
    throw PropertyFailure(
      seed: runSeed, casesRun: index + 1, shrinkSteps: steps, minimal: current.tree.value,
      minimalError: current.error, original: tree.value, originalError: originalError)
  }
}

/// Runs a property of two generated values, shrinking both (see
/// `forAll(_:cases:seed:maximumShrinks:_:)`).
public func forAll<A, B, Result>(
  _ a: Gen<A>, _ b: Gen<B>, cases: Int = 100, seed: UInt64? = nil,
  maximumShrinks: Int = 2000, _ property: (A, B) throws -> Result
) throws {
  try forAll(zip(a, b), cases: cases, seed: seed, maximumShrinks: maximumShrinks) {
    try property($0.0, $0.1)
  }
}

/// Runs a property of three generated values, shrinking all of them (see
/// `forAll(_:cases:seed:maximumShrinks:_:)`).
public func forAll<A, B, C, Result>(
  _ a: Gen<A>, _ b: Gen<B>, _ c: Gen<C>, cases: Int = 100, seed: UInt64? = nil,
  maximumShrinks: Int = 2000, _ property: (A, B, C) throws -> Result
) throws {
  try forAll(zip(a, b, c), cases: cases, seed: seed, maximumShrinks: maximumShrinks) {
    try property($0.0, $0.1, $0.2)
  }
}

/// The seed of `SWIFTTENSOR_TEST_SEED`, if set to a number.
func environmentSeed() -> UInt64? {
  ProcessInfo.processInfo.environment["SWIFTTENSOR_TEST_SEED"].flatMap {
    UInt64($0.trimmingCharacters(in: .whitespaces))
  }
}

/// Tensors print with their shape, tuples and arrays element by element.
func describeCounterexample(_ value: Any) -> String {
  if let tensor = value as? any ShapedCounterexample { return tensor.counterexampleDescription }
  let mirror = Mirror(reflecting: value)
  switch mirror.displayStyle {
  case .tuple:
    return "(" + mirror.children.map { describeCounterexample($0.value) }.joined(separator: ", ")
      + ")"
  case .collection where mirror.children.contains { $0.value is any ShapedCounterexample }:
    return "[" + mirror.children.map { describeCounterexample($0.value) }.joined(separator: ", ")
      + "]"
  default:
    return "\(value)"
  }
}

protocol ShapedCounterexample {
  var counterexampleDescription: String { get }
}

extension Tensor: ShapedCounterexample {
  var counterexampleDescription: String {
    "Tensor<\(Scalar.self)> of shape \(shape) \(scalars)"
  }
}
