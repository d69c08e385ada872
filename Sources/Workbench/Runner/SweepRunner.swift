// Sweeps: the job list is written to disk before anything starts; each job runs as a child process of
// `diffinst train` with the machine's threads shared out, its state (pending/running/done/failed + reason)
// recorded in its own file, failures reported the moment they happen; `--resume` skips done jobs.
import Foundation

/// One job's recorded state (`jobs/<index>.json`).
public struct JobState: Codable, Equatable {
    public var state: String            // pending | running | done | failed
    public var reason: String?
    public var startTime: String?
    public var endTime: String?
    public var exitCode: Int32?
    public var attempts: Int
}

/// One job of the list (`jobs.json`).
public struct SweepJob: Codable {
    public var index: Int
    public var label: String
    public var runID: String
    public var hash: String
    /// `key=value` arguments that, added to the experiment, reproduce the job's config.
    public var overrides: [String]
}

public struct SweepSummary {
    public var directory: String
    public var done: Int
    public var failed: [(label: String, reason: String)]
    public var skipped: Int
}

public final class SweepRunner {
    public let plan: SweepPlan
    public let directory: String
    public let executable: String
    public let jobs: Int
    public let baseOverrides: [String]
    public var quiet = false

    /// `directory`: the sweep folder; `executable`: the `diffinst` binary children run; `jobs`: parallel children.
    public init(plan: SweepPlan, directory: String, executable: String, jobs: Int, baseOverrides: [String]) {
        self.plan = plan
        self.directory = directory
        self.executable = executable
        self.jobs = max(1, jobs)
        self.baseOverrides = baseOverrides
    }

    /// `Results/<experiment>/sweep-<hash of the job list>`; a fresh sweep of the same plan gets `-2`, `-3`, …;
    /// `resume` picks the latest existing one.
    public static func directory(for plan: SweepPlan, results: String, resume: Bool) -> String {
        let key = plan.configs.map(\.hash).joined(separator: ",")
        let base = "\(results)/\(plan.experiment.name)/sweep-" + String(format: "%08x", UInt32(truncatingIfNeeded: fnv1a(key)))
        var candidates = [base]
        for n in 2...1000 { candidates.append("\(base)-\(n)") }
        let existing = candidates.prefix { FileManager.default.fileExists(atPath: $0) }
        if resume, let last = existing.last { return last }
        return candidates[existing.count]
    }

    var jobsDirectory: String { directory + "/jobs" }
    func statePath(_ index: Int) -> String { String(format: "%@/%04d.json", jobsDirectory, index) }
    func runPath(_ job: SweepJob) -> String { directory + "/" + job.runID }
    func logPath(_ job: SweepJob) -> String { String(format: "%@/%04d.log", jobsDirectory, job.index) }

    public var jobList: [SweepJob] {
        plan.configs.enumerated().map { index, config in
            SweepJob(index: index, label: config.label, runID: config.runID, hash: config.hash,
                     overrides: config.settings.map { "\($0.key)=\($0.value)" })
        }
    }

    public func state(_ index: Int) -> JobState? {
        guard let data = FileManager.default.contents(atPath: statePath(index)) else { return nil }
        return try? JSONDecoder().decode(JobState.self, from: data)
    }

