// One-to-one bipartite matching (DETR / Sparse R-CNN style) on the same focal/L1/GIoU cost, solved
// exactly with the Kuhn–Munkres algorithm (shortest augmenting paths with potentials, O(M²N)).
import Foundation
import Diffusion

public struct HungarianMatcher: Matcher {
    public var weights = MatchingCostWeights()
    public init() {}

    public func match(_ problem: MatchingProblem) -> [MatchedPair] {
        let n = problem.proposalCount, m = problem.targetCount
        guard n > 0, m > 0 else { return [] }
        let cost = setPredictionCost(problem, weights: weights).map(Double.init)
        // Rows are GTs (the smaller side when M ≤ N); with M > N, transpose so rows ≤ columns.
        let transposed = m > n
        let rows = transposed ? n : m, columns = transposed ? m : n
        func c(_ r: Int, _ col: Int) -> Double { transposed ? cost[r * m + col] : cost[col * m + r] }
        let assignment = Self.solve(rows: rows, columns: columns, cost: c)
        var pairs: [MatchedPair] = []
        for r in 0..<rows where assignment[r] >= 0 {
            pairs.append(transposed ? MatchedPair(proposal: r, target: assignment[r]) : MatchedPair(proposal: assignment[r], target: r))
        }
        return pairs.sorted { $0.proposal < $1.proposal }
    }

    /// Minimum-cost assignment of every row to a distinct column (rows ≤ columns); returns the column per row.
    static func solve(rows: Int, columns: Int, cost: (Int, Int) -> Double) -> [Int] {
        // 1-based potentials formulation; column 0 is the virtual start.
        var u = [Double](repeating: 0, count: rows + 1), v = [Double](repeating: 0, count: columns + 1)
        var rowOfColumn = [Int](repeating: 0, count: columns + 1), way = [Int](repeating: 0, count: columns + 1)
        for r in 1...rows {
            rowOfColumn[0] = r
            var column0 = 0
            var minimum = [Double](repeating: .infinity, count: columns + 1)
            var used = [Bool](repeating: false, count: columns + 1)
            repeat {
                used[column0] = true
                let r0 = rowOfColumn[column0]
                var delta = Double.infinity, column1 = 0
                for col in 1...columns where !used[col] {
                    let reduced = cost(r0 - 1, col - 1) - u[r0] - v[col]
                    if reduced < minimum[col] { minimum[col] = reduced; way[col] = column0 }
                    if minimum[col] < delta { delta = minimum[col]; column1 = col }
                }
                for col in 0...columns {
                    if used[col] { u[rowOfColumn[col]] += delta; v[col] -= delta } else { minimum[col] -= delta }
                }
                column0 = column1
            } while rowOfColumn[column0] != 0
            repeat {
                let column1 = way[column0]
                rowOfColumn[column0] = rowOfColumn[column1]
                column0 = column1
            } while column0 != 0
        }
        var result = [Int](repeating: -1, count: rows)
        for col in 1...columns where rowOfColumn[col] != 0 { result[rowOfColumn[col] - 1] = col - 1 }
        return result
    }
}
