// swift-tools-version: 6.2
import PackageDescription

let package = Package(
  name: "SwiftTensor",
  products: [
    .library(name: "SwiftTensor", targets: ["SwiftTensor"]),
    .library(name: "SwiftTensorTesting", targets: ["SwiftTensorTesting"]),
  ],
  targets: [
    // AVX2/FMA micro-kernels chosen at run time, so every x86_64 user gets the fast path
    // without build flags; the Swift kernels in SwiftTensor/Kernels remain the portable path.
    .target(name: "SwiftTensorCKernels"),
    // Open MPI or MPICH loaded with dlopen at run time (never linked), for distributed training.
    .target(
      name: "SwiftTensorMPIShim", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
    ),
    .target(
      name: "SwiftTensor", dependencies: ["SwiftTensorCKernels", "SwiftTensorMPIShim"],
      resources: [.copy("Resources/digits.csv"), .copy("Resources/tinyshakespeare.txt")]),
    // Property-based testing (generators, forAll, gradient checks) for users' operations.
    .target(name: "SwiftTensorTesting", dependencies: ["SwiftTensor"]),
    .executableTarget(
      name: "TensorTour", dependencies: ["SwiftTensor"], path: "Playgrounds/TensorTour"),
    .executableTarget(name: "Digits", dependencies: ["SwiftTensor"], path: "Playgrounds/Digits"),
    .executableTarget(
      name: "DigitsCNN", dependencies: ["SwiftTensor"], path: "Playgrounds/DigitsCNN"),
    .executableTarget(
      name: "LinearRegression", dependencies: ["SwiftTensor"],
      path: "Playgrounds/LinearRegression"),
    .executableTarget(
      name: "Precision", dependencies: ["SwiftTensor"], path: "Playgrounds/Precision"),
    .executableTarget(
      name: "CTCAlignment", dependencies: ["SwiftTensor"], path: "Playgrounds/CTCAlignment"),
    .executableTarget(
      name: "Shakespeare", dependencies: ["SwiftTensor"], path: "Playgrounds/Shakespeare"),
    .executableTarget(
      name: "ShakespeareGPT", dependencies: ["SwiftTensor"], path: "Playgrounds/ShakespeareGPT"),
    .executableTarget(
      name: "RNNClassifier", dependencies: ["SwiftTensor"], path: "Playgrounds/RNNClassifier"),
    .executableTarget(
      name: "SwiftTensorBenchmarks", dependencies: ["SwiftTensor"],
      exclude: [
        "numpy_reference.py", "compare_with_numpy.py", "pytorch_reference.py",
        "compare_with_pytorch.py", "jax_reference.py", "accuracy_files.py",
        "compare_accuracy.py",
      ]),
    // Started with mpirun by the distributed tests: a few data-parallel steps of the digits MLP.
    .executableTarget(name: "SwiftTensorDistributedCheck", dependencies: ["SwiftTensor"]),
    .testTarget(
      name: "SwiftTensorTests",
      dependencies: ["SwiftTensor", "SwiftTensorTesting", "SwiftTensorDistributedCheck"],
      exclude: ["Fixtures"]),
  ],
  swiftLanguageModes: [.v6]
)