    func write(_ state: JobState, _ index: Int) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: URL(fileURLWithPath: statePath(index)), options: .atomic)
    }

    func say(_ text: String) {
        if !quiet { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        let line = "[\(RunManifestTime.now())] \(text)\n"
        if let handle = FileHandle(forWritingAtPath: directory + "/sweep.log") {
            handle.seekToEndOfFile(); handle.write(Data(line.utf8)); handle.closeFile()
        } else {
            FileManager.default.createFile(atPath: directory + "/sweep.log", contents: Data(line.utf8))
        }
    }

    /// Writes sweep.json and jobs.json (first), then runs every job not yet done.
    public func run() throws -> SweepSummary {
        try FileManager.default.createDirectory(atPath: jobsDirectory, withIntermediateDirectories: true)
        let list = jobList
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(list).write(to: URL(fileURLWithPath: directory + "/jobs.json"), options: .atomic)
        let description: [String: Any] = [
            "experiment": plan.experiment.name, "experiment_file": plan.experiment.path,
            "overrides": baseOverrides, "jobs": list.count, "parallel": jobs,
            "command": CommandLine.arguments.joined(separator: " "),
        ]
        try JSONSerialization.data(withJSONObject: description, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: directory + "/sweep.json"), options: .atomic)
        for job in list where state(job.index) == nil {
            try write(JobState(state: "pending", reason: nil, startTime: nil, endTime: nil, exitCode: nil, attempts: 0), job.index)
        }
        var queue = list.filter { state($0.index)?.state != "done" }
        let skipped = list.count - queue.count
        say("sweep \(directory): \(list.count) jobs, \(skipped) already done, \(queue.count) to run, \(jobs) at a time")
        let totalThreads = ProcessInfo.processInfo.activeProcessorCount
        let threadsPerJob = max(1, totalThreads / min(jobs, max(1, queue.count)))
        var running: [(job: SweepJob, process: Process)] = []
        var done = skipped, failed: [(String, String)] = []
        while !queue.isEmpty || !running.isEmpty {
            while running.count < jobs, !queue.isEmpty {
                let job = queue.removeFirst()
                running.append((job, try launch(job, threads: threadsPerJob)))
            }
            Thread.sleep(forTimeInterval: 0.05)
            for entry in running where !entry.process.isRunning {
                running.removeAll { $0.job.index == entry.job.index }
                var state = self.state(entry.job.index)!
                state.endTime = RunManifestTime.now()
                state.exitCode = entry.process.terminationStatus
                if entry.process.terminationReason == .exit && entry.process.terminationStatus == 0 {
                    state.state = "done"
                    state.reason = nil
                    done += 1
                    say("job \(entry.job.index) done: \(entry.job.label)")
                } else {
                    state.state = "failed"
                    state.reason = failureReason(entry.job, entry.process)
                    failed.append((entry.job.label, state.reason!))
                    say("job \(entry.job.index) FAILED: \(entry.job.label): \(state.reason!) (log: \(logPath(entry.job)))")
                }
                try write(state, entry.job.index)
            }
        }
        say("sweep finished: \(done) done, \(failed.count) failed" + (failed.isEmpty ? "" : "; rerun with --resume to retry the failed jobs"))
        return SweepSummary(directory: directory, done: done, failed: failed, skipped: skipped)
    }

    func launch(_ job: SweepJob, threads: Int) throws -> Process {
        // A failed or interrupted attempt leaves a partial run directory; a retry starts it afresh.
        if FileManager.default.fileExists(atPath: runPath(job)) { try FileManager.default.removeItem(atPath: runPath(job)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // The job's settings already include the command-line overrides of the sweep.
        process.arguments = ["train", plan.experiment.path] + job.overrides + ["--run-dir", runPath(job), "--expect-hash", job.hash, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["DIFFINST_THREADS"] = String(threads)
        environment["OPENBLAS_NUM_THREADS"] = String(threads)
        process.environment = environment
        FileManager.default.createFile(atPath: logPath(job), contents: nil)
        let log = FileHandle(forWritingAtPath: logPath(job))!
        process.standardOutput = log
        process.standardError = log
        var state = self.state(job.index) ?? JobState(state: "pending", reason: nil, startTime: nil, endTime: nil, exitCode: nil, attempts: 0)
        state.state = "running"
        state.startTime = RunManifestTime.now()
        state.endTime = nil
        state.reason = nil
        state.attempts += 1
        try write(state, job.index)
        try process.run()
        say("job \(job.index) started: \(job.label) (\(threads) thread\(threads == 1 ? "" : "s"))")
        return process
    }

    /// The last meaningful line of the child's output, or how it ended.
    func failureReason(_ job: SweepJob, _ process: Process) -> String {
        if process.terminationReason == .uncaughtSignal { return "killed by signal \(process.terminationStatus)" }
        let text = (try? String(contentsOfFile: logPath(job), encoding: .utf8)) ?? ""
        let last = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.last { !$0.isEmpty }
        return (last.map { String($0.prefix(300)) } ?? "no output") + " (exit \(process.terminationStatus))"
    }
}
