/// Why a data set could not be loaded or parsed.
public enum DataError: Error, Equatable, Sendable {
  /// A bundled resource is missing from the package's resource bundle.
  case resourceMissing(name: String)
  /// A file could not be read.
  case unreadable(path: String, reason: String)
  /// A line of a text file is malformed; `line` counts from 1.
  case malformedLine(source: String, line: Int, reason: String)
  /// The input holds no samples.
  case empty(source: String)
}

extension DataError: CustomStringConvertible {
  /// A one-line explanation naming the source, the line and what was expected.
  public var description: String {
    switch self {
    case .resourceMissing(let name):
      "resource '\(name)' is missing from SwiftTensor's resource bundle"
    case .unreadable(let path, let reason):
      "\(path): cannot read: \(reason)"
    case .malformedLine(let source, let line, let reason):
      "\(source) line \(line): \(reason)"
    case .empty(let source):
      "\(source): no samples"
    }
  }
}
