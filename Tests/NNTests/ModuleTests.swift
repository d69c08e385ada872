import XCTest
import NN
import TestSupport

/// A small hierarchy exercising every kind of stored property reflection must find.
final class Block: Module {
    let attention: MultiHeadAttention
    let norm: LayerNorm
    let scale: Parameter
    let optionalBias: Parameter?
    let missingBias: Parameter?
    let running: Buffer
    let notAParameter = Variable(Tensor(shape: [1]))
    init(using rng: inout RandomGenerator) {
        attention = MultiHeadAttention(embedDimension: 8, heads: 2, using: &rng)
        norm = LayerNorm(8)
        scale = Parameter(Tensor(shape: [1], repeating: 1))
        optionalBias = Parameter(Tensor(shape: [2]))
        missingBias = nil
        running = Buffer(Tensor(shape: [3]))
        super.init()
    }
}

final class Net: Module {
    let stages: [Block]
    let head: Linear
    lazy var shared: Linear = head
    init(using rng: inout RandomGenerator) {
        stages = [Block(using: &rng), Block(using: &rng)]
        head = Linear(inputSize: 8, outputSize: 3, using: &rng)
        super.init()
    }
}

final class ModuleTests: XCTestCase {
    func testReflectionFindsStableDottedNames() {
        var rng = RandomGenerator(seed: 1)
        let net = Net(using: &rng)
        _ = net.shared
        let names = net.namedParameters().map(\.0)
        XCTAssertEqual(names, [
            "stages.0.attention.inProjection.weight", "stages.0.attention.inProjection.bias",
            "stages.0.attention.outProjection.weight", "stages.0.attention.outProjection.bias",
            "stages.0.norm.weight", "stages.0.norm.bias", "stages.0.scale", "stages.0.optionalBias",
            "stages.1.attention.inProjection.weight", "stages.1.attention.inProjection.bias",
            "stages.1.attention.outProjection.weight", "stages.1.attention.outProjection.bias",
            "stages.1.norm.weight", "stages.1.norm.bias", "stages.1.scale", "stages.1.optionalBias",
            "head.weight", "head.bias",
        ])
        XCTAssertEqual(net.namedBuffers().map(\.0), ["stages.0.running", "stages.1.running"])
        XCTAssertEqual(net.stages[0].attention.inProjection.weight.shape, [24, 8])
        XCTAssertEqual(net.parameterCount, 2 * (24 * 8 + 24 + 64 + 8 + 16 + 1 + 2) + 27)
    }

    func testTrainEvalIsRecursive() {
        var rng = RandomGenerator(seed: 1)
        let net = Net(using: &rng)
        net.eval()
        XCTAssertFalse(net.stages[1].norm.isTraining)
        net.train()
        XCTAssertTrue(net.stages[1].attention.outProjection.isTraining)
    }

    func testStateRoundTripAndErrors() throws {
        var rng = RandomGenerator(seed: 1)
        let a = Net(using: &rng), b = Net(using: &rng)
        a.stages[0].running.value = Tensor(shape: [3], scalars: [1, 2, 3])
        XCTAssertNotEqual(a.head.weight.value.scalars, b.head.weight.value.scalars)
        try b.loadState(a.stateDict())
        XCTAssertEqual(a.head.weight.value.scalars, b.head.weight.value.scalars)
        XCTAssertEqual(b.stages[0].running.value.scalars, [1, 2, 3])
        var state = a.stateDict()
        state["head.weight"] = Tensor(shape: [2, 2])
        XCTAssertThrowsError(try b.loadState(state)) { XCTAssertTrue("\($0)".contains("head.weight")) }
        state["head.weight"] = nil
        XCTAssertThrowsError(try b.loadState(state))
        XCTAssertNoThrow(try b.loadState(state, strict: false))
        state = a.stateDict(); state["extra"] = Tensor(0)
        XCTAssertThrowsError(try b.loadState(state))
    }

    func testInitializerStatisticsAndPriorBias() {
        var rng = RandomGenerator(seed: 3)
        let xavier = Initializer.xavierUniform([200, 300], using: &rng)
        let bound = (6.0 / 500.0).squareRoot()
        XCTAssertLessThanOrEqual(Double(xavier.abs().max(axes: [0, 1]).scalar), bound)
        XCTAssertGreaterThan(Double(xavier.abs().max(axes: [0, 1]).scalar), 0.99 * bound)
        let kaiming = Initializer.kaimingNormal([256, 64, 3, 3], using: &rng)
        XCTAssertEqual(Double(kaiming.squared().mean().scalar.squareRoot()), (2.0 / 576).squareRoot(), accuracy: 0.002)
        let fanOut = Initializer.kaimingNormal(fanOut: true)([64, 256, 3, 3], using: &rng)
        XCTAssertEqual(Double(fanOut.squared().mean().scalar.squareRoot()), (2.0 / 576).squareRoot(), accuracy: 0.002)
        let linear = Linear(inputSize: 100, outputSize: 50, using: &rng)
        XCTAssertLessThanOrEqual(linear.weight.value.abs().max(axes: [0, 1]).scalar, 0.1)
        XCTAssertLessThanOrEqual(linear.bias!.value.abs().max(axes: [0]).scalar, 0.1)
        let prior = Initializer.priorProbabilityBias(0.01)([4], using: &rng)
        XCTAssertEqual(prior.scalars[0], -4.59512, accuracy: 1e-4)
        XCTAssertEqual(prior.sigmoid().scalars[0], 0.01, accuracy: 1e-6)
    }

    func testMLPShapesAndActivationPlacement() {
        var rng = RandomGenerator(seed: 4)
        let mlp = MLP(sizes: [5, 7, 3], activation: .relu, using: &rng)
        XCTAssertEqual(mlp.namedParameters().map(\.0), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        let x = Variable(randomTensor([4, 5], seed: 1))
        let manual = mlp.layers[1](mlp.layers[0](x).relu())
        assertClose(mlp(x).value, manual.value)
    }
}
