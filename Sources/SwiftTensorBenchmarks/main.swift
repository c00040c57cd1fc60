import SwiftTensor

benchmarkTapeOverhead()
