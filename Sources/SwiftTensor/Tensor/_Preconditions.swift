/// Stops the program with `message` when `condition` is false.
///
/// Unlike `precondition`, the message is printed in optimised builds too: a user who mismatched
/// two shapes must learn which, whatever the build configuration.
@inline(__always)
@usableFromInline
func tensorPrecondition(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  if !condition() { tensorFailure(message(), file: file, line: line) }
}

/// Stops the program with `message`; see `tensorPrecondition`.
@inline(never)
@usableFromInline
func tensorFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
  fatalError(message, file: file, line: line)
}

/// `[2, 3]`: how shapes appear in messages.
@usableFromInline
func describe(shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// The prefix of a message raised by a layer whose first parameter is named `name`: the
/// layer's path in its model (`"embedding_0: "` for `embedding_0/table`), or nothing for an
/// unregistered name. Operations that a layer runs take the name, so that only a failing check
/// builds the prefix.
@usableFromInline
func layerPathPrefix(named name: String) -> String {
  guard let slash = name.lastIndex(of: "/") else { return "" }
  return "\(name[..<slash]): "
}
