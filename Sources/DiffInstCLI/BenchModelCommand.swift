// `diffinst bench model`: times a DiffusionInst-Tiny training step (batch 4, 128×128) and
// inference (batch 1; 1 and 4 DDIM steps) with the workloads.md protocol (median of N runs after
// warm-up) and a per-phase breakdown. scripts/bench_model_pytorch.py times the same in PyTorch.
import ArgumentParser
import Foundation
import Tensor
import Autodiff
import NN
import Optim
import Structures
import Diffusion
import Modeling

struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model",
        abstract: "Time a DiffusionInst-Tiny training step (batch 4) and inference (batch 1, 1 and 4 steps).")

    @Option(help: "Timed runs per case (after 2 warm-up runs).") var runs = 10
    @Option(help: "Image side in pixels.") var size = 128
    @Option(help: "Training batch size.") var batch = 4
    @Flag(help: "Use the paper configuration instead of DiffusionInst-Tiny (slow).") var paper = false
    @Option(help: "Write the medians (ms) as JSON to this file.") var json: String?

    func run() throws {
        var configuration = paper ? DiffusionInstConfiguration.paper(classCount: 1) : DiffusionInstConfiguration.tiny(classCount: 1)
        configuration.classCount = 1
        let model = try DiffusionInstModel(configuration: configuration)
        let parameters = model.namedParameters().map(\.1)
        print("DiffusionInst-\(paper ? "paper" : "Tiny"): \(parameters.reduce(0) { $0 + $1.value.count }) parameters; "
              + "BLAS threads \(BLAS.threads), pool threads \(Parallel.threadCount); GEMM \(GEMM.summary); \(BLAS.configuration)")
        let optimizer = AdamW(parameters: parameters, learningRate: 2.5e-5, weightDecay: 1e-4)
        let trainBatch = BenchmarkScenes.batch(count: batch, size: size, seed: 1)
        var report: [String: [String: Double]] = [:]

        model.train()
        report["train batch \(batch)"] = median(of: (0..<(runs + 2)).map { _ in trainingStep(model, optimizer, parameters, trainBatch) }.dropFirst(2))
        model.eval()
        let single = BenchmarkScenes.batch(count: 1, size: size, seed: 2)
        for steps in [1, 4] {
            var noise = NoiseGenerator(seed: 3)
            report["inference batch 1, \(steps) step(s)"] = median(of: try (0..<(runs + 2)).map { _ in
                try inference(model, single, steps: steps, noise: &noise)
            }.dropFirst(2))
        }
        for name in report.keys.sorted(by: >) {
            let phases = report[name]!
            let detail = phases.keys.filter { $0 != "total" }.sorted().map { String(format: "%@ %.1f", $0, phases[$0]!) }.joined(separator: ", ")
            print(String(format: "%@: total %.1f ms  (%@)", name, phases["total"]!, detail))
        }
        if let json {
            try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: json))
        }
    }

    func median(of rows: ArraySlice<[String: Double]>) -> [String: Double] {
        var result: [String: Double] = [:]
        for key in rows.first!.keys {
            let values = rows.map { $0[key]! }.sorted()
            result[key] = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
        }
        return result
    }

    /// One training step, timed by phase (milliseconds).
    func trainingStep(_ model: DiffusionInstModel, _ optimizer: AdamW, _ parameters: [Parameter], _ batch: ImageBatch) -> [String: Double] {
        var clock = PhaseClock()
        let pyramid = model.features(Variable(batch.images)); clock.mark("backbone+fpn")
        let maskFeatures = model.maskBranch(pyramid); clock.mark("mask branch")
        let (boxes, timesteps) = model.corruptedProposals(batch: batch)
        let outputs = model.decode(pyramid: pyramid, boxes: boxes, timesteps: timesteps); clock.mark("decoder")
        let loss = try! model.criterion(stages: outputs, maskFeatures: maskFeatures, batch: batch); clock.mark("loss+matching")
        for p in parameters { p.grad = nil }
        loss.total.backward(); clock.mark("backward")
        _ = clipGradientNorm(parameters, maxNorm: 1.0)
        optimizer.step(); clock.mark("optimizer")
        return clock.phases
    }

    /// Inference on one image, timed by phase (milliseconds).
    func inference(_ model: DiffusionInstModel, _ batch: ImageBatch, steps: Int, noise: inout NoiseGenerator) throws -> [String: Double] {
        try withNoGrad {
            var clock = PhaseClock()
            let pyramid = model.features(Variable(batch.images)); clock.mark("backbone+fpn")
            let maskFeatures = model.maskBranch(pyramid); clock.mark("mask branch")
            var options = InferenceOptions()
            options.steps = steps
            let detections = try model.detect(pyramid: pyramid, imageSize: batch.imageSizes[0], options: options, generator: &noise)
            clock.mark("decoder")
            _ = model.finalize(detections, maskFeatures: maskFeatures, imageSize: batch.imageSizes[0],
                               originalSize: batch.originalSizes[0], options: options)
            clock.mark("post-processing")
            return clock.phases
        }
    }
}

/// Wall-clock phases of one run, in milliseconds, plus their total.
struct PhaseClock {
    let start = DispatchTime.now().uptimeNanoseconds
    var last = DispatchTime.now().uptimeNanoseconds
    var phases: [String: Double] = [:]

    mutating func mark(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        phases[name, default: 0] += Double(now - last) / 1e6
        phases["total"] = Double(now - start) / 1e6
        last = now
    }
}

/// Random images with three rectangles each (as in the PyTorch script): the timing input.
enum BenchmarkScenes {
    static func batch(count: Int, size: Int, seed: UInt64) -> ImageBatch {
        var g = NoiseGenerator(seed: seed)
        let m = size / 4
        var targets: [InstanceTargets] = [], strideFour: [Tensor] = []
        for _ in 0..<count {
            var boxes: [SIMD4<Float>] = [], masks: [BitMask] = []
            for _ in 0..<3 {
                let x = g.nextInt(below: size - 40), y = g.nextInt(below: size - 40)
                let w = 16 + g.nextInt(below: 24), h = 16 + g.nextInt(below: 24)
                var mask = BitMask(width: size, height: size)
                for yy in y..<(y + h) { for xx in x..<(x + w) { mask[xx, yy] = true } }
                boxes.append(SIMD4(Float(x), Float(y), Float(x + w), Float(y + h)))
                masks.append(mask)
            }
            targets.append(InstanceTargets(classes: [0, 0, 0], boxes: boxes, masks: masks))
            strideFour.append(Tensor(shape: [3, m, m], scalars: masks.flatMap { mask in
                (0..<(m * m)).map { mask[($0 % m) * 4 + 2, ($0 / m) * 4 + 2] ? Float(1) : 0 }
            }))
        }
        let images = Tensor(shape: [count, 3, size, size], scalars: g.normals(count * 3 * size * size))
        return ImageBatch(images: images, imageSizes: Array(repeating: (size, size), count: count),
                          originalSizes: Array(repeating: (size, size), count: count), imageIDs: Array(0..<count),
                          targets: targets, strideFourMasks: strideFour)
    }
}
