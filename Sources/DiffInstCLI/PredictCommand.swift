// `diffinst predict`: a trained run's checkpoint + a COCO file (or image folder with a COCO
// file listing them) → COCO results JSON with masks and boxes, scored later by `diffinst eval`.
import ArgumentParser
import Foundation
import Workbench

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict",
        abstract: "Predict instance masks for the images of a COCO file with a trained DiffusionInst run.")

    @Option(name: .customLong("run"), help: "Run directory (holds config.json and checkpoints/).") var runDirectory: String
    @Option(help: "Checkpoint file (default: the run's latest).") var checkpoint: String?
    @Option(help: "COCO instances JSON listing the images (its categories define the labels).") var annotations: String
    @Option(help: "Folder of the images named in the COCO file.") var images: String
    @Option(help: "Where to write the COCO results JSON.") var output: String
    @Option(help: "Sampling steps (default: the run's sampler.steps).") var steps: Int?
    @Option(help: "Sampling-noise seed (recorded in <output>.meta.json).") var seed: UInt64 = 0
    @Option(help: "Predict only the first N images (0 = all).") var maxImages = 0

    func run() throws {
        let (written, steps) = try DiffusionInstPrediction.run(.init(runDirectory: runDirectory, checkpoint: checkpoint, annotations: annotations,
                                                            images: images, output: output, steps: steps, seed: seed, maxImages: maxImages))
        print("wrote \(written) detections to \(output) (sampling seed \(seed), \(steps) step(s))")
    }
}
