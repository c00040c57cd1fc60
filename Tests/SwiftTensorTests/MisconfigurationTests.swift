import Testing

@testable import SwiftTensor

/// A user type with `forward` that registers all its layers.
final class RegisteredModel: Model {
  let hidden = Affine<Float>(4, 3)
  let output = Affine<Float>(3, 2)
  func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
    output(hidden(x, context: context).sigmoid(), context: context)
  }
  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    hidden.registerParameters(registrar)
    output.registerParameters(registrar)
  }
}

/// The same model with `output` left out of `registerParameters`: it would never train.
final class HalfRegisteredModel: Model {
  let hidden = Affine<Float>(4, 3)
  let output = Affine<Float>(3, 2)
  let heads = [Affine<Float>(2, 2)]
  func forward(_ x: Variable<Float>, context: LayerContext) -> Variable<Float> {
    heads[0](output(hidden(x, context: context).sigmoid(), context: context), context: context)
  }
  func registerParameters(_ registrar: ParameterRegistrar<Float>) {
    hidden.registerParameters(registrar)
  }
}

/// Mistakes in putting a model together stop with a message, or cannot happen: layers start
/// drawn from a seed, unregistered layers are reported, and sizes are checked when a graph is
/// built against an input shape.
@Suite struct MisconfigurationTests {
  @Test func layersStartDrawnFromTheirSeed() {
    let affine = Affine<Float>(8, 4)
    #expect(affine.weight.value.scalars.contains { $0 != 0 })
    #expect(affine.weight.value == Affine<Float>(8, 4).weight.value)
    #expect(affine.weight.value != Affine<Float>(8, 4, seed: 1).weight.value)
    #expect(affine.weight.name == "W")
    #expect(Embedding<Double>(vocabulary: 5, dimension: 3).table.value.scalars.contains { $0 != 0 })
    let lstm = LSTM<Float>(inputSize: 2, hiddenSize: 3, layers: 2)
    #expect(lstm.stack.weights.allSatisfy { $0.hiddenWeight.value.scalars.contains { $0 != 0 } })
    // The forget gate's bias starts at 1, as the model's initialisation draws it.
    #expect(lstm.stack.weights[0].bias.value.scalars == [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
  }

  @Test func aModelsSeedStillDecides() {
    let model = RegisteredModel()
    let drawnOnCreation = model.hidden.weight.value
    model.initializeParameters(seed: 5)
    let reseeded = model.hidden.weight.value
    #expect(reseeded != drawnOnCreation)
    let again = RegisteredModel()
    again.initializeParameters(seed: 5)
    #expect(again.hidden.weight.value == reseeded)
    #expect(again.output.weight.value == model.output.weight.value)
  }

  @Test func aFullyRegisteredModelPassesTheCheck() {
    let model = RegisteredModel()
    model.checkRegistration()
    let trainer = Trainer(model, loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
    #expect(
      trainer.parameters.map(\.path) == ["affine_0/W", "affine_0/b", "affine_1/W", "affine_1/b"])
  }

  @Test func unregisteredLayersStopTheTrainerNamingTheProperty() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Trainer(
          HalfRegisteredModel(), loss: .softmaxCrossEntropy, optimizer: SGD(learningRate: 0.1))
      },
      "HalfRegisteredModel: registerParameters(_:) does not list the parameters of 'output' "
        + "(affine_0/W, affine_0/b), 'heads[0]' (affine_0/W, affine_0/b); they would never train")
  }

  @Test func aGraphBuiltAgainstAnInputShapeNamesTheLayerThatDoesNotFit() async {
    let graph = Graph<Float>("mlp", inputShape: [64]) {
      Affine(64, 30)
      Sigmoid()
      Affine(30, 10)
    }
    #expect(graph.check(inputShape: [64]) == [1, 10])
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        _ = Graph<Float>("mlp", inputShape: [64]) {
          Affine(64, 30)
          Sigmoid()
          Affine(20, 10)
        }
      },
      "affine_1: Affine: input of shape [1, 30] does not fit a layer of 20 inputs; "
        + "expected [batch, 20] or [..., 20]")
  }

  @Test func runTimeMessagesInsideAGraphNameTheLayersPath() async {
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let graph = Graph<Float>("lm") {
          Embedding(vocabulary: 10, dimension: 4)
          LSTM(inputSize: 4, hiddenSize: 3)
        }
        _ = graph.predict(Tensor(shape: [1, 2], scalars: [1, 1e30]))
      }, "embedding_0: Embedding: id 1e+30 at flat position 1 is not an integer")
    expectStderr(
      await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
        let graph = Graph<Float>("rnn") {
          Affine(2, 2)
          ReshapeLayer([1, 2])
          GRU(inputSize: 3, hiddenSize: 3)
        }
        _ = graph.check(inputShape: [2])
      }, "gru_0: GRU: input of shape [1, 1, 2]; expected [batch, time, 3]")
  }
}
