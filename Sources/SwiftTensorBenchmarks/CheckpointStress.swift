import Foundation
import SwiftTensor

/// The checkpoint kill test's worker (`scripts/kill-during-save.sh` drives it):
///
///     SwiftTensorBenchmarks --checkpoint-stress <path> [saves]   saves in a loop (default forever)
///     SwiftTensorBenchmarks --checkpoint-check <path>            exits 1 if the file is torn
///
/// Each save writes one tensor filled with the save's number and the same number in the
/// metadata, so a file mixing two saves, or cut short, is detected.
func runCheckpointStress(_ arguments: [String]) -> Int32 {
  guard arguments.count >= 3 else {
    print("usage: --checkpoint-stress <path> [saves] | --checkpoint-check <path>")
    return 2
  }
  let url = URL(fileURLWithPath: arguments[2])
  if arguments[1] == "--checkpoint-check" {
    do {
      let file = try SafeTensors(contentsOf: url)
      let values = try file.tensor(named: "weights", as: Float.self).scalars
      guard let number = file.metadata["save"].flatMap(Float.init),
        values.count == 1 << 20, values.allSatisfy({ $0 == number })
      else {
        print("torn: \(url.path)")
        return 1
      }
      return 0
    } catch {
      print("unreadable: \(error)")
      return 1
    }
  }
  let saves = arguments.count > 3 ? Int(arguments[3]) ?? Int.max : Int.max
  // Continue the numbering of the file already there, so every save writes new contents.
  let first =
    (try? SafeTensors(contentsOf: url)).flatMap { $0.metadata["save"] }
    .flatMap(Int.init).map { $0 + 1 } ?? 0
  var save = first
  while save - first < saves {
    var file = SafeTensors()
    file.set(Tensor<Float>(repeating: Float(save % (1 << 24)), shape: [1 << 20]), named: "weights")
    file.metadata["save"] = String(save % (1 << 24))
    do {
      try file.write(to: url)
    } catch {
      print("save failed: \(error)")
      return 1
    }
    save += 1
  }
  return 0
}
