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
