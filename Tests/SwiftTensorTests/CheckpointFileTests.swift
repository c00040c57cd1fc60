import Foundation
import Testing

@testable import SwiftTensor

/// Checkpoint files on disk: atomic writes, overwrites, failures, and numpy as a reader.
@Suite struct CheckpointFileTests {
  @Test func fileRoundTripAndOverwrite() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")

    var large = SafeTensors()
    large.set(Tensor<Float>.random(shape: [100, 100], seed: 3), named: "big")
    try large.write(to: url)
    #expect(try SafeTensors(contentsOf: url) == large)

    var small = SafeTensors()
    small.set(Tensor<Double>([1, 2, 3]), named: "small")
    try small.write(to: url)
    let onDisk = try Data(contentsOf: url)
    #expect(Array(onDisk) == small.encoded(), "the old, longer file must be replaced whole")
    #expect(try SafeTensors(contentsOf: url) == small)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(leftovers == ["model.safetensors"])
  }

  @Test func failedWritesLeaveNothing() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var checkpoint = SafeTensors()
    checkpoint.set(Tensor<Float>([1]), named: "w")

    let missing = directory.appendingPathComponent("no/such/dir/model.safetensors")
    let error = #expect(throws: CheckpointError.self) { try checkpoint.write(to: missing) }
    guard case .fileSystem(let path, _, _) = error else {
      Issue.record("expected a file-system error, got \(String(describing: error))")
      return
    }
    #expect(path == missing.path)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("no").path))

    // Renaming over a non-empty directory fails after the temporary file was written.
    let occupied = directory.appendingPathComponent("occupied")
    try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: false)
    try Data([1]).write(to: occupied.appendingPathComponent("keep"))
    #expect(throws: CheckpointError.self) { try checkpoint.write(to: occupied) }
    let contents = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(contents == ["occupied"], "the temporary file must be removed")
    #expect(try Data(contentsOf: occupied.appendingPathComponent("keep")) == Data([1]))

    let unreadable = #expect(throws: CheckpointError.self) {
      _ = try SafeTensors(contentsOf: directory.appendingPathComponent("absent.safetensors"))
    }
    guard case .fileSystem(_, "open the file for reading", "No such file or directory") = unreadable
    else {
      Issue.record("expected a read error, got \(String(describing: unreadable))")
      return
    }
  }

  /// numpy reads the writer's file with nothing but `json` and `numpy.frombuffer`.
  @Test(.enabled(if: pythonWithNumpy() != nil, "needs python3 with numpy"))
  func numpyReadsTheFile() throws {
    let python = try #require(pythonWithNumpy())
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")
    var checkpoint = SafeTensors()
    let w = Tensor<Float>(
      shape: [2, 3], scalars: [1, -2.5, 0.125, -0.0, .leastNonzeroMagnitude, 65504])
    let b = Tensor<Double>([.pi, -1e300])
    checkpoint.set(w, named: "affine_0/W")
    checkpoint.set(b, named: "affine_0/b")
    try checkpoint.write(to: url)

    let script = """
      import json, struct, sys, numpy as np
      raw = open(sys.argv[1], 'rb').read()
      n = struct.unpack('<Q', raw[:8])[0]
      header = json.loads(raw[8:8 + n])
      data = raw[8 + n:]
      for name in ['affine_0/W', 'affine_0/b']:
          info = header[name]
          dtype = {'F32': '<f4', 'F64': '<f8'}[info['dtype']]
          begin, end = info['data_offsets']
          array = np.frombuffer(data[begin:end], dtype=dtype).reshape(info['shape'])
          values = ' '.join(repr(float(v)) for v in array.flat)
          print(name, info['dtype'], list(array.shape), values)
      """
    let output = try run(python, ["-c", script, url.path])
    let lines = output.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    let expectedW = w.scalars.map { Double($0) }
    let expectedB = b.scalars
    for (line, (name, dtype, shape, values)) in zip(
      lines, [("affine_0/W", "F32", "[2, 3]", expectedW), ("affine_0/b", "F64", "[2]", expectedB)])
    {
      #expect(line.hasPrefix("\(name) \(dtype) \(shape) "), "numpy printed: \(line)")
      let numbers = line.split(separator: "]").last?.split(separator: " ").compactMap {
        Double(String($0))
      }
      #expect(numbers == values, "numpy printed: \(line)")
      let signs = line.split(separator: "]").last?.split(separator: " ").map { $0.hasPrefix("-") }
      #expect(signs == values.map { $0.sign == .minus }, "sign of zero lost: \(line)")
    }
  }
}

/// The path of a `python3` that can import numpy, or nil.
func pythonWithNumpy() -> String? {
  for candidate in ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"] {
    guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
    if (try? run(candidate, ["-c", "import numpy"])) != nil { return candidate }
  }
  return nil
}

struct ProcessFailed: Error, CustomStringConvertible {
  var description: String
}

/// Runs `executable` with `arguments` and returns its standard output; throws on failure.
func run(_ executable: String, _ arguments: [String]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  let output = Pipe()
  let errors = Pipe()
  process.standardOutput = output
  process.standardError = errors
  try process.run()
  let data = output.fileHandleForReading.readDataToEndOfFile()
  let errorData = errors.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  guard process.terminationStatus == 0 else {
    throw ProcessFailed(
      description: "\(executable) exited with \(process.terminationStatus): "
        + String(decoding: errorData, as: UTF8.self))
  }
  return String(decoding: data, as: UTF8.self)
}
