// Biases left out.
func conv2dParameterCount(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int, bias: Bool) -> Int {
    return outChannels * (inChannels / groups) * kernelSize * kernelSize
}
