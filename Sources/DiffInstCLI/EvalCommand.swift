// `diffinst eval`: COCO box or mask evaluation of a results file against a ground-truth file, printing the
// standard 12-line table and optionally writing the 12 numbers as JSON.
import ArgumentParser
import Foundation
import Evaluation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "COCO-style AP/AR of a results file (same numbers as pycocotools' COCOeval), or of a trained run under other sampler settings.",
        discussion: """
        With --max-dets N above 100, AP and the area APs are reported at N (pycocotools prints -1 there) and \
        AR100 is recall at N. An empty results list is evaluated (every AP is 0) with a warning.

        With --run, the run's checkpoint is evaluated on its own held-out split with sampler.*, evaluation.* \
        and seeds.sampling changed by the overrides (a comma list is an axis; every combination is evaluated), \
        e.g. `diffinst eval --run Results/quickstart/<run> sampler.steps=1,4,8 sampler.proposals=100,300`. \
        The table is written to <run>/evaluations/.
        """)

    @Option(name: .customLong("gt"), help: "COCO instances JSON with the ground truth.")
    var groundTruthPath: String?

    @Option(name: .customLong("results"), help: "COCO results JSON (image_id, category_id, score, bbox/segmentation).")
    var resultsPath: String?

    @Option(name: .customLong("iou-type"), help: "segm or bbox.")
    var iouType: String?

    @Option(name: .customLong("run"), help: "A DiffusionInst run to evaluate (directory, or <experiment>[/<run-id>] under Results/), instead of --gt/--results.")
    var runDirectory: String?

    @Option(help: "With --run: checkpoint file (default: the run's latest).")
    var checkpoint: String?

    @Argument(help: "With --run: sampler.*, evaluation.* or seeds.sampling overrides (key=value or key=a,b).")
    var overrides: [String] = []

    @Option(name: .customLong("max-dets"), help: "Largest detection limit per image (default 100).")
    var maxDetections: Int = 100

    @Option(name: .customLong("json"), help: "Write the 12 numbers (AP, AP50, …, ARl) to this JSON file.")
    var jsonPath: String?

    @Option(name: .customLong("write-results"), help: "Write the detections as read back out in COCO results format.")
    var rewritePath: String?

    @Flag(name: .customLong("per-category"), help: "Also print AP per category.")
    var perCategory = false

    @Flag(help: "Also print, per class, which class each object's top-scoring overlapping detection (IoU ≥ 0.5) has, split by object size.")
    var confusion = false

    @Flag(name: .customLong("class-agnostic"), help: "Ignore categories (pycocotools useCats=0): any detection may match any object of its image.")
    var classAgnostic = false

    func validate() throws {
        guard maxDetections >= 1 else { throw ValidationError("--max-dets must be at least 1") }
        if runDirectory != nil {
            guard groundTruthPath == nil, resultsPath == nil else { throw ValidationError("--run evaluates a run; it takes no --gt or --results") }
            guard !classAgnostic else { throw ValidationError("--class-agnostic is for --gt/--results; --run reports AP(agnostic) already") }
            return
        }
        guard overrides.isEmpty else { throw ValidationError("overrides (\(overrides.joined(separator: " "))) need --run") }
        guard groundTruthPath != nil, resultsPath != nil, let iouType else {
            throw ValidationError("give --gt, --results and --iou-type (or --run RUN)")
        }
        guard IoUType(rawValue: iouType) != nil else { throw ValidationError("--iou-type must be segm or bbox, not '\(iouType)'") }
    }

    func run() throws {
        if let runDirectory { return try evaluateRun(runDirectory) }
        let (iouType, groundTruthPath, resultsPath) = (self.iouType!, self.groundTruthPath!, self.resultsPath!)
        let type = IoUType(rawValue: iouType)!
        let start = Date()
        let groundTruth = try GroundTruth.load(path: groundTruthPath)
        let detections = try DetectionResults.read(path: resultsPath, groundTruth: groundTruth)
        if detections.isEmpty {
            FileHandle.standardError.write(Data("warning: \(resultsPath) holds no detections; every AP and AR is 0\n".utf8))
        }
        let loaded = Date()
        var parameters = EvaluationParameters(iouType: type, maxDetections: maxDetections)
        parameters.useCategories = !classAgnostic
        let result = try COCOEvaluator.evaluate(groundTruth: groundTruth, detections: detections, parameters: parameters)
        let finished = Date()
        print("\(iouType): \(detections.count) detections, \(groundTruth.annotations.count) ground-truth objects, "
              + "\(groundTruth.images.count) images (load \(String(format: "%.3f", loaded.timeIntervalSince(start))) s, "
              + "evaluate \(String(format: "%.3f", finished.timeIntervalSince(loaded))) s)")
        print(result.table, terminator: "")
        if perCategory && !classAgnostic {
            let names = Dictionary(groundTruth.categories.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            for (id, ap) in result.perCategoryAP.sorted(by: { $0.key < $1.key }) {
                print(" AP " + (names[id] ?? "\(id)").padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: " = %0.3f", ap))
            }
        }
        if confusion {
            print(try ClassConfusion.compute(groundTruth: groundTruth, detections: detections, iouType: type,
                                             maxDetections: maxDetections).table, terminator: "")
        }
        if let jsonPath {
            do { try result.summary.json.write(toFile: jsonPath, atomically: true, encoding: .utf8) } catch {
                throw ValidationError("\(jsonPath): cannot be written (\(error.localizedDescription))")
            }
        }
        if let rewritePath {
            try DetectionResults.write(detections, iouType: type, to: rewritePath)
        }
    }
}
