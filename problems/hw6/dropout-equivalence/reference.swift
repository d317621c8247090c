// Reference implementation of dropout-equivalence, compiled and run exactly like a student's file.

/// Inverted dropout: a kept unit is scaled by 1/(1-p), a dropped one becomes 0.
func invertedDropout(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    var output: [Double] = []
    for index in x.indices {
        output.append(keep[index] ? x[index] / (1 - p) : 0)
    }
    return output
}

// Known mistakes, run on the same inputs to recognise them in a student's answer.

func dropoutWithoutRescaling(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    x.indices.map { keep[$0] ? x[$0] : 0 }
}

func dropoutScaledByKeepProbability(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    x.indices.map { keep[$0] ? x[$0] * (1 - p) : 0 }
}

func dropoutWithMaskInverted(_ x: [Double], keep: [Bool], p: Double) -> [Double] {
    x.indices.map { keep[$0] ? 0 : x[$0] / (1 - p) }
}
