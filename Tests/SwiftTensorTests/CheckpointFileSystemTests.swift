import Foundation
import Testing

@testable import SwiftTensor

@Suite struct CheckpointFileSystemTests {
  func sample() -> SafeTensors {
    var file = SafeTensors()
    file.set(Tensor<Float>([1, 2, 3]), named: "w")
    return file
  }

  func listing(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
  }

  @Test func keepsTheDestinationsPermissions() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("private.safetensors")
    try sample().write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    try sample().write(to: url)
    let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions]
    #expect((mode as? Int) == 0o600)
  }

  @Test func savesUnderALongLegalName() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent(String(repeating: "n", count: 237) + ".safetensors")
    #expect(url.lastPathComponent.utf8.count == 249)
    try sample().write(to: url)
    try sample().write(to: url)
    #expect(try SafeTensors(contentsOf: url) == sample())
    #expect(try listing(directory) == [url.lastPathComponent])
  }

  @Test func followsASymbolicLink() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = directory.appendingPathComponent("target.safetensors")
    let link = directory.appendingPathComponent("link.safetensors")
    try FileManager.default.createSymbolicLink(
      atPath: link.path, withDestinationPath: "target.safetensors")
    try sample().write(to: link)
    let destination = try FileManager.default.destinationOfSymbolicLink(atPath: link.path)
    #expect(destination == "target.safetensors", "the link stays")
    #expect(try SafeTensors(contentsOf: target) == sample())
  }

  @Test func removesTemporariesOfKilledSaves() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")
    // A process id above Linux's pid_max (2^22) and macOS's never runs: a killed save's file.
    let stale = directory.appendingPathComponent(".model.safetensors.99999999.1f2e3d.tmp")
    let live = directory.appendingPathComponent(".model.safetensors.\(getpid()).abc.tmp")
    let unrelated = directory.appendingPathComponent(".other.safetensors.99999999.1f2e3d.tmp")
    for file in [stale, live, unrelated] { try Data([1]).write(to: file) }
    try sample().write(to: url)
    #expect(
      try listing(directory).sorted()
        == [live.lastPathComponent, unrelated.lastPathComponent, "model.safetensors"].sorted())
  }

  @Test func failuresNameThePathAndTheSystemsReason() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let missing = directory.appendingPathComponent("absent/model.safetensors")
    #expect(
      throws: CheckpointError.fileSystem(
        path: missing.path, operation: "create a temporary file",
        reason: "No such file or directory")
    ) { try sample().write(to: missing) }
    #expect(
      throws: CheckpointError.fileSystem(
        path: missing.path, operation: "open the file for reading",
        reason: "No such file or directory")
    ) { try SafeTensors(contentsOf: missing) }
    #expect(try listing(directory).isEmpty, "no temporary left behind")
    do {
      _ = try SafeTensors(contentsOf: directory)
    } catch {
      #expect("\(error)".contains(directory.path) && "\(error)".contains("directory"), "\(error)")
    }
  }
}
