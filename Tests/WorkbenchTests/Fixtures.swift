// Helpers for workbench tests: temporary experiment folders with small toy-task files, and the built
// `diffinst` executable for tests that need real child processes.
import XCTest
import Foundation
@testable import Workbench

/// A temporary package-like folder with Experiments/ and Results/.
final class Sandbox {
    let root: String
    init() throws {
        root = NSTemporaryDirectory() + "workbench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/Experiments", withIntermediateDirectories: true)
    }
    var results: String { root + "/Results" }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = root + "/Experiments/" + name + ".toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func experiment(_ name: String) throws -> ExperimentFile { try ExperimentFile(path: root + "/Experiments/" + name + ".toml") }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

/// A toy experiment small enough for a unit test (about 0.1 s).
let toyExperiment = """
task = "toy"
[seeds]
base = 3
[toy]
classes = 3
hidden = 16
samples = 128
[optimizer]
lr = 0.01
[schedule]
kind = "multistep"
warmup_steps = 5
milestones = [25]
[train]
max_steps = 40
batch_size = 16
eval_every = 10
checkpoint_every = 10
flush_every = 3
[evaluation]
sampling_steps = [1, 2]
noise_seeds = 2
"""

/// The folder of the test bundle (`.build/<config>/`), where SwiftPM also puts the `diffinst` product.
let testBundleDirectory = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
    .deletingLastPathComponent().path

/// The built `diffinst` binary: beside the test bundle, else in this package's .build/{release,debug}; nil if none.
func locateDiffinst(file: StaticString = #filePath) -> String? {
    let packageRoot = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    return [testBundleDirectory + "/diffinst", packageRoot + "/.build/release/diffinst", packageRoot + "/.build/debug/diffinst"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The built `diffinst` binary; fails the test when it is missing (for tests that exist to exercise it).
func diffinstExecutable(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    if let path = locateDiffinst() { return path }
    XCTFail("the diffinst executable is not built (looked beside the test bundle in \(testBundleDirectory)); run `swift build -c release` first", file: file, line: line)
    throw XCTSkip("no diffinst executable")
}

/// Runs a program to completion and returns (exit status, stdout and stderr together).
func runProcess(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs the executable and returns (exit status, combined output).
@discardableResult
func runDiffinst(_ arguments: [String], root: String) throws -> (Int32, String) {
    try runProcess(try diffinstExecutable(), arguments, directory: root)
}

/// Debian's python3 with h5py, or nil.
func pythonWithH5py() -> String? {
    for python in ["/usr/bin/python3", "python3"] {
        if let (status, _) = try? runProcess("/usr/bin/env", [python, "-c", "import h5py, numpy"]), status == 0 { return python }
    }
    return nil
}

/// Runs a Python script with h5py; returns (status, stdout+stderr).
func runPython(_ python: String, _ script: String, _ arguments: [String]) throws -> (Int32, String) {
    try runProcess("/usr/bin/env", [python, "-c", script] + arguments)
}
