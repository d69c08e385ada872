// Process-level set-up that must happen before OpenBLAS loads: pick OpenBLAS's Haswell kernels, re-executing
// the process only for the subcommands whose GEMMs are worth the ~0.1 s a re-exec costs.
import Foundation

enum Environment {
    /// Subcommands that run heavy GEMMs in this process (training, inference, benchmarks; the notebook runs
    /// such commands in-process). The others (`eval` of a results file, `data`, `config`, `report`, `plot`, help) never call BLAS,
    /// so they skip the re-exec. `sweep` only schedules `diffinst train` children: it sets the variable for
    /// them (they inherit it and start without a re-exec) but does not re-exec itself.
    static func needsFastBLAS(subcommand: String?, arguments: [String] = []) -> (reexec: Bool, forChildren: Bool) {
        switch subcommand {
        case "train", "resume", "predict", "demo", "bench", "notebook": return (true, true)
        case "eval" where arguments.contains(where: { $0 == "--run" || $0.hasPrefix("--run=") }): return (true, true)  // runs the model
        case "sweep": return (false, true)
        default: return (false, false)
        }
    }

    /// Debian's OpenBLAS 0.3.21 picks AVX-512 kernels on this CPU that are 1.3-1.4x slower than its
    /// Haswell kernels on conv-shaped GEMMs (spec/workloads.md). The choice is read when the library
    /// loads (at process start, as we link it), so when the variable is missing we set it and re-exec once.
    static func ensureFastBLASKernels() {
        let arguments = CommandLine.arguments
        let need = needsFastBLAS(subcommand: arguments.dropFirst().first, arguments: arguments)
        let environment = ProcessInfo.processInfo.environment
        guard need.forChildren, environment["OPENBLAS_CORETYPE"] == nil, environment["DIFFINST_NO_REEXEC"] == nil else { return }
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        // Idle OpenBLAS workers spin ~2^28 cycles after each GEMM, stealing a core from our own loops;
        // a short timeout cut the engine's CPU time on ResNet-18 fwd+bwd by 10-15 % (perf profile).
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil { setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1) }
        guard need.reexec else { return }
        setenv("DIFFINST_NO_REEXEC", "1", 1)
        var cArguments = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArguments)
        // execv only returns on failure; carry on with the default kernels.
    }
}
