// A trainable leaf: a `Variable` that always requires grad. Modules find them by reflection and
// optimizers update `value` in place between steps.
import Tensor

public final class Parameter: Variable {
    public init(_ value: Tensor) { super.init(value, requiresGrad: true) }
}
