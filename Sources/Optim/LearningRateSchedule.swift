// Learning-rate schedules as detectron2 composes them: a main schedule (constant, multi-step
// decay or cosine) multiplied by a linear warm-up factor that rises from `warmupFactor` to 1.
import Foundation

public struct LearningRateSchedule: Codable, Equatable, Sendable {
    public enum Decay: Codable, Equatable, Sendable {
        case constant
        /// × gamma at each milestone step passed (rate = base · gamma^(milestones ≤ step)).
        case multiStep(milestones: [Int], gamma: Float)
        /// Half-cosine from base to base·finalFactor over `totalSteps`.
        case cosine(totalSteps: Int, finalFactor: Float)
    }

    public var baseRate: Float
    public var warmupSteps: Int
    /// Rate multiplier at step 0 of the warm-up (detectron2 WARMUP_FACTOR).
    public var warmupFactor: Float
    public var decay: Decay

    public init(baseRate: Float, warmupSteps: Int = 0, warmupFactor: Float = 0.001, decay: Decay = .constant) {
        self.baseRate = baseRate
        self.warmupSteps = warmupSteps
        self.warmupFactor = warmupFactor
        self.decay = decay
    }

    /// Rate for 0-based `step`: base · decay(step) · warm-up(step), where warm-up is
    /// warmupFactor·(1−α) + α with α = step/warmupSteps while step < warmupSteps.
    public func rate(at step: Int) -> Float {
        var factor: Float = 1
        switch decay {
        case .constant: break
        case .multiStep(let milestones, let gamma):
            factor = Foundation.pow(gamma, Float(milestones.filter { $0 <= step }.count))
        case .cosine(let total, let finalFactor):
            let progress = Float(Swift.min(step, total)) / Float(Swift.max(total, 1))
            factor = finalFactor + 0.5 * (1 - finalFactor) * (1 + Foundation.cos(Float.pi * progress))
        }
        if step < warmupSteps {
            let alpha = Float(step) / Float(warmupSteps)
            factor *= warmupFactor * (1 - alpha) + alpha
        }
        return baseRate * factor
    }

    /// Sets the optimiser's rate for `step`.
    public func apply(to optimizer: Optimizer, step: Int) { optimizer.learningRate = rate(at: step) }
}
