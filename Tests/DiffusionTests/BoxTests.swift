// Box arithmetic (hand-computed cases), the box ↔ diffusion-space maps, training corruption,
// candidate selection and class-aware NMS.
import XCTest
@testable import Diffusion

final class BoxTests: XCTestCase {
    func testConversionsAndOverlaps() {
        let b = Box(10, 20, 50, 80)
        XCTAssertEqual(BoxGeometry.centerSize(fromXYXY: b), Box(30, 50, 40, 60))
        XCTAssertEqual(BoxGeometry.xyxy(fromCenterSize: Box(30, 50, 40, 60)), b)
        let a = Box(0, 0, 10, 10), c = Box(5, 5, 15, 15)
        XCTAssertEqual(BoxGeometry.iou(a, c), 25 / 175, accuracy: 1e-7)
        XCTAssertEqual(BoxGeometry.generalizedIoU(a, c), 25 / 175 - 50 / 225, accuracy: 1e-7)
        XCTAssertEqual(BoxGeometry.generalizedIoU(Box(0, 0, 1, 1), Box(2, 0, 3, 1)), -1 / 3, accuracy: 1e-7)
        XCTAssertEqual(BoxGeometry.generalizedIoU(a, a), 1)
    }

    func testDeltaDecodingWithWeightsAndClamp() {
        // W = H = 40, centre (30, 40); dx = 2/2 = 1, dy = −4/2 = −2, dw = ln 2, dh = 0.
        let decoded = BoxGeometry.decode(deltas: Box(2, -4, Float(log(2.0)), 0), reference: Box(10, 20, 50, 60))
        XCTAssertEqual(decoded.x, 30, accuracy: 1e-4)
        XCTAssertEqual(decoded.y, -60, accuracy: 1e-4)
        XCTAssertEqual(decoded.z, 110, accuracy: 1e-4)
        XCTAssertEqual(decoded.w, -20, accuracy: 1e-4)
        let huge = BoxGeometry.decode(deltas: Box(0, 0, 20, 100), reference: Box(0, 0, 1, 2))
        XCTAssertEqual(huge.z - huge.x, 6250, accuracy: 0.5, "dw is capped at ln(100000/16)")
        XCTAssertEqual(huge.w - huge.y, 12500, accuracy: 1)
        XCTAssertEqual(BoxGeometry.scaleClamp, 8.7403, accuracy: 1e-4)
    }

    func testDiffusionSpaceRoundTripAndClamp() {
        let diffusion = BoxDiffusion()
        let boxes = [Box(10, 20, 50, 80), Box(0, 0, 128, 96)]
        let state = diffusion.state(fromBoxes: boxes, imageWidth: 128, imageHeight: 96)
        XCTAssertEqual(state[1], Box(0, 0, 2, 2))
        let back = diffusion.boxes(fromState: state, imageWidth: 128, imageHeight: 96)
        for (a, b) in zip(back, boxes) { XCTAssertLessThan(((a - b) * (a - b)).sum(), 1e-8) }
        // Clamped to ±λ: a huge state maps to the whole-image box centred at the far corner.
        XCTAssertEqual(diffusion.boxes(fromState: [Box(5, -5, 9, 9)], imageWidth: 100, imageHeight: 100)[0], Box(50, -50, 150, 50))
    }

    func testCorruptionPadsWithPlaceholdersAndSubsamplesInOrder() {
        let diffusion = BoxDiffusion()
        var g = NoiseGenerator(seed: 1)
        let gt = [Box(10, 10, 30, 40), Box(50, 60, 90, 100)]
        let (boxes, t) = diffusion.corruptedProposals(groundTruth: gt, imageWidth: 128, imageHeight: 128, proposalCount: 100, using: &g)
        XCTAssertEqual(boxes.count, 100)
        XCTAssertTrue((0..<1000).contains(t))
        XCTAssertTrue(boxes.allSatisfy { $0.z >= $0.x && $0.w >= $0.y })
        // Drawn timesteps cover the range uniformly enough.
        var counts = [0, 0]
        for _ in 0..<400 { counts[diffusion.corruptedProposals(groundTruth: gt, imageWidth: 64, imageHeight: 64, proposalCount: 4, using: &g).timestep < 500 ? 0 : 1] += 1 }
        XCTAssertGreaterThan(min(counts[0], counts[1]), 150)
        // q-sample at t: x_t = √ᾱ x₀ + √(1−ᾱ) ε exactly.
        let x = diffusion.noised([Box(1, 1, 1, 1)], noise: [Box(1, -1, 0, 2)], timestep: 499)
        let a = Float(0.70274006), s = Float(0.71144670)
        XCTAssertLessThan(((x[0] - Box(a + s, a - s, a, a + 2 * s)) * (x[0] - Box(a + s, a - s, a, a + 2 * s))).sum(), 1e-10)
    }

    func testTimestepExponentBiasesTrainingTowardHighT() {
        // γ = 1 is the official draw: exactly the generator's uniform integer.
        var a = NoiseGenerator(seed: 7), b = NoiseGenerator(seed: 7)
        let uniform = BoxDiffusion()
        for _ in 0..<50 { XCTAssertEqual(uniform.trainingTimestep(using: &a), b.nextInt(below: 1000)) }
        // γ = 0.5: t = ⌊1000·√u⌋, so E[t] ≈ 1000·2/3 and P(t ≥ 900) = 1 − 0.81 = 0.19 (uniform: 0.10).
        let biased = BoxDiffusion(timestepExponent: 0.5)
        var g = NoiseGenerator(seed: 3)
        let draws = (0..<20_000).map { _ in biased.trainingTimestep(using: &g) }
        XCTAssertTrue(draws.allSatisfy { (0..<1000).contains($0) })
        let mean = Double(draws.reduce(0, +)) / Double(draws.count)
        XCTAssertEqual(mean, 666.2, accuracy: 6)
        let high = Double(draws.filter { $0 >= 900 }.count) / Double(draws.count)
        XCTAssertEqual(high, 0.19, accuracy: 0.012)
    }

    func testClassAwareNonMaximumSuppression() {
        func detection(_ b: Box, _ s: Float, _ l: Int) -> Detection { Detection(box: b, score: s, label: l, filter: []) }
        let input = [
            detection(Box(0, 0, 10, 10), 0.9, 0), detection(Box(1, 0, 11, 10), 0.8, 0),  // IoU 0.818 → suppressed
            detection(Box(1, 0, 11, 10), 0.85, 1),  // other label survives
            detection(Box(5, 0, 15, 10), 0.7, 0),  // IoU with first 1/3 → kept
            detection(Box(0, 0, 10, 10), 0.95, 0),  // duplicate with higher score: kept, the 0.9 one goes
        ]
        let kept = NonMaximumSuppression.classAware(input, iouThreshold: 0.5)
        XCTAssertEqual(kept.map(\.score), [0.95, 0.85, 0.7])
    }

    func testTopScoringPairsMapToProposalAndLabel() {
        // 3 proposals × 2 classes.
        let prediction = DenoiserPrediction(logits: [0, 3, -1, 1, 2, -5], boxes: [Box(0, 0, 1, 1), Box(0, 0, 2, 2), Box(0, 0, 3, 3)],
                                            filters: [1, 2, 3], classCount: 2, filterSize: 1)
        let top = CandidateSelection.topScoring(prediction, count: 3)
        XCTAssertEqual(top.map(\.label), [1, 0, 1])
        XCTAssertEqual(top.map(\.filter), [[1], [3], [2]])
        XCTAssertEqual(top[0].score, 1 / (1 + exp(-3)), accuracy: 1e-6)
    }
}
