// Process-level set-up that must happen before OpenBLAS loads.
import Foundation

enum Environment {
    /// Debian's OpenBLAS 0.3.21 picks AVX-512 kernels on this CPU that are 1.3-1.4x slower than its
    /// Haswell kernels on conv-shaped GEMMs (spec/workloads.md). The choice is read when the library
    /// loads, so when the variable is missing we set it and re-exec ourselves once.
    static func ensureFastBLASKernels() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["DIFFINST_NO_REEXEC"] == nil else { return }
        setenv("OPENBLAS_CORETYPE", "Haswell", 1)
        setenv("DIFFINST_NO_REEXEC", "1", 1)
        let args = CommandLine.arguments
        var cArgs = args.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &cArgs)
        // execv only returns on failure; carry on with the default kernels.
    }
}
