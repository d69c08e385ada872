// Box diffusion: the map between pixel boxes and the diffusion state (spec §8.2 steps 4 and 6,
// §8.3), the forward process q(x_t | x₀), and the training corruption that pads ground truth
// with placeholder boxes to the proposal count and noises them with one timestep per image.
import Foundation

public struct BoxDiffusion: Sendable {
    /// The schedule's derived buffers.
    public let table: ScheduleTable
    /// λ (`SNR_SCALE`, 2.0): valid boxes live in [−λ, λ] in diffusion space.
    public let signalScale: Float
    /// γ of the training timestep draw t = ⌊T·u^γ⌋, u ~ U[0, 1). 1 is the official uniform draw;
    /// γ < 1 trains more often at high t, the pure-noise regime one-step sampling starts from.
    public let timestepExponent: Double

    public init(schedule: some NoiseSchedule = CosineSchedule(), signalScale: Float = 2, timestepExponent: Double = 1) {
        precondition(signalScale > 0, "signal scale must be positive, got \(signalScale)")
        precondition(timestepExponent > 0, "timestep exponent must be positive, got \(timestepExponent)")
        table = schedule.table()
        self.signalScale = signalScale
        self.timestepExponent = timestepExponent
    }

    /// One training timestep in 0..<T: uniform (the official draw, γ = 1) or ⌊T·u^γ⌋.
    public func trainingTimestep(using generator: inout NoiseGenerator) -> Int {
        if timestepExponent == 1 { return generator.nextInt(below: timesteps) }
        return min(timesteps - 1, Int(Double(timesteps) * pow(generator.nextUniform(), timestepExponent)))
    }

    public var timesteps: Int { table.timesteps }

    /// Diffusion state → xyxy pixel boxes: clamp to ±λ, map to [0, 1], cxcywh → xyxy, × (w, h, w, h).
    public func boxes(fromState state: [Box], imageWidth: Float, imageHeight: Float) -> [Box] {
        let scale = Box(imageWidth, imageHeight, imageWidth, imageHeight)
        return state.map { x in
            let clamped = x.clamped(lowerBound: Box(repeating: -signalScale), upperBound: Box(repeating: signalScale))
            let unit = (clamped / signalScale + 1) / 2
            return BoxGeometry.xyxy(fromCenterSize: unit) * scale
        }
    }

    /// Predicted xyxy pixel boxes → x̂₀: ÷ whwh, → cxcywh, λ(2·u − 1), clamp to ±λ (spec §8.3).
    public func state(fromBoxes boxes: [Box], imageWidth: Float, imageHeight: Float) -> [Box] {
        let scale = Box(imageWidth, imageHeight, imageWidth, imageHeight)
        return boxes.map { b in
            let unit = BoxGeometry.centerSize(fromXYXY: b / scale)
            return (signalScale * (2 * unit - 1))
                .clamped(lowerBound: Box(repeating: -signalScale), upperBound: Box(repeating: signalScale))
        }
    }

    /// x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε (spec §8.2 step 5).
    public func noised(_ clean: [Box], noise: [Box], timestep t: Int) -> [Box] {
        precondition(clean.count == noise.count, "q-sample: \(clean.count) boxes but \(noise.count) noise rows")
        let a = Float(table.sqrtAlphaBar(t)), b = Float(table.sqrtOneMinusAlphaBar(t))
        return zip(clean, noise).map { a * $0 + b * $1 }
    }

    /// ε̂ = (x_t/√ᾱ_t − x̂₀)/√(1/ᾱ_t − 1), with x_t the unclamped current state (spec §8.3).
    public func impliedNoise(state: [Box], predictedClean: [Box], timestep t: Int) -> [Box] {
        let r = Float(table.reciprocalSqrtAlphaBar(t)), d = Float(table.sqrtReciprocalAlphaBarMinusOne(t))
        return zip(state, predictedClean).map { (r * $0 - $1) / d }
    }

    /// One image's training input (spec §8.2): the normalised cxcywh GT padded with placeholders
    /// (each coordinate 0.5 + N(0,1)/6, w and h ≥ 1e-4) or sub-sampled to `proposalCount`, scaled
    /// to diffusion space, noised at a drawn t (`trainingTimestep`), and returned as xyxy pixel boxes.
    /// - Parameter groundTruth: M boxes, xyxy pixels of the resized image.
    public func corruptedProposals(groundTruth: [Box], imageWidth: Float, imageHeight: Float, proposalCount: Int,
                                   using generator: inout NoiseGenerator) -> (boxes: [Box], timestep: Int) {
        precondition(proposalCount > 0, "proposal count must be positive")
        let scale = Box(imageWidth, imageHeight, imageWidth, imageHeight)
        var clean = groundTruth.map { BoxGeometry.centerSize(fromXYXY: $0 / scale) }
        let timestep = trainingTimestep(using: &generator)
        if clean.isEmpty { clean = [Box(0.5, 0.5, 1, 1)] }
        if clean.count < proposalCount {
            for _ in clean.count..<proposalCount {
                var p = Box(repeating: 0.5) + Box(generator.normals(4)) / 6
                p.z = max(p.z, 1e-4)
                p.w = max(p.w, 1e-4)
                clean.append(p)
            }
        } else if clean.count > proposalCount {
            // A uniformly random subset, kept in original order.
            var indices = Array(clean.indices)
            for i in 0..<proposalCount {
                indices.swapAt(i, i + generator.nextInt(below: indices.count - i))
            }
            clean = indices.prefix(proposalCount).sorted().map { clean[$0] }
        }
        let start = clean.map { signalScale * (2 * $0 - 1) }
        let noisy = noised(start, noise: generator.normalBoxes(proposalCount), timestep: timestep)
        return (boxes(fromState: noisy, imageWidth: imageWidth, imageHeight: imageHeight), timestep)
    }
}
