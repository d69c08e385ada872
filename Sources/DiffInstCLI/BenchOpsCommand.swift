// `diffinst bench ops`: op-level timings (median after warm-up, ms and GFLOP/s) for the cases of
// issue 2, printed in the same format as scripts/bench_ops_pytorch.py so the two can be compared
// line by line in one session. `bench` is a command group; `bench model` lives in its own file.
import ArgumentParser
import Foundation
import Tensor
import Autodiff
import NN
import Modeling

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks (release build).",
                                                    subcommands: [BenchOpsCommand.self, BenchModelCommand.self])
}

struct BenchOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Time conv3×3, ResNet-18, RoIAlign and attention forward/backward (median after warm-up).")

    @Option(help: "Timed runs per case (after 3 warm-up runs).") var repeats = 10
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Comma-separated case-name prefixes to run (default: all).") var only: String?
    @Flag(help: "Also time element-wise, reduction, layout and small-product kernels (peer: scripts/bench_ops_pytorch.py --kernels).")
    var kernels = false

    /// `cpuMilliseconds`: median process CPU time (all threads) per run, which a loaded, shared machine inflates less than wall time.
    struct Result: Codable { let name: String; let medianMilliseconds: Double; let minimumMilliseconds: Double; let cpuMilliseconds: Double; let gflops: Double; let repeats: Int }

    func run() throws {
        print("GEMM: \(GEMM.summary); BLAS: \(BLAS.configuration), BLAS threads \(BLAS.threads), own threads \(Parallel.threadCount), OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")")
        var results: [Result] = []
        func bench(_ name: String, flops: Double, _ body: () -> Void) {
            if let only, !only.split(separator: ",").contains(where: { name.hasPrefix($0) }) { return }
            for _ in 0..<3 { body() }
            var times: [Double] = [], cpuTimes: [Double] = []
            for _ in 0..<max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.processCPUMilliseconds()
                body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                cpuTimes.append(Self.processCPUMilliseconds() - cpuStart)
            }
            let median = times.sorted()[times.count / 2], cpu = cpuTimes.sorted()[cpuTimes.count / 2]
            let gflops = flops / (median * 1e6)
            let rate = flops > 0 ? String(format: "%7.1f GFLOP/s", gflops) : "      - GFLOP/s"
            print(name.padding(toLength: max(42, name.count), withPad: " ", startingAt: 0) + String(format: " %9.3f ms  ", median) + rate
                  + String(format: "  (min %.3f, cpu %.1f ms, n=%d)", times.min()!, cpu, times.count))
            results.append(Result(name: name, medianMilliseconds: median, minimumMilliseconds: times.min()!, cpuMilliseconds: cpu,
                                  gflops: gflops, repeats: times.count))
        }
        var random = RandomGenerator(seed: 0)

        // conv3×3 64→64 on 4×64×64×64.
        let x = Tensor.randomNormal(shape: [4, 64, 64, 64], mean: 0, std: 1, using: &random)
        let convWeight = Parameter(Tensor.randomNormal(shape: [64, 64, 3, 3], mean: 0, std: 0.05, using: &random))
        let convFlops: Double = 2 * 4 * 64 * 64 * 64 * 64 * 9
        bench("conv3x3 64->64 4x64x64 fwd", flops: convFlops) { _ = withNoGrad { conv2d(Variable(x), weight: convWeight, padding: 1) } }
        bench("conv3x3 64->64 4x64x64 fwd+bwd", flops: 3 * convFlops) {
            let input = Variable(x, requiresGrad: true)
            convWeight.grad = nil
            conv2d(input, weight: convWeight, padding: 1).sum().backward()
        }

        // ResNet-18 trunk at batch 4, 3×128×128 (training mode: batch statistics).
        let resnet = ResNet(depth: 18, normalization: .batchNorm, using: &random)
        resnet.train()
        let images = Tensor.randomNormal(shape: [4, 3, 128, 128], mean: 0, std: 1, using: &random)
        let resnetFlops = 2 * Double(resnet.multiplyAccumulates(height: 128, width: 128)) * 4
        bench("resnet18 b4 128 fwd", flops: resnetFlops) { _ = withNoGrad { resnet(Variable(images)) } }
        bench("resnet18 b4 128 fwd+bwd", flops: 3 * resnetFlops) {
            for (_, parameter) in resnet.namedParameters() { parameter.grad = nil }
            resnet(Variable(images)).res5.sum().backward()
        }

        // RoIAlign 7×7, sampling 2, aligned, 4×100 boxes on 4×128×32×32 (the stride-4 level of a 128-px image).
        let feature = Tensor.randomNormal(shape: [4, 128, 32, 32], mean: 0, std: 1, using: &random)
        var rows: [Float] = []
        for r in 0..<400 {
            let corner = Tensor.randomUniform(shape: [2], low: 0, high: 112, using: &random).scalars
            let size = Tensor.randomUniform(shape: [2], low: 4, high: 68, using: &random).scalars
            rows += [Float(r / 100), corner[0], corner[1], corner[0] + size[0], corner[1] + size[1]]
        }
        let boxes = Tensor(shape: [400, 5], scalars: rows)
        let roiFlops: Double = 400 * 128 * 49 * 4 * 4 * 2
        bench("roialign 7x7 4x100 on 4x128x32x32 fwd", flops: roiFlops) {
            _ = withNoGrad { roiAlign(Variable(feature), boxes: boxes, outputSize: 7, spatialScale: 0.25, samplingRatio: 2, aligned: true) }
        }
        bench("roialign 7x7 4x100 on 4x128x32x32 fwd+bwd", flops: 3 * roiFlops) {
            let input = Variable(feature, requiresGrad: true)
            roiAlign(input, boxes: boxes, outputSize: 7, spatialScale: 0.25, samplingRatio: 2, aligned: true).sum().backward()
        }

        // Multi-head attention d=128, 8 heads, 4 × 100 tokens, forward+backward.
        let attention = MultiHeadAttention(embedDimension: 128, heads: 8, using: &random)
        let tokens = Tensor.randomNormal(shape: [4, 100, 128], mean: 0, std: 1, using: &random)
        let projectionMacs: Double = 4 * 100 * 128 * 128 * 4, scoreMacs: Double = 2 * 4 * 100 * 100 * 128
        let attentionFlops: Double = 3 * 2 * (projectionMacs + scoreMacs)
        bench("attention d128 h8 4x100 fwd+bwd", flops: attentionFlops) {
            for (_, parameter) in attention.namedParameters() { parameter.grad = nil }
            let input = Variable(tokens, requiresGrad: true)
            attention(input).sum().backward()
        }

        if kernels { BenchKernelCases.run { bench($0, flops: $1, $2) } }

        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }

    static func processCPUMilliseconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) * 1e3 + Double(spec.tv_nsec) / 1e6
    }
}
