extension DifferentiableOperation {
  /// Applies the operation to variables, recording it on their tape when a gradient must flow.
  ///
  /// The tape is the first one found among `inputs`. Nothing is recorded when no input is on a
  /// live tape or none needs a gradient (inference costs only the forward computation). The
  /// input values are captured as they are now (tensors are values), so changing a parameter
  /// after the forward pass does not change the backward pass.
  ///
  /// - Returns: one variable per output tensor.
  public func apply(to inputs: [Variable<Scalar>]) -> [Variable<Scalar>] {
    let inputValues = Inputs(tensors: inputs.map(\.value))
    let (outputValues, saved) = forwardSaving(inputValues)
    var tape: Tape<Scalar>? = nil
    var needsGradient = false
    for input in inputs {
      if tape == nil { tape = input.tape }
      needsGradient = needsGradient || input.needsGradient
    }
    guard let tape, needsGradient else {
      return outputValues.tensors.map {
        Variable(value: $0, name: name, tape: tape, needsGradient: false)
      }
    }
    let outputs = outputValues.tensors.map {
      Variable(value: $0, name: name, tape: tape, needsGradient: true)
    }
    tape.record(
      Tape.Entry { [self] in
        var anyGradient = false
        let gradients = outputs.map { output -> Tensor<Scalar> in
          if let gradient = output.gradient {
            anyGradient = true
            return gradient
          }
          return Tensor(repeating: 0, shape: output.value.shape)
        }
        guard anyGradient else { return }
        let inputGradients = backward(
          inputs: inputValues, outputs: outputValues, saved: saved,
          gradients: Outputs(tensors: gradients)
        ).tensors
        tensorPrecondition(
          inputGradients.count == inputs.count,
          "\(name).backward: returned \(inputGradients.count) gradients for "
            + "\(inputs.count) inputs")
        for (input, gradient) in zip(inputs, inputGradients) where input.needsGradient {
          input.accumulateGradient(gradient, from: name)
        }
      })
    return outputs
  }
}

extension UnaryOperation {
  /// Applies the operation to a variable, recording it on the variable's tape.
  public func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { apply(to: [x])[0] }
  /// Computes the operation on a tensor (nothing is recorded).
  public func callAsFunction(_ x: Tensor<Scalar>) -> Tensor<Scalar> { forward(x) }
}

extension BinaryOperation {
  /// Applies the operation to two variables, recording it on their tape.
  public func callAsFunction(_ a: Variable<Scalar>, _ b: Variable<Scalar>) -> Variable<Scalar> {
    apply(to: [a, b])[0]
  }
  /// Computes the operation on tensors (nothing is recorded).
  public func callAsFunction(_ a: Tensor<Scalar>, _ b: Tensor<Scalar>) -> Tensor<Scalar> {
    forward(a, b)
  }
}

extension NaryOperation {
  /// Applies the operation to variables, recording it on their tape.
  public func callAsFunction(_ xs: [Variable<Scalar>]) -> Variable<Scalar> { apply(to: xs)[0] }
  /// Computes the operation on tensors (nothing is recorded).
  public func callAsFunction(_ xs: [Tensor<Scalar>]) -> Tensor<Scalar> { forward(xs) }
}
