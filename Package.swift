// swift-tools-version:6.0
// DiffusionInst workbench: a CPU (OpenBLAS) re-implementation of DiffusionInst with a modular experiment runner.
// Module layout follows ../shared/design/architecture.md; lower modules never import higher ones.
import PackageDescription

let blasInclude = "-I/usr/include/x86_64-linux-gnu/openblas-pthread"
let blasLib = "-L/usr/lib/x86_64-linux-gnu/openblas-pthread"
let hdf5Include = "-I/usr/include/hdf5/serial"
let hdf5Lib = "-L/usr/lib/x86_64-linux-gnu/hdf5/serial"

// Release builds: fast math is NOT enabled (it would change results vs. reference fixtures); we rely on -O + explicit SIMD.
// On x86-64 the Swift code is compiled for AVX2+FMA (`-target-cpu haswell`, every CPU of this machine kind
// has it): LLVM's loop vectoriser then uses 8 lanes instead of SSE2's 4 in the element-wise kernels. Swift
// does not contract a·b + c into FMAs, so results stay bit-identical. CKernels refuses to start on a CPU
// without AVX2+FMA; DIFFINST_PORTABLE=1 at build time keeps the SSE2 baseline.
#if arch(x86_64)
let portable = Context.environment["DIFFINST_PORTABLE"] == "1"
#else
let portable = true
#endif
let vectorISA = portable ? [] : ["-target-cpu", "haswell"]
let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"] + vectorISA, .when(configuration: .release))]

let package = Package(
    name: "DiffusionInst",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "diffinst", targets: ["DiffInstCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System-library shims (C targets so that macros like H5T_NATIVE_FLOAT become callable functions).
        .target(name: "CBLAS", cSettings: [.unsafeFlags([blasInclude])],
                linkerSettings: [.unsafeFlags([blasLib]), .linkedLibrary("openblas")]),
        .target(name: "CHDF5", cSettings: [.unsafeFlags([hdf5Include])],
                linkerSettings: [.unsafeFlags([hdf5Lib]), .linkedLibrary("hdf5_serial")]),
        // The engine's own C kernels (AVX-512 GEMM), compiled -O3 whatever the configuration.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])] + (portable ? [] : [.define("DK_SWIFT_NEEDS_AVX2", .when(configuration: .release))])),
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("turbojpeg")]),

        // Engine.
        .target(name: "Tensor", dependencies: ["CBLAS", "CKernels"], swiftSettings: optimize),
        .target(name: "Autodiff", dependencies: ["Tensor"], swiftSettings: optimize),
        .target(name: "NN", dependencies: ["Autodiff"], swiftSettings: optimize),
        .target(name: "Optim", dependencies: ["NN"], swiftSettings: optimize),

        // Domain.
        .target(name: "Structures", dependencies: ["Tensor"], swiftSettings: optimize),
        .target(name: "Diffusion", dependencies: ["Autodiff", "Structures"], swiftSettings: optimize),
        .target(name: "Masks", dependencies: ["NN", "Structures"], swiftSettings: optimize),
        .target(name: "Modeling", dependencies: ["NN", "Structures", "Diffusion", "Masks"], swiftSettings: optimize),
        .target(name: "Data", dependencies: ["Structures", "CPNG", "CJPEG"], swiftSettings: optimize),
        .target(name: "Evaluation", dependencies: ["Structures"], swiftSettings: optimize),
        .target(name: "Recording", dependencies: ["CHDF5", "Tensor"], swiftSettings: optimize),
        .target(name: "Plotting", dependencies: ["Recording"], swiftSettings: optimize),
        .target(name: "Workbench", dependencies: [
            "Tensor", "Autodiff", "NN", "Optim", "Structures", "Diffusion", "Masks", "Modeling",
            "Data", "Evaluation", "Recording", "Plotting",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: optimize),
        .executableTarget(name: "DiffInstCLI", dependencies: [
            "Workbench", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: optimize),

        // Tests: one target per module plus shared support.
        .target(name: "TestSupport", dependencies: ["Tensor", "Autodiff"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "Optim", "TestSupport"]),
        .testTarget(name: "StructuresTests", dependencies: ["Structures", "TestSupport"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "TestSupport"]),
        .testTarget(name: "ModelingTests", dependencies: ["Modeling", "Masks", "Optim", "Data", "TestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "TestSupport"]),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "Plotting", "TestSupport"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
