// Conv2d layer: weight Cout×(Cin/groups)×kh×kw and an optional bias, PyTorch's default
// initialisation (Kaiming-uniform with a = √5, i.e. U(±1/√fan_in), bias likewise) unless the
// caller redraws the weights (ResNet: Kaiming-normal fan-out; FPN: c2-xavier).
import Tensor
import Autodiff

public final class Conv2d: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Int, dilation: Int, groups: Int

    /// - Parameters: `kernelSize` square kernel; `bias` whether to learn a per-channel offset.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, using random: inout RandomGenerator) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        let fanIn = inChannels / groups * kernelSize * kernelSize
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Parameter(Tensor.randomUniform(shape: [outChannels, inChannels / groups, kernelSize, kernelSize],
                                                low: -bound, high: bound, using: &random))
        self.bias = bias ? Parameter(Tensor.randomUniform(shape: [outChannels], low: -bound, high: bound, using: &random)) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        super.init()
    }

    public var inChannels: Int { weight.shape[1] * groups }
    public var outChannels: Int { weight.shape[0] }
    public var kernelSize: Int { weight.shape[2] }
    /// Fan-in (Cin/groups·k²) and fan-out (Cout/groups·k²) as PyTorch computes them for initialisers.
    public var fanIn: Int { weight.shape[1] * kernelSize * kernelSize }
    public var fanOut: Int { weight.shape[0] / groups * kernelSize * kernelSize }

    /// x N×Cin×H×W → N×Cout×H'×W'.
    public func callAsFunction(_ x: Variable) -> Variable {
        conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// Kaiming-normal, fan-out, ReLU gain (detectron2's c2_msra_fill, torchvision's ResNet init); bias 0.
    public func resetKaimingNormalFanOut(using random: inout RandomGenerator) {
        weight.value = Tensor.randomNormal(shape: weight.shape, mean: 0, std: (2 / Float(fanOut)).squareRoot(), using: &random)
        if let bias { bias.value = Tensor(shape: bias.shape) }
    }

    /// detectron2's c2_xavier_fill: Kaiming-uniform with a = 1, i.e. U(±√(3/fan_in)); bias 0.
    public func resetC2Xavier(using random: inout RandomGenerator) {
        let bound = (3 / Float(fanIn)).squareRoot()
        weight.value = Tensor.randomUniform(shape: weight.shape, low: -bound, high: bound, using: &random)
        if let bias { bias.value = Tensor(shape: bias.shape) }
    }
}
