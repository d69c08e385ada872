// The dynamic-k matcher on hand-made cases (spec §9.2: k from IoUs, conflicts, repair, priors)
// and the Hungarian matcher against exhaustive search.
import XCTest
import Diffusion
@testable import Modeling

final class MatcherTests: XCTestCase {
    func problem(_ proposals: [Box], _ targets: [Box], logit: Float = 0) -> MatchingProblem {
        MatchingProblem(logits: [Float](repeating: logit, count: proposals.count), classCount: 1, predictedBoxes: proposals,
                        targetBoxes: targets, targetClasses: [Int](repeating: 0, count: targets.count), imageWidth: 100, imageHeight: 100)
    }

    func testDynamicKTakesAsManyProposalsAsTheSummedTopIoUs() {
        // IoUs with the GT: 1, 0.822, 0.739, 0 → Σ = 2.56 → k = 2: the two cheapest (P0, P1).
        let p = problem([Box(0, 0, 20, 20), Box(1, 1, 21, 21), Box(3, 0, 23, 20), Box(60, 60, 70, 70)], [Box(0, 0, 20, 20)])
        XCTAssertEqual(DynamicKMatcher().match(p), [MatchedPair(proposal: 0, target: 0), MatchedPair(proposal: 1, target: 0)])
    }

    func testConflictGoesToCheapestGTAndRepairFeedsTheOther() {
        // Both GTs (k = 1 each) want P0; P0 is cheaper for GT0, so GT1 is repaired with P1.
        let p = problem([Box(0.4, 0, 10.4, 10), Box(2, 0, 12, 10), Box(50, 50, 60, 60)], [Box(0, 0, 10, 10), Box(1, 0, 11, 10)])
        XCTAssertEqual(DynamicKMatcher().match(p), [MatchedPair(proposal: 0, target: 0), MatchedPair(proposal: 1, target: 1)])
    }

    func testPriorsPenaliseProposalsOutsideEveryGT() {
        let p = problem([Box(0, 0, 10, 10), Box(80, 80, 90, 90)], [Box(0, 0, 10, 10)])
        let cost = DynamicKMatcher().cost(p)
        // P1: centre (85, 85) is in no GT box and farther than 2.5 GT sizes: +100 and +10000.
        let base = setPredictionCost(p, weights: MatchingCostWeights())
        XCTAssertEqual(cost[1] - base[1], 10_100, accuracy: 1e-2)
        XCTAssertEqual(cost[0] - base[0], 0, accuracy: 1e-4)
        // Class cost at p = σ(0) = 0.5: 0.25·0.25·ln2 − 0.75·0.25·ln2, L1 0, GIoU 1.
        XCTAssertEqual(base[0], 2 * (0.0625 - 0.1875) * Float(log(2.0)) - 2, accuracy: 1e-5)
    }

    func testNoTargetsMeansNoMatches() {
        XCTAssertTrue(DynamicKMatcher().match(problem([Box(0, 0, 1, 1)], [])).isEmpty)
        XCTAssertTrue(HungarianMatcher().match(problem([Box(0, 0, 1, 1)], [])).isEmpty)
    }

    func testEveryGTGetsAProposal() {
        var g = NoiseGenerator(seed: 3)
        for _ in 0..<20 {
            let proposals = (0..<30).map { _ in Box(Float(g.nextUniform() * 80), Float(g.nextUniform() * 80), 0, 0) }.map { $0 + Box(0, 0, $0.x + 15, $0.y + 15) }
            let targets = (0..<5).map { _ in Box(Float(g.nextUniform() * 80), Float(g.nextUniform() * 80), 0, 0) }.map { $0 + Box(0, 0, $0.x + 10, $0.y + 20) }
            let pairs = DynamicKMatcher().match(problem(proposals, targets))
            XCTAssertEqual(Set(pairs.map(\.target)), Set(0..<5))
            XCTAssertEqual(Set(pairs.map(\.proposal)).count, pairs.count, "a proposal has one GT")
        }
    }

    func testHungarianFindsTheMinimumCostAssignment() {
        var g = NoiseGenerator(seed: 8)
        for (rows, columns) in [(3, 5), (4, 4), (5, 2)] {
            let cost = (0..<(rows * columns)).map { _ in g.nextUniform() }
            let assignment = HungarianMatcher.solve(rows: min(rows, columns), columns: max(rows, columns)) { r, c in
                rows <= columns ? cost[r * columns + c] : cost[c * columns + r]
            }
            let total = assignment.enumerated().reduce(0.0) { sum, rc in
                sum + (rows <= columns ? cost[rc.offset * columns + rc.element] : cost[rc.element * columns + rc.offset])
            }
            // Exhaustive minimum over injective maps from the smaller side.
            let small = min(rows, columns), large = max(rows, columns)
            func best(_ r: Int, _ used: Set<Int>) -> Double {
                if r == small { return 0 }
                return (0..<large).filter { !used.contains($0) }.map { c in
                    (rows <= columns ? cost[r * columns + c] : cost[c * columns + r]) + best(r + 1, used.union([c]))
                }.min()!
            }
            XCTAssertEqual(total, best(0, []), accuracy: 1e-12, "\(rows)×\(columns)")
            XCTAssertEqual(Set(assignment).count, small)
        }
        // One-to-one: three proposals on one GT give one pair.
        let p = problem([Box(0, 0, 20, 20), Box(1, 1, 21, 21), Box(3, 0, 23, 20)], [Box(0, 0, 20, 20)])
        XCTAssertEqual(HungarianMatcher().match(p), [MatchedPair(proposal: 0, target: 0)])
    }
}
