// Feature pyramid (spec §3): per level a lateral 1×1 conv (with bias, no norm) and an output 3×3
// conv (with bias); top-down `L5 = lateral(res5)`, `L_i = lateral(res_i) + nearest×2(L_{i+1})`,
// `P_i = output(L_i)`. P6 is never consumed, so it is not computed. Initialised with c2-xavier.
import Tensor
import Autodiff
import NN

public final class FPN: Module {
    /// Index 0 is the P2 level (input res2), 3 is P5.
    public let lateral: [Conv2d]
    public let output: [Conv2d]
    public let outChannels: Int

    /// - Parameters: `inChannels` of res2..res5, `outChannels` the pyramid width (256 in the paper, 128 in Tiny).
    public init(inChannels: [Int], outChannels: Int, using random: inout RandomGenerator) {
        precondition(!inChannels.isEmpty, "FPN: needs at least one input level")
        lateral = inChannels.map { Conv2d(inChannels: $0, outChannels: outChannels, kernelSize: 1, using: &random) }
        output = inChannels.map { _ in Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, using: &random) }
        self.outChannels = outChannels
        super.init()
        for conv in lateral + output { conv.resetC2Xavier(using: &random) }
    }

    /// [res2..res5] → [P2..P5]; each level must be exactly twice the size of the next.
    public func callAsFunction(_ features: [Variable]) -> [Variable] {
        precondition(features.count == lateral.count, "FPN: \(features.count) inputs for \(lateral.count) levels")
        var pyramid: [Variable] = []
        var topDown: Variable? = nil
        for level in features.indices.reversed() {
            var merged = lateral[level](features[level])
            if let above = topDown {
                precondition(merged.shape[2] == 2 * above.shape[2] && merged.shape[3] == 2 * above.shape[3],
                             "FPN: level \(level) is \(merged.shape), not twice \(above.shape) (pad inputs to a multiple of 32)")
                merged = merged + upsampleNearest(above, factor: 2)
            }
            topDown = merged
            pyramid.insert(output[level](merged), at: 0)
        }
        return pyramid
    }
}
