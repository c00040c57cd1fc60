import Foundation

/// The handwritten digits data set: 1,797 grey-scale 8×8 images of the digits 0-9.
///
/// It is UCI's "Optical Recognition of Handwritten Digits" test set (E. Alpaydin, C. Kaynak,
/// 1998; CC BY 4.0), the copy scikit-learn ships as `load_digits`, bundled with the package as
/// `digits.csv`: per line, 64 pixel values in `0...16` (row-major) and then the label.
///
/// ```swift
/// let (train, test) = try Digits.load(as: Float.self)
/// print(train.inputs.shape, test.count)   // [1347, 64] 450
/// ```
public enum Digits {
  /// Pixels per image (8 × 8).
  public static let featureCount = 64
  /// The number of classes (the digits 0-9).
  public static let classCount = 10
  /// The largest pixel value in the file; pixels are divided by it.
  public static let maximumPixel = 16
  /// The seed of the standard train/test split.
  public static let splitSeed: UInt64 = 2_024

  /// The bundled data set, split 75/25 with `seed`: 1,347 training and 450 test samples.
  ///
  /// Inputs have shape `[count, 64]` with pixels scaled to `[0, 1]` (divided by 16); labels
  /// are in `0..<10`.
  ///
  /// - Throws: `DataError` if the resource is missing or unreadable (a broken installation).
  public static func load<Scalar: TensorScalar>(
    as type: Scalar.Type = Scalar.self, seed: UInt64 = splitSeed
  ) throws(DataError) -> (train: Dataset<Scalar>, test: Dataset<Scalar>) {
    let all = try loadAll(as: type)
    return all.split(trainingFraction: 0.75, seed: seed)
  }

  /// All 1,797 bundled samples in file order; see `load(as:seed:)`.
  ///
  /// - Throws: `DataError` if the resource is missing or unreadable.
  public static func loadAll<Scalar: TensorScalar>(
    as type: Scalar.Type = Scalar.self
  ) throws(DataError) -> Dataset<Scalar> {
    guard let url = Bundle.module.url(forResource: "digits", withExtension: "csv") else {
      throw .resourceMissing(name: "digits.csv")
    }
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw .unreadable(path: url.path, reason: error.localizedDescription)
    }
    return try parse(csv: text, as: type, source: "digits.csv")
  }

  /// Parses digits in the bundled file's format: per line, 64 integer pixels in `0...16`
  /// then a label in `0...9`, comma-separated, no header. Blank lines are skipped.
  ///
  /// - Parameters:
  ///   - csv: the file's text.
  ///   - type: the scalar type of the inputs.
  ///   - source: how error messages name the input.
  /// - Returns: inputs `[count, 64]` scaled to `[0, 1]`, and the labels.
  /// - Throws: `DataError.malformedLine` naming the line (from 1) and the problem, or
  ///   `DataError.empty` when there is no sample.
  public static func parse<Scalar: TensorScalar>(
    csv: String, as type: Scalar.Type = Scalar.self, source: String = "digits.csv"
  ) throws(DataError) -> Dataset<Scalar> {
    var pixels: [Scalar] = []
    var labels: [Int] = []
    pixels.reserveCapacity(1_797 * featureCount)
    let scale = 1 / Scalar(maximumPixel)
    // A byte-level scanner: splitting into strings and trimming made loading take 0.3 s.
    let bytes = Array(csv.utf8)
    var lineNumber = 0
    var lineStart = 0
    var values: [Int?] = []
    var fieldStarts: [Int] = []
    while lineStart < bytes.count {
      lineNumber += 1
      var lineEnd = lineStart
      while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
      defer { lineStart = lineEnd + 1 }
      let line = bytes[lineStart..<lineEnd]
      if line.allSatisfy({ isSpace($0) }) { continue }
      values.removeAll(keepingCapacity: true)
      fieldStarts.removeAll(keepingCapacity: true)
      var fieldStart = lineStart
      for index in lineStart...lineEnd where index == lineEnd || bytes[index] == UInt8(ascii: ",") {
        values.append(integer(bytes[fieldStart..<index]))
        fieldStarts.append(fieldStart)
        fieldStart = index + 1
      }
      func fail(_ reason: String) -> DataError {
        .malformedLine(source: source, line: lineNumber, reason: reason)
      }
      guard values.count == featureCount + 1 else {
        throw fail(
          "expected \(featureCount + 1) comma-separated values (64 pixels and a label), "
            + "found \(values.count)")
      }
      for (column, value) in values.enumerated() {
        guard let value else {
          let end = column + 1 < fieldStarts.count ? fieldStarts[column + 1] - 1 : lineEnd
          let text = String(decoding: bytes[fieldStarts[column]..<end], as: UTF8.self)
          throw fail(
            "value '\(text.trimmingCharacters(in: .whitespaces))' in column \(column + 1) "
              + "is not an integer")
        }
        if column < featureCount {
          guard (0...maximumPixel).contains(value) else {
            throw fail("pixel \(value) in column \(column + 1) is outside 0...\(maximumPixel)")
          }
          pixels.append(Scalar(value) * scale)
        } else {
          guard (0..<classCount).contains(value) else {
            throw fail("label \(value) is outside 0...\(classCount - 1)")
          }
          labels.append(value)
        }
      }
    }
    guard !labels.isEmpty else { throw .empty(source: source) }
    let inputs = Tensor(shape: [labels.count, featureCount], scalars: pixels)
    return Dataset(inputs: inputs, labels: labels)
  }

  private static func isSpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
  }

  /// A decimal integer with optional sign and surrounding blanks; `nil` otherwise.
  private static func integer(_ bytes: ArraySlice<UInt8>) -> Int? {
    var digits = bytes.drop(while: isSpace)
    while let last = digits.last, isSpace(last) { digits = digits.dropLast() }
    var negative = false
    if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
      negative = first == UInt8(ascii: "-")
      digits = digits.dropFirst()
    }
    guard !digits.isEmpty, digits.count <= 18 else { return nil }
    var value = 0
    for byte in digits {
      guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return negative ? -value : value
  }
}
