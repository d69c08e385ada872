// DiffusionDet's "HungarianMatcherDynamicK" (a SimOTA variant, not Hungarian), spec §9.2:
// geometric priors, a focal/L1/GIoU cost, k_j = max(1, ⌊Σ top-5 IoU⌋) proposals per GT,
// conflicts resolved by minimum cost, and a repair loop for GTs left without a proposal.
import Foundation
import Diffusion

public struct DynamicKMatcher: Matcher {
    public var weights = MatchingCostWeights()
    /// Number of top IoUs summed to get k (`OTA_K`, 5).
    public var candidateCount: Int = 5
    /// Centre-prior radius in units of the GT's own size (2.5).
    public var centerRadius: Float = 2.5

    public init() {}

    /// The full cost with priors: + 100 where a proposal centre is not both in the box and near its
    /// centre, + 10000 on rows whose centre is in no GT box and near no GT centre. N×M row-major.
    public func cost(_ problem: MatchingProblem) -> [Float] {
        let n = problem.proposalCount, m = problem.targetCount
        var cost = setPredictionCost(problem, weights: weights)
        for i in 0..<n {
            let b = problem.predictedBoxes[i]
            let cx = (b.x + b.z) / 2, cy = (b.y + b.w) / 2
            var foreground = false
            var both = [Bool](repeating: false, count: m)
            for j in 0..<m {
                let g = problem.targetBoxes[j]
                let inBox = g.x < cx && cx < g.z && g.y < cy && cy < g.w
                let gcx = (g.x + g.z) / 2, gcy = (g.y + g.w) / 2
                let inCenter = abs(cx - gcx) < centerRadius * (g.z - g.x) && abs(cy - gcy) < centerRadius * (g.w - g.y)
                foreground = foreground || inBox || inCenter
                both[j] = inBox && inCenter
            }
            for j in 0..<m {
                cost[i * m + j] += (both[j] ? 0 : 100) + (foreground ? 0 : 10000)
            }
        }
        return cost
    }

    public func match(_ problem: MatchingProblem) -> [MatchedPair] {
        let n = problem.proposalCount, m = problem.targetCount
        guard n > 0, m > 0 else { return [] }
        var cost = cost(problem)
        // assigned[i] = GT of proposal i, or −1.
        var assigned = [Int](repeating: -1, count: n)
        var marks = [[Int]](repeating: [], count: n)
        for j in 0..<m {
            let ious = (0..<n).map { BoxGeometry.iou(problem.predictedBoxes[$0], problem.targetBoxes[j]) }
            let topSum = ious.sorted(by: >).prefix(min(candidateCount, n)).reduce(0, +)
            let k = min(max(1, Int(topSum)), n)
            let order = (0..<n).sorted { cost[$0 * m + j] != cost[$1 * m + j] ? cost[$0 * m + j] < cost[$1 * m + j] : $0 < $1 }
            for i in order.prefix(k) { marks[i].append(j) }
        }
        for i in 0..<n where !marks[i].isEmpty {
            assigned[i] = marks[i].count == 1 ? marks[i][0] : argmin(row: i, cost: cost, columns: m)
        }
        // Repair: GTs without a proposal take their cheapest proposal, matched rows made expensive.
        var rounds = 0
        while rounds < m {
            var covered = [Bool](repeating: false, count: m)
            for a in assigned where a >= 0 { covered[a] = true }
            let missing = (0..<m).filter { !covered[$0] }
            if missing.isEmpty { break }
            for i in 0..<n where assigned[i] >= 0 { for j in 0..<m { cost[i * m + j] += 100_000 } }
            var claims: [Int: [Int]] = [:]
            for j in missing {
                let best = (0..<n).min { cost[$0 * m + j] != cost[$1 * m + j] ? cost[$0 * m + j] < cost[$1 * m + j] : $0 < $1 }!
                claims[best, default: []].append(j)
            }
            // A proposal claimed by several GTs in one round keeps the cheapest (a clean resolution; spec §9.2.5).
            for (i, gts) in claims { assigned[i] = gts.min { cost[i * m + $0] != cost[i * m + $1] ? cost[i * m + $0] < cost[i * m + $1] : $0 < $1 }! }
            rounds += 1
        }
        return (0..<n).filter { assigned[$0] >= 0 }.map { MatchedPair(proposal: $0, target: assigned[$0]) }
    }

    private func argmin(row i: Int, cost: [Float], columns m: Int) -> Int {
        var best = 0
        for j in 1..<m where cost[i * m + j] < cost[i * m + best] { best = j }
        return best
    }
}
