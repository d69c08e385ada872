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

/// The built `diffinst` binary beside the test bundle.
func diffinstExecutable(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0]).deletingLastPathComponent().path
    let packageRoot = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    for candidate in [bundleDirectory + "/diffinst", packageRoot + "/.build/release/diffinst", packageRoot + "/.build/debug/diffinst"]
        where FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    XCTFail("the diffinst executable is not built (looked beside the test bundle in \(bundleDirectory)); run `swift build -c release` first", file: file, line: line)
    throw XCTSkip("no diffinst executable")
}

/// Runs the executable and returns (exit status, combined output).
@discardableResult
func runDiffinst(_ arguments: [String], root: String) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try diffinstExecutable())
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: root)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Debian's python3 with h5py, or nil.
func pythonWithH5py() -> String? {
    for python in ["/usr/bin/python3", "python3"] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "import h5py, numpy"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if (try? process.run()) != nil {
            process.waitUntilExit()
            if process.terminationStatus == 0 { return python }
        }
    }
    return nil
}

/// Runs a Python script with h5py; returns (status, stdout+stderr).
func runPython(_ python: String, _ script: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
